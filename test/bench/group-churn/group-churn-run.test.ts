// `npm run bench:group-churn -- --quick`, end to end: a real broker, real librdkafka, kafkajs and
// @platformatic/kafka members joining, leaving and crashing under an idempotent load. Every group
// must report a time for every event kind, no partitions left unconsumed and no record lost.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/group-churn.bench.ts', ...args], {
      cwd: root,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('bench:group-churn --quick', () => {
  it('reports every group and event kind, with nothing lost', { timeout: 300_000 }, async () => {
    const result = await run(['--quick', '--seed', '1']);
    expect(result.code, result.stderr.slice(-2000) + result.stdout).toBe(0);
    const groups = [
      ['eager', 'librdkafka'],
      ['eager', 'kafkajs'],
      ['eager', '@platformatic/kafka'],
      ['cooperative', 'librdkafka eager'],
      ['cooperative', 'librdkafka cooperative-sticky'],
    ];
    for (const [phase, group] of groups) {
      for (const kind of ['join', 'leave', 'crash']) {
        // phase, group, event, n, p50, p99, max, unresolved
        const line = new RegExp(
          `^${phase}\\s+${group!.replace(/[/@]/g, '\\$&')}\\s+${kind}\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+0$`,
          'm',
        );
        const match = line.exec(result.stdout);
        expect(match, `${phase} / ${group} / ${kind}`).not.toBeNull();
        expect(Number(match![1]), `${phase} / ${group} / ${kind} events`).toBeGreaterThan(0);
      }
      expect(result.stdout).toMatch(
        new RegExp(
          `^${phase} / ${group!.replace(/[/@]/g, '\\$&')}: [\\d.]+ partition-s paused per event; \\d+ acked, 0 lost, \\d+ duplicates(; the client's stream ended on an error \\d+x)?$`,
          'm',
        ),
      );
    }
  });

  it('refuses a bad option with a readable message', async () => {
    const result = await run(['--events', 'many']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--events: expected a whole number, got 'many'");
  });
});
