/**
 * The checkpoint half of `kiln verify`: reads the data directory's three checkpoint files and
 * checks each entry against the log's range, and says for each problem what happens about it.
 *
 * - recovery-point-offset-checkpoint and log-start-offset-checkpoint are the broker's to fix: its
 *   next start reads what it can (engine/log/log-manager.ts loadDir, log-loader.ts), caps or drops
 *   what is out of range and writes the files again. `verify --repair` leaves them alone and says
 *   what that start will do (`nextStart`), so the operator knows the problem does not need them.
 * - cleaner-offset-checkpoint is not fixed by a start: an unreadable file stops every cleaner pass
 *   and an entry beyond the log end makes the cleaner believe the whole log is clean. It only saves
 *   cleaner work (no entry = clean from offset 0), so `verify --repair` fixes it itself: an unreadable
 *   file is removed, bad entries are dropped (the file is rewritten atomically).
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  CLEANER_CHECKPOINT,
  LOG_START_OFFSET_CHECKPOINT,
  RECOVERY_POINT_CHECKPOINT,
  parsePartitionDirName,
  readCheckpoint,
  writeCheckpoint,
} from '../engine/index.js';

export interface PartitionRange {
  firstOffset: number;
  logEndOffset: number;
}

export interface CheckpointProblem {
  kind: 'checkpoint';
  file: string;
  message: string;
  /** What the broker's next start does about it, when that start fixes it. */
  nextStart?: string;
  /** What `verify --repair` does about it, when it fixes it itself. */
  repair?: { partition?: string };
}

type Case = 'unreadable' | 'beyond' | 'negative';

/** What the next broker start does with a bad recovery point or log start offset. */
function nextStartFor(name: string, what: Case, partition = '', range?: PartitionRange): string {
  const start = 'the next broker start will';
  if (name === RECOVERY_POINT_CHECKPOINT) {
    if (what === 'unreadable')
      return `${start} ignore it, recover every log in this directory as after an unclean stop, and write it again`;
    if (what === 'beyond')
      return `${start} cap ${partition} at its log end offset ${range?.logEndOffset ?? 0} and write the file again`;
    return `${start} recover ${partition} from its first segment if the last stop was unclean, and write the file again`;
  }
  if (what === 'unreadable')
    return `${start} ignore it (each log starts at its first segment) and write it again`;
  if (what === 'beyond')
    return `${start} cap ${partition} at its log end offset ${range?.logEndOffset ?? 0} (earlier records become unreadable; fix the entry by hand to keep them) and write the file again`;
  return `${start} start ${partition} at its first segment (offset ${range?.firstOffset ?? 0}) and write the file again`;
}

export function verifyCheckpoints(
  dataDir: string,
  ranges: Map<string, PartitionRange>,
  problems: CheckpointProblem[],
): void {
  for (const name of [RECOVERY_POINT_CHECKPOINT, LOG_START_OFFSET_CHECKPOINT, CLEANER_CHECKPOINT]) {
    const file = path.join(dataDir, name);
    const cleaner = name === CLEANER_CHECKPOINT;
    const fate = (what: Case, partition?: string, range?: PartitionRange): Partial<CheckpointProblem> =>
      cleaner
        ? { repair: partition === undefined ? {} : { partition } }
        : { nextStart: nextStartFor(name, what, partition, range) };
    let entries: Map<string, number>;
    try {
      entries = readCheckpoint(file);
    } catch (err) {
      problems.push({ kind: 'checkpoint', file, message: (err as Error).message, ...fate('unreadable') });
      continue;
    }
    for (const [partition, offset] of entries) {
      const range = ranges.get(partition);
      // An entry for a partition not on this disk is harmless: the broker ignores it.
      if (!range) continue;
      if (offset > range.logEndOffset) {
        problems.push({
          kind: 'checkpoint',
          file,
          message: `${partition} at ${offset} is beyond the log end offset ${range.logEndOffset}`,
          ...fate('beyond', partition, range),
        });
      } else if (offset < 0) {
        problems.push({
          kind: 'checkpoint',
          file,
          message: `${partition} has negative offset ${offset}`,
          ...fate('negative', partition, range),
        });
      }
    }
  }
}

/**
 * Fixes the cleaner checkpoint problems among `problems` (the others are the broker's); returns one
 * line per file changed.
 */
export function repairCleanerCheckpoint(problems: CheckpointProblem[]): string[] {
  const byFile = new Map<string, CheckpointProblem[]>();
  for (const p of problems) if (p.repair) byFile.set(p.file, [...(byFile.get(p.file) ?? []), p]);
  const said: string[] = [];
  for (const [file, list] of byFile) {
    if (list.some((p) => p.repair!.partition === undefined)) {
      fs.rmSync(file, { force: true });
      said.push(`repaired ${file}: removed (the cleaner's next pass maps every compacted log from offset 0)`);
      continue;
    }
    const bad = new Set(list.map((p) => p.repair!.partition!));
    const kept = [...readCheckpoint(file)].flatMap(([key, offset]) => {
      const tp = bad.has(key) ? undefined : parsePartitionDirName(key);
      return tp ? [{ ...tp, offset }] : [];
    });
    writeCheckpoint(file, kept);
    said.push(
      `repaired ${file}: dropped ${[...bad].join(', ')} (the cleaner's next pass maps ${bad.size === 1 ? 'it' : 'them'} from offset 0)`,
    );
  }
  return said;
}
