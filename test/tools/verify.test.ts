import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  CLEANER_CHECKPOINT,
  LOG_START_OFFSET_CHECKPOINT,
  LogManager,
  RECOVERY_POINT_CHECKPOINT,
  readCheckpoint,
  writeCheckpoint,
} from '../../engine/index.js';
import { command } from '../../tools/commands/verify.js';
import { Progress } from '../../tools/progress.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';
import { TOPIC, jsonLines, runCaptured, writePartition } from './fixtures.js';

describe('kiln verify', () => {
  let root: string;
  let dir: string;
  const files = (suffix: string): string[] =>
    fs
      .readdirSync(dir)
      .filter((f) => f.endsWith(suffix))
      .sort()
      .map((f) => path.join(dir, f));
  const verify = (...args: string[]): Promise<{ code: number; out: string }> =>
    runCaptured(command, [root, ...args]);
  /** Verifies, expects exactly `pattern` among the problems, repairs, expects a clean directory. */
  const expectFoundAndRepaired = async (pattern: RegExp): Promise<void> => {
    const found = await verify();
    expect(found.code).toBe(1);
    expect(found.out).toMatch(pattern);
    const repaired = await verify('--repair');
    expect(repaired.out).toMatch(/will rebuild the indexes/);
    expect(repaired.out).toMatch(/after repair: .*no problems/);
    expect(repaired.code).toBe(0);
    expect((await verify()).code).toBe(0);
  };

  beforeEach(() => {
    root = makeTempDir('kiln-verify-');
    dir = path.join(root, `${TOPIC}-0`);
    writePartition(root);
    writePartition(root, 6, 1);
  });
  afterEach(() => removeTempDir(root));

  it('passes a clean data directory', async () => {
    writeCheckpoint(path.join(root, RECOVERY_POINT_CHECKPOINT), [
      { topic: TOPIC, partition: 0, offset: 100 },
    ]);
    const { code, out } = await verify();
    expect(out).toMatch(/verify: 2 partitions, \d+ segments, no problems/);
    expect(code).toBe(0);
    const json = jsonLines((await verify('--json')).out);
    expect(json).toEqual([expect.objectContaining({ type: 'summary', problems: 0, partitions: 2 })]);
  });

  it('finds a flipped byte (CRC) and repairs by cutting the segment there', async () => {
    const log = files('.log')[1]!;
    const bytes = fs.readFileSync(log);
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 5) ^ 0x01, bytes.length - 5);
    fs.writeFileSync(log, bytes);
    await expectFoundAndRepaired(/CRC mismatch/);
    expect(fs.statSync(log).size).toBeLessThan(bytes.length);
  });

  it('finds a truncated tail and repairs it', async () => {
    const log = files('.log').at(-1)!;
    fs.truncateSync(log, fs.statSync(log).size - 7);
    await expectFoundAndRepaired(/truncated batch/);
  });

  it('finds a garbage index and rebuilds it', async () => {
    const index = files('.index')[0]!;
    fs.writeFileSync(index, Buffer.from('this is not an index at all!!!'));
    await expectFoundAndRepaired(/index: .*(multiple of the entry size|does not follow|negative)/);
  });

  it('finds a garbage time index and rebuilds it', async () => {
    const index = files('.timeindex')[0]!;
    const bytes = fs.readFileSync(index);
    bytes.writeInt32BE(-5, 8); // the first entry's relative offset
    fs.writeFileSync(index, bytes);
    await expectFoundAndRepaired(/timeindex: /);
  });

  it('finds an index entry pointing inside a batch', async () => {
    const index = files('.index')[0]!;
    const bytes = fs.readFileSync(index);
    bytes.writeInt32BE(bytes.readInt32BE(4) + 1, 4);
    fs.writeFileSync(index, bytes);
    await expectFoundAndRepaired(/not a batch boundary/);
  });

  it('finds batches whose offsets go backwards across segments', async () => {
    // Copy the first segment's first batch to the start of the second segment: valid CRC, old offsets.
    const [first, second] = files('.log');
    const one = fs.readFileSync(first!);
    const batch = one.subarray(0, one.readInt32BE(8) + 12);
    fs.writeFileSync(second!, Buffer.concat([batch, fs.readFileSync(second!)]));
    const { code, out } = await verify();
    expect(code).toBe(1);
    expect(out).toMatch(/starts at offset 0, expected at least/);
  });

  it('finds a checkpoint beyond the log end; repair says the next start caps it, and it does', async () => {
    writeCheckpoint(path.join(root, RECOVERY_POINT_CHECKPOINT), [
      { topic: TOPIC, partition: 0, offset: 500 },
      { topic: TOPIC, partition: 1, offset: 30 },
    ]);
    const { code, out } = await verify();
    expect(code).toBe(1);
    expect(out).toContain(`${TOPIC}-0 at 500 is beyond the log end offset 100`);
    expect(out).not.toContain(`${TOPIC}-1 at`);
    const problems = jsonLines((await verify('--json')).out).filter((l) => l.type === 'problem');
    expect(problems).toEqual([expect.objectContaining({ kind: 'checkpoint' })]);
    const repaired = await verify('--repair');
    expect(repaired.out).toContain(
      `recovery-point-offset-checkpoint: ${TOPIC}-0 at 500 is beyond the log end offset 100; the next broker start will cap ${TOPIC}-0 at its log end offset 100 and write the file again`,
    );
    expect(repaired.out).toContain('nothing for verify to repair');
    expect(repaired.code).toBe(1);

    // And the next start does what was said.
    LogManager.open({ dirs: [root], retentionCheckIntervalMs: 0, flushCheckIntervalMs: 0 }).close();
    expect(readCheckpoint(path.join(root, RECOVERY_POINT_CHECKPOINT)).get(`${TOPIC}-0`)).toBe(100);
    expect((await verify()).code).toBe(0);
  });

  it('reports an unreadable checkpoint file', async () => {
    fs.writeFileSync(path.join(root, RECOVERY_POINT_CHECKPOINT), 'garbage\n');
    const { code, out } = await verify();
    expect(code).toBe(1);
    expect(out).toMatch(/malformed checkpoint/);
  });

  it('--repair says what the next start does with a checkpoint it cannot fix, beside a segment it repairs', async () => {
    fs.writeFileSync(path.join(root, LOG_START_OFFSET_CHECKPOINT), 'garbage\n');
    const log = files('.log').at(-1)!;
    fs.truncateSync(log, fs.statSync(log).size - 7);
    const repaired = await verify('--repair');
    expect(repaired.out).toMatch(
      /^log-start-offset-checkpoint: malformed checkpoint .*; the next broker start will ignore it \(each log starts at its first segment\) and write it again$/m,
    );
    expect(repaired.out).toMatch(/repaired .*\.log: .* bytes cut/);
    expect(repaired.out).toMatch(/after repair: .* 1 problems/);
    expect(repaired.code).toBe(1);
    const json = jsonLines((await verify('--repair', '--json')).out);
    expect(json.find((l) => l.type === 'problem')).toMatchObject({
      kind: 'checkpoint',
      nextStart: expect.stringMatching(/^the next broker start will ignore it/) as unknown,
    });
    LogManager.open({ dirs: [root], retentionCheckIntervalMs: 0, flushCheckIntervalMs: 0 }).close();
    expect((await verify()).code).toBe(0);
  });

  it('--repair drops a cleaner-offset-checkpoint entry beyond the log end (no start would fix it)', async () => {
    const file = path.join(root, CLEANER_CHECKPOINT);
    writeCheckpoint(file, [
      { topic: TOPIC, partition: 0, offset: 500 },
      { topic: TOPIC, partition: 1, offset: 10 },
    ]);
    const found = await verify();
    expect(found.code).toBe(1);
    expect(found.out).toContain(`${file}: checkpoint: ${TOPIC}-0 at 500 is beyond the log end offset 100`);
    const repaired = await verify('--repair');
    expect(repaired.out).toContain(`repaired ${file}: dropped ${TOPIC}-0`);
    expect(repaired.code).toBe(0);
    expect([...readCheckpoint(file)]).toEqual([[`${TOPIC}-1`, 10]]);
  });

  it('--repair removes an unreadable cleaner-offset-checkpoint', async () => {
    const file = path.join(root, CLEANER_CHECKPOINT);
    fs.writeFileSync(file, 'garbage\n');
    expect((await verify()).out).toMatch(/malformed checkpoint/);
    const repaired = await verify('--repair');
    expect(repaired.out).toContain(`repaired ${file}: removed`);
    expect(repaired.code).toBe(0);
    expect(fs.existsSync(file)).toBe(false);
  });

  it('refuses --repair while a live broker holds the lock', async () => {
    // Another live process holds it (this process's own pid counts as stale: PID 1 in a container).
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
    fs.writeFileSync(path.join(root, '.lock'), `${holder.pid}\n`);
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const { code } = await verify('--repair');
      expect(code).toBe(2);
      expect(String(stderr.mock.calls[0]?.[0])).toMatch(/locked by a running broker/);
    } finally {
      stderr.mockRestore();
      holder.kill('SIGKILL');
    }
    expect(fs.existsSync(path.join(root, '.lock'))).toBe(true);
  });

  it('repairs when the lock is stale, and releases it afterwards', async () => {
    fs.writeFileSync(path.join(root, '.lock'), '999999999\n');
    const { code } = await verify('--repair');
    expect(code).toBe(0);
    expect(fs.existsSync(path.join(root, '.lock'))).toBe(false);
  });
});

describe('Progress', () => {
  it('draws \\r-updated lines only on a terminal', () => {
    const written: string[] = [];
    const tty = { isTTY: true, write: (t: string) => written.push(t) > 0 };
    const progress = new Progress('verifying', 2, tty, 0);
    progress.tick('a');
    progress.tick('b');
    progress.finish();
    expect(written[0]).toMatch(/^\rverifying 1\/2 a/);
    expect(written[1]).toMatch(/^\rverifying 2\/2 b/);
    expect(written.at(-1)).toBe('\r\x1b[K');
    const piped: string[] = [];
    const quiet = new Progress('verifying', 2, { isTTY: false, write: (t: string) => piped.push(t) > 0 }, 0);
    quiet.tick();
    quiet.finish();
    expect(piped).toEqual([]);
  });
});
