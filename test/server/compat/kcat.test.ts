import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type RunningBroker } from '../../helpers/broker-fixture.js';

/** kcat 1.7.1 (librdkafka 2.0.2), unmodified, against a Kiln broker. */
const run = promisify(execFile);

/** Every producing run uses librdkafka's idempotent producer. */
async function kcat(args: string[], input?: string): Promise<string> {
  const all = args.includes('-P') ? [...args, '-X', 'enable.idempotence=true'] : args;
  const child = run('kcat', all, { timeout: 30_000 });
  if (input !== undefined) {
    child.child.stdin!.end(input);
  }
  const { stdout } = await child;
  return stdout;
}

describe('kcat against Kiln', () => {
  let kiln: RunningBroker;
  beforeAll(async () => {
    kiln = await startBroker();
  });
  afterAll(async () => {
    await kiln.stop();
  });

  it('lists the broker as controller and the topics it creates', async () => {
    const first = await kcat(['-b', kiln.bootstrap, '-L']);
    expect(first).toMatch(/1 brokers:\s+broker 0 at 127\.0\.0\.1:\d+ \(controller\)/);
    await kcat(['-b', kiln.bootstrap, '-P', '-t', 'listed', '-K:'], 'a:1\n');
    const listed = await kcat(['-b', kiln.bootstrap, '-L', '-t', 'listed']);
    expect(listed).toContain('topic "listed" with 1 partitions');
    expect(listed).toContain('partition 0, leader 0, replicas: 0, isrs: 0');
  });

  for (const codec of ['none', 'gzip', 'snappy', 'lz4', 'zstd']) {
    it(`produces and consumes keyed records compressed with ${codec}`, async () => {
      const topic = `codec-${codec}`;
      const lines = Array.from(
        { length: 50 },
        (_, i) => `key-${i}:value-${codec}-${i} ${'x'.repeat(i * 10)}`,
      );
      await kcat(['-b', kiln.bootstrap, '-P', '-t', topic, '-K:', '-z', codec], lines.join('\n') + '\n');
      const out = await kcat(['-b', kiln.bootstrap, '-C', '-t', topic, '-e', '-f', '%o|%k|%s\\n']);
      expect(out.trim().split('\n')).toEqual(lines.map((line, i) => `${i}|${line.replace(':', '|')}`));
    });
  }

  it('finds offsets by time', async () => {
    const before = Date.now() - 1000;
    await kcat(['-b', kiln.bootstrap, '-P', '-t', 'by-time', '-K:'], 'a:1\nb:2\nc:3\n');
    expect(await kcat(['-b', kiln.bootstrap, '-Q', '-t', `by-time:0:${before}`])).toContain(
      'by-time [0] offset 0',
    );
    expect(await kcat(['-b', kiln.bootstrap, '-Q', '-t', `by-time:0:${Date.now() + 3_600_000}`])).toContain(
      'by-time [0] offset -1',
    );
  });

  it('reads from a given offset, and resets from one that is out of range', async () => {
    await kcat(['-b', kiln.bootstrap, '-P', '-t', 'offsets', '-K:'], 'a:1\nb:2\nc:3\nd:4\n');
    expect(
      (await kcat(['-b', kiln.bootstrap, '-C', '-t', 'offsets', '-o', '2', '-e', '-f', '%s\\n'])).trim(),
    ).toBe('3\n4');
    const reset = await kcat(['-b', kiln.bootstrap, '-C', '-t', 'offsets', '-o', '999', '-e', '-f', '%s\\n']);
    expect(reset.trim()).toBe('');
  });
});
