// `kiln log-dirs --describe` against a real broker with two log directories, with
// kafka-log-dirs' flags and output: two lines, then the JSON.
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';
import { kiln } from '../run-command.js';
import { useCommandBroker } from './command-broker.js';
import { batchOf } from '../../helpers/log-fixtures.js';

const root = makeTempDir('kiln-log-dirs-');
const dirs = [path.join(root, 'a'), path.join(root, 'b')];
// Registered first, so it runs after the broker has stopped (after-hooks run last first).
afterAll(() => removeTempDir(root));
const cmd = useCommandBroker({ 'log.dirs': dirs.join(','), 'log.segment.bytes': '1048576' });

interface Shown {
  version: number;
  brokers: {
    broker: number;
    logDirs: {
      logDir: string;
      error: string | null;
      partitions: { partition: string; size: number; offsetLag: number; isFuture: boolean }[];
    }[];
  }[];
}

async function logDirs(...args: string[]): Promise<Shown> {
  const result = await kiln('log-dirs', '--describe', ...cmd.bs, ...args);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  const lines = result.stdout.split('\n');
  expect(lines[0]).toBe('Querying brokers for log directories information');
  expect(lines[1]).toBe('Received log directory information from brokers 0');
  expect(lines.slice(3)).toEqual(['']);
  return JSON.parse(lines[2]!) as Shown;
}

describe('kiln log-dirs', () => {
  it("prints each directory's partitions with their sizes, as kafka-log-dirs does", async () => {
    await kiln('topics', ...cmd.bs, '--create', '--topic', 'spread', '--partitions', '2');
    await kiln('topics', ...cmd.bs, '--create', '--topic', 'other', '--partitions', '1');
    const logs = cmd.broker.broker.logManager!;
    logs.getLog('spread', 0)!.append(batchOf(10));
    const shown = await logDirs('--topic-list', 'spread');
    expect(shown.version).toBe(1);
    expect(shown.brokers.map((b) => b.broker)).toEqual([0]);
    const [broker] = shown.brokers;
    expect(broker!.logDirs.map((d) => [d.logDir, d.error])).toEqual(dirs.map((d) => [path.resolve(d), null]));
    const partitions = broker!.logDirs.flatMap((d) => d.partitions);
    expect(partitions.map((p) => p.partition).sort()).toEqual(['spread-0', 'spread-1']);
    expect(partitions.find((p) => p.partition === 'spread-0')).toEqual({
      partition: 'spread-0',
      size: logs.getLog('spread', 0)!.size,
      offsetLag: 0,
      isFuture: false,
    });
    // Each partition is listed in the directory that holds it.
    for (const dir of broker!.logDirs)
      for (const p of dir.partitions) {
        const [topic, partition] = [
          p.partition.slice(0, p.partition.lastIndexOf('-')),
          Number(p.partition.split('-').at(-1)),
        ];
        expect(path.resolve(logs.logDirOf(topic, partition)!)).toBe(dir.logDir);
      }
    const all = await logDirs('--broker-list', '0');
    const names = new Set(all.brokers[0]!.logDirs.flatMap((d) => d.partitions.map((p) => p.partition)));
    expect(names).toEqual(new Set(['spread-0', 'spread-1', 'other-0']));
  });

  it('shows a replica being moved twice: where it is, and its copy (isFuture) where it goes', async () => {
    await kiln('topics', ...cmd.bs, '--create', '--topic', 'big', '--partitions', '1');
    const logs = cmd.broker.broker.logManager!;
    const log = logs.getLog('big', 0)!;
    // Some 30 MB in 1 MB segments: copying and syncing them takes a good while.
    const big = 'x'.repeat(1000);
    for (let i = 0; i < 500; i++) log.append(batchOf(60, `${i}-${big}`));
    const from = logs.logDirOf('big', 0)!;
    const to = dirs.find((d) => d !== from)!;
    expect(logs.moveLog('big', 0, to)).toBe('moving');
    let settled = false;
    const outcome = logs.moveOutcome('big', 0)!.then((o) => ((settled = true), o));
    const shown = await logDirs('--topic-list', 'big');
    // The move was under way all through the command.
    expect(settled).toBe(false);
    const byDir = new Map(shown.brokers[0]!.logDirs.map((d) => [d.logDir, d.partitions]));
    expect(byDir.get(path.resolve(from))).toEqual([
      { partition: 'big-0', size: log.size, offsetLag: 0, isFuture: false },
    ]);
    const [copy] = byDir.get(path.resolve(to))!;
    expect(copy).toMatchObject({ partition: 'big-0', isFuture: true });
    expect(copy!.offsetLag).toBeGreaterThan(0);
    expect(copy!.size).toBeLessThan(log.size);
    expect(await outcome).toBe('moved');
    const after = await logDirs('--topic-list', 'big');
    expect(after.brokers[0]!.logDirs.map((d) => [d.logDir, d.partitions.length])).toEqual(
      dirs.map((d) => [path.resolve(d), d === to ? 1 : 0]),
    );
  });

  it('refuses bad arguments with a usage error, and an unknown broker with exit 1', async () => {
    expect(await kiln('log-dirs', ...cmd.bs)).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--describe'),
    });
    expect(await kiln('log-dirs', '--describe')).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--bootstrap-server'),
    });
    expect(await kiln('log-dirs', '--describe', ...cmd.bs, '--broker-list', '0,x')).toMatchObject({
      code: 2,
      stderr: expect.stringContaining("got 'x'"),
    });
    expect(await kiln('log-dirs', '--describe', ...cmd.bs, '--broker-list', '0,0')).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('broker 0 twice'),
    });
    expect(await kiln('log-dirs', '--describe', ...cmd.bs, '--topic-list', 'a,,b')).toMatchObject({
      code: 2,
    });
    expect(await kiln('log-dirs', '--describe', ...cmd.bs, '--broker-list', '0,7')).toEqual({
      code: 1,
      stdout: '',
      stderr: 'kiln log-dirs: no broker 7 in the cluster (its brokers: 0)\n',
    });
    const unreachable = await kiln('log-dirs', '--describe', '--bootstrap-server', '127.0.0.1:1');
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/^kiln log-dirs: cannot reach broker 127\.0\.0\.1:1/);
  });
});
