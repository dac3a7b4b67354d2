// Moving a partition's log between data directories while it serves (engine/log/log-dir-move.ts):
// what arrives is the same log, byte for byte, on the same PartitionLog object; appends and reads
// go on during the move; the log changing under the copy is followed or copied again.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LogManager, MoveStep } from '../../../engine/log/log-manager.js';
import type { PartitionLog } from '../../../engine/log/partition-log.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';
import {
  TOPIC,
  allRecords,
  fill,
  fillBulk,
  openManager,
  partitionDirsIn,
  producerSummary,
  segmentFiles,
} from './log-dir-move-fixture.js';

let root: string;
let dirs: string[];
let manager: LogManager | undefined;
/** What the manager said (its log option). */
let said: string[];

beforeEach(() => {
  root = makeTempDir('kiln-move-');
  dirs = [path.join(root, 'a'), path.join(root, 'b')];
  said = [];
});
afterEach(() => {
  manager?.close();
  manager = undefined;
  removeTempDir(root);
});

/** A log in dirs[0] (the first of an empty manager's), filled with `batches` batches. */
function logInA(batches: number, steps?: (step: MoveStep) => void): PartitionLog {
  manager = openManager(dirs, {
    log: (line) => said.push(line),
    ...(steps ? { onMoveStep: (step: MoveStep) => steps(step) } : {}),
  });
  const log = manager.getOrCreateLog(TOPIC, 0);
  expect(manager.logDirOf(TOPIC, 0)).toBe(dirs[0]);
  fill(log, batches);
  return log;
}

async function move(log: PartitionLog, to = dirs[1]!): Promise<void> {
  expect(manager!.moveLog(log.topic, log.partition, to)).toBe('moving');
  await expect(manager!.moveOutcome(log.topic, log.partition)).resolves.toBe('moved');
}

describe('moving a log between data directories', () => {
  it('arrives whole: the same records, segment files, offsets, epochs and producers, on the same object', async () => {
    const log = logInA(60);
    log.assignLeaderEpoch(3);
    fill(log, 10);
    log.deleteRecordsBefore(7);
    log.replicated = true;
    log.setHighWatermark(log.logEndOffset - 5);
    const before = {
      records: await allRecords(log),
      files: segmentFiles(log.dir),
      epochs: log.epochEntries(),
      start: log.logStartOffset,
      end: log.logEndOffset,
      hw: log.highWatermark,
      producers: producerSummary(log),
    };
    expect(before.files.size).toBeGreaterThan(5);
    const oldDir = log.dir;

    await move(log);
    expect(manager!.getLog(TOPIC, 0)).toBe(log);
    expect(log.dir).toBe(path.join(dirs[1]!, `${TOPIC}-0`));
    expect(manager!.logDirOf(TOPIC, 0)).toBe(dirs[1]);
    expect(fs.existsSync(oldDir)).toBe(false);
    expect(partitionDirsIn(dirs[0]!)).toEqual([]);
    expect(partitionDirsIn(dirs[1]!)).toEqual([`${TOPIC}-0`]);
    expect(manager!.futureLogs()).toEqual([]);
    expect(segmentFiles(log.dir)).toEqual(before.files);
    expect(await allRecords(log)).toEqual(before.records);
    expect(log.epochEntries()).toEqual(before.epochs);
    expect([log.logStartOffset, log.logEndOffset, log.highWatermark]).toEqual([
      before.start,
      before.end,
      before.hw,
    ]);
    expect(producerSummary(log)).toEqual(before.producers);

    // It goes on where it is now, and comes back from there after a restart.
    fill(log, 3, 5, 'after');
    const after = await allRecords(log);
    expect(after.slice(-1)[0]!.key).toBe(`after-k${log.logEndOffset - 1}`);
    manager!.close();
    manager = openManager(dirs);
    const reopened = manager.getLog(TOPIC, 0)!;
    expect(manager.logDirOf(TOPIC, 0)).toBe(dirs[1]);
    expect(await allRecords(reopened)).toEqual(after);
    expect(reopened.logStartOffset).toBe(before.start);
    expect(reopened.epochEntries()).toEqual(before.epochs);
    expect(manager.checkpointedHighWatermark(TOPIC, 0)).toBe(before.hw);
    expect(producerSummary(reopened)).toEqual(producerSummary(log));
  });

  it('moves an empty log, and back again', async () => {
    manager = openManager(dirs);
    const log = manager.getOrCreateLog(TOPIC, 0);
    await move(log);
    await move(log, dirs[0]);
    fill(log, 2);
    expect((await allRecords(log)).map((r) => r.offset)).toEqual(Array.from({ length: 10 }, (_, i) => i));
    expect(manager.logDirOf(TOPIC, 0)).toBe(dirs[0]);
  });

  it('keeps taking appends and serving reads while it moves, losing and repeating nothing', async () => {
    const log = logInA(80);
    let reads = 0;
    const moved = (async () => {
      expect(manager!.moveLog(TOPIC, 0, dirs[1]!)).toBe('moving');
      return manager!.moveOutcome(TOPIC, 0);
    })();
    let done = false;
    void moved.then(() => (done = true));
    // One append and one read from the start per turn of the event loop until the move ends.
    while (!done) {
      fill(log, 1, 3, 'live');
      const read = await log.read(log.logStartOffset, 4096);
      expect(read.records.length).toBeGreaterThan(0);
      reads++;
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(await moved).toBe('moved');
    expect(reads).toBeGreaterThan(0);
    fill(log, 1, 3, 'live');
    const records = await allRecords(log);
    expect(records.map((r) => r.offset)).toEqual(Array.from({ length: log.logEndOffset }, (_, i) => i));
    expect(records.map((r) => r.key)).toEqual(
      records.map((r) => `${r.key!.startsWith('live') ? 'live' : 'r'}-k${r.offset}`),
    );
    expect(manager!.logDirOf(TOPIC, 0)).toBe(dirs[1]);
  });

  it('shows the copy while it is made: its directory, size and how far it reaches', async () => {
    const seen: { size: number; end: number }[] = [];
    let afterSwitch: unknown;
    const log = logInA(60, (step) => {
      // Once switched in, the copy is the log: no copy is listed while the old files go.
      if (step === 'switched') afterSwitch = manager!.futureLogs();
      if (step !== 'copying' && step !== 'tail') return;
      const [future] = manager!.futureLogs();
      expect(future).toMatchObject({ topic: TOPIC, partition: 0, dir: dirs[1] });
      seen.push({ size: future!.size, end: future!.logEndOffset });
      expect(fs.readdirSync(dirs[1]!).filter((n) => /^moving-0\.[0-9a-f]{32}-future$/.test(n))).toHaveLength(
        1,
      );
    });
    await move(log);
    expect(afterSwitch).toEqual([]);
    expect(seen.length).toBeGreaterThan(2);
    // It grows, and reaches further, as the copy goes on.
    expect(seen.map((s) => s.size)).toEqual([...seen.map((s) => s.size)].sort((a, b) => a - b));
    expect(seen[0]!.end).toBeLessThan(log.logEndOffset);
    expect(seen.at(-1)!.size).toBeGreaterThan(seen[0]!.size);
  });

  it('follows retention and DeleteRecords that delete segments during the copy', async () => {
    const done = new Set<MoveStep>();
    const log = logInA(60, (step) => {
      // During the whole-file copies, and again while following: the oldest segments go.
      if (step === 'copied') fillBulk(log, 1.5 * 1024 * 1024);
      if ((step === 'copying' || step === 'tail') && !done.has(step)) {
        done.add(step);
        // DeleteRecords deletes the segments wholly below the new start at once, as retention does.
        const first = log.segments()[0]!.baseOffset;
        log.deleteRecordsBefore(log.logStartOffset + (step === 'copying' ? 60 : 600));
        manager!.runRetention();
        expect(log.segments()[0]!.baseOffset).toBeGreaterThan(first);
      }
    });
    await move(log);
    expect([...done].sort()).toEqual(['copying', 'tail']);
    expect(log.logStartOffset).toBe(660);
    const records = await allRecords(log);
    expect(records[0]!.offset).toBe(log.logStartOffset);
    expect(records.at(-1)!.offset).toBe(log.logEndOffset - 1);
    expect(records.length).toBe(log.logEndOffset - log.logStartOffset);
    manager!.close();
    manager = openManager(dirs);
    expect(await allRecords(manager.getLog(TOPIC, 0)!)).toEqual(records);
  });

  it('copies again when the log is truncated under the copy, and arrives as the log then is', async () => {
    let truncated = false;
    const log = logInA(60, (step) => {
      if (step === 'copied' && !truncated) fillBulk(log, 1.5 * 1024 * 1024);
      if (step === 'tail' && !truncated) {
        truncated = true;
        // A follower's truncation into what was copied already, then other batches in place of
        // the ones cut.
        log.truncateTo(manager!.futureLogs()[0]!.logEndOffset - 30);
        fill(log, 10, 5, 'new');
      }
    });
    await move(log);
    expect(truncated).toBe(true);
    expect(said).toContain(`moving ${TOPIC}-0: the log changed under the copy; copying it again`);
    const records = await allRecords(log);
    expect(records.length).toBe(log.logEndOffset);
    expect(records.filter((r) => r.key!.startsWith('new')).length).toBe(50);
    expect(records.map((r) => r.offset)).toEqual(Array.from({ length: log.logEndOffset }, (_, i) => i));
    expect(records.at(-1)!.key).toBe(`new-k${log.logEndOffset - 1}`);
  });

  it('keeps the cleaner away from a moving log', async () => {
    manager = openManager(dirs, {
      topicConfigs: { [TOPIC]: { 'segment.bytes': '2048', 'cleanup.policy': 'compact' } },
    });
    const log = manager.getOrCreateLog(TOPIC, 0);
    // The same few keys over and over: a pass would shrink the closed segments.
    for (let round = 0; round < 40; round++) fill(log, 1, 5, 'same');
    const files = segmentFiles(log.dir);
    expect(manager.moveLog(TOPIC, 0, dirs[1]!)).toBe('moving');
    expect(await manager.runCleaner()).toBe(0);
    expect(segmentFiles(log.dir)).toEqual(files);
    await expect(manager.moveOutcome(TOPIC, 0)).resolves.toBe('moved');
    expect(segmentFiles(log.dir)).toEqual(files);
    // Once there, it is cleaned as before.
    expect(await manager.runCleaner()).toBe(1);
  });

  it('a move back to where the log is cancels the move; a deletion does too; both remove the copy', async () => {
    let cancel: (() => void) | undefined;
    const log = logInA(60, (step) => {
      if (step === 'copying' && cancel) {
        cancel();
        cancel = undefined;
      }
    });
    cancel = () => expect(manager!.moveLog(TOPIC, 0, dirs[0]!)).toBe('in-place');
    manager!.moveLog(TOPIC, 0, dirs[1]!);
    await expect(manager!.moveOutcome(TOPIC, 0)).resolves.toBe('cancelled');
    expect(fs.readdirSync(dirs[1]!).filter((n) => n.startsWith(TOPIC))).toEqual([]);
    expect(manager!.logDirOf(TOPIC, 0)).toBe(dirs[0]);
    const records = await allRecords(log);
    expect(records.length).toBe(300);

    cancel = () => expect(manager!.deleteLog(TOPIC, 0)).toBe(true);
    manager!.moveLog(TOPIC, 0, dirs[1]!);
    await expect(manager!.moveOutcome(TOPIC, 0)).resolves.toBe('cancelled');
    expect(manager!.getLog(TOPIC, 0)).toBeUndefined();
    for (const dir of dirs) expect(fs.readdirSync(dir).filter((n) => n.startsWith(TOPIC))).toEqual([]);
  });

  it('a move to where it is does nothing; a second move elsewhere replaces the first', async () => {
    manager = openManager([...dirs, path.join(root, 'c')]);
    const log = manager.getOrCreateLog(TOPIC, 0);
    fill(log, 30);
    expect(manager.moveLog(TOPIC, 0, dirs[0]!)).toBe('in-place');
    expect(manager.moveOutcome(TOPIC, 0)).toBeUndefined();
    expect(manager.moveLog(TOPIC, 0, dirs[1]!)).toBe('moving');
    const first = manager.moveOutcome(TOPIC, 0)!;
    expect(manager.moveLog(TOPIC, 0, path.join(root, 'c'))).toBe('moving');
    await expect(first).resolves.toBe('cancelled');
    await expect(manager.moveOutcome(TOPIC, 0)).resolves.toBe('moved');
    expect(manager.logDirOf(TOPIC, 0)).toBe(path.join(root, 'c'));
    expect(partitionDirsIn(dirs[1]!)).toEqual([]);
    expect((await allRecords(log)).length).toBe(150);
  });

  it('fails without losing anything when the copy cannot be made, and the log stays', async () => {
    const log = logInA(20);
    // The target is no directory any more (a disk gone): the copy's directory cannot be made.
    fs.rmSync(dirs[1]!, { recursive: true });
    fs.writeFileSync(dirs[1]!, 'not a directory');
    expect(() => manager!.moveLog(TOPIC, 0, dirs[1]!)).toThrow(/cannot make/);
    expect(manager!.moveOutcome(TOPIC, 0)).toBeUndefined();
    expect(log.dir).toBe(path.join(dirs[0]!, `${TOPIC}-0`));
    expect((await allRecords(log)).length).toBe(100);
    fill(log, 1);
    expect(log.logEndOffset).toBe(105);
    fs.rmSync(dirs[1]!);
    fs.mkdirSync(dirs[1]!);
  });

  it('fails when the copy breaks half-way, removing the copy and leaving the log where it was', async () => {
    const log = logInA(40, (step) => {
      // The copy's directory disappears under it (a disk failing).
      if (step === 'copying') fs.rmSync(future(), { recursive: true, force: true });
    });
    const future = (): string =>
      path.join(dirs[1]!, fs.readdirSync(dirs[1]!).find((n) => n.endsWith('-future')) ?? 'none');
    manager!.moveLog(TOPIC, 0, dirs[1]!);
    const outcome = await manager!.moveOutcome(TOPIC, 0);
    expect(outcome).toBeInstanceOf(Error);
    expect(manager!.futureLogs()).toEqual([]);
    expect(manager!.logDirOf(TOPIC, 0)).toBe(dirs[0]);
    expect(partitionDirsIn(dirs[1]!)).toEqual([]);
    expect((await allRecords(log)).length).toBe(200);
  });
});
