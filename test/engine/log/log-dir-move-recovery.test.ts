// A broker killed at any moment of a move between data directories comes back with one whole copy
// of the partition (engine/log/log-dir-move-recovery.ts): the data directories are copied as they
// are at each step of a move — what a process killed then leaves on disk — and each copy is opened
// as the next start would open it.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StorageError } from '../../../engine/errors.js';
import type { LogManager, MoveStep } from '../../../engine/log/log-manager.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';
import type { PlainRecord } from '../../helpers/log-fixtures.js';
import {
  TOPIC,
  allRecords,
  crashCopy,
  fill,
  fillBulk,
  openManager,
  partitionDirsIn,
  producerSummary,
} from './log-dir-move-fixture.js';

let root: string;
let dirs: string[];
const managers: LogManager[] = [];

beforeEach(() => {
  root = makeTempDir('kiln-move-crash-');
  dirs = [path.join(root, 'a'), path.join(root, 'b')];
});
afterEach(() => {
  for (const manager of managers.splice(0)) manager.close();
  removeTempDir(root);
});

function open(at: string[], say?: (line: string) => void): LogManager {
  const manager = openManager(at, say ? { log: say } : {});
  managers.push(manager);
  return manager;
}

const STEPS: MoveStep[] = [
  'copying',
  'copied',
  'tail',
  'prepared',
  'committed',
  'renamed',
  'switched',
  'done',
];

interface Crash {
  dirs: string[];
  /** The log as it was at that moment. */
  logEndOffset: number;
  producers: unknown[];
}

describe('a crash during a move between data directories', () => {
  it('leaves one whole copy of the partition, whatever the step', async () => {
    const crashes = new Map<MoveStep, Crash>();
    const manager = openManager(dirs, {
      onMoveStep: (step) => {
        // The follow phase only runs with more than a megabyte to copy.
        if (step === 'copied') fillBulk(log, 1.5 * 1024 * 1024);
        if (crashes.has(step)) return;
        crashes.set(step, {
          dirs: crashCopy(dirs, path.join(root, `crash-${step}`)),
          logEndOffset: log.logEndOffset,
          producers: producerSummary(log),
        });
        // Appends go on between the steps of the copy (not inside the switch: it takes one turn).
        if (STEPS.indexOf(step) < STEPS.indexOf('prepared')) fill(log, 1, 5, `after-${step}`);
      },
    });
    managers.push(manager);
    const log = manager.getOrCreateLog(TOPIC, 0);
    fill(log, 60);
    log.assignLeaderEpoch(4);
    fill(log, 4);
    log.deleteRecordsBefore(12);
    log.replicated = true;
    log.setHighWatermark(log.logEndOffset);
    manager.checkpoint();
    const epochs = log.epochEntries();
    manager.moveLog(TOPIC, 0, dirs[1]!);
    await expect(manager.moveOutcome(TOPIC, 0)).resolves.toBe('moved');
    const everything = await allRecords(log);
    const hw = log.highWatermark;
    managers.splice(0).forEach((m) => m.close());
    expect([...crashes.keys()]).toEqual(STEPS);

    for (const [step, crash] of crashes) {
      const said: string[] = [];
      const again = open(crash.dirs, (line) => said.push(line));
      const expected: PlainRecord[] = everything.filter((r) => r.offset < crash.logEndOffset);
      const committed = STEPS.indexOf(step) >= STEPS.indexOf('committed');
      // Not committed: the copy is removed and the move begun again; committed: it is the log.
      const outcome = again.moveOutcome(TOPIC, 0);
      expect(outcome !== undefined, step).toBe(!committed);
      if (outcome) await expect(outcome, step).resolves.toBe('moved');
      const moved = again.getLog(TOPIC, 0)!;
      expect(again.logDirOf(TOPIC, 0), step).toBe(crash.dirs[1]);
      expect(
        crash.dirs.flatMap((dir) => partitionDirsIn(dir)),
        step,
      ).toEqual([`${TOPIC}-0`]);
      expect(fs.existsSync(path.join(moved.dir, '.move-committed')), step).toBe(false);
      expect(await allRecords(moved), step).toEqual(expected.filter((r) => r.offset >= 12));
      expect(moved.logStartOffset, step).toBe(12);
      expect(moved.epochEntries(), step).toEqual(epochs);
      expect(producerSummary(moved), step).toEqual(crash.producers);
      expect(again.checkpointedHighWatermark(TOPIC, 0), step).toBe(hw);
      if (committed && step !== 'done') expect(said.join('\n'), step).toMatch(/moved|committed/);
      // And it goes on from there, and opens again the same.
      fill(moved, 1, 5, 'next');
      const now = await allRecords(moved);
      again.close();
      managers.splice(managers.indexOf(again), 1);
      const third = open(crash.dirs);
      expect(await allRecords(third.getLog(TOPIC, 0)!), step).toEqual(now);
    }
  });

  it('refuses to start with a partition in two directories and no sign of which is the log', () => {
    const first = open(dirs);
    fill(first.getOrCreateLog(TOPIC, 0), 3);
    first.close();
    managers.splice(0);
    const from = path.join(dirs[0]!, `${TOPIC}-0`);
    fs.mkdirSync(dirs[1]!, { recursive: true });
    fs.cpSync(from, path.join(dirs[1]!, `${TOPIC}-0`), { recursive: true });
    expect(() => open(dirs)).toThrow(StorageError);
    expect(() => open(dirs)).toThrow(/moving-0 is in more than one data directory/);
    // The directories are not left locked.
    fs.rmSync(path.join(dirs[1]!, `${TOPIC}-0`), { recursive: true });
    expect(open(dirs).getLog(TOPIC, 0)!.logEndOffset).toBe(15);
  });

  it('removes a copy whose partition is gone', () => {
    const first = open(dirs);
    first.getOrCreateLog(TOPIC, 0);
    first.close();
    managers.splice(0);
    const orphan = path.join(dirs[1]!, `other-3.${'0'.repeat(32)}-future`);
    fs.mkdirSync(orphan, { recursive: true });
    const again = open(dirs);
    expect(fs.existsSync(orphan)).toBe(false);
    expect(again.getLog('other', 3)).toBeUndefined();
    expect(again.futureLogs()).toEqual([]);
  });
});
