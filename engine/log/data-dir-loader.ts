/**
 * The log manager's start, directory by directory: each data directory is made if missing and
 * locked (dir-lock.ts); then its checkpoints are read (recovery points, log start offsets, high
 * watermarks), every `<topic>-<partition>/` in it is opened as a log — recovered when the
 * directory's last stop was not clean — and leftovers of deletions cut short are removed.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { MappingBudget } from '../segment/mapping-budget.js';
import { isDeletionDirName, parsePartitionDirName } from '../segment/segment-files.js';
import {
  LOG_START_OFFSET_CHECKPOINT,
  RECOVERY_POINT_CHECKPOINT,
  checkpointKey,
  readCheckpoint,
} from './checkpoint-file.js';
import { DirLock } from './dir-lock.js';
import type { HighWatermarkCheckpoints } from './high-watermark-checkpoint.js';
import type { LogConfig } from './log-config.js';
import type { LogEvents } from './log-events.js';
import { PartitionLog } from './partition-log.js';

/** A data directory the log manager holds. */
export interface DataDir {
  path: string;
  lock: DirLock;
  /** Whether its last stop was clean (the marker `cleanShutdownFile` was there). */
  cleanShutdown: boolean;
}

/** Makes and locks every directory; none stays locked when one fails. */
export function lockDataDirs(dirs: readonly string[], cleanShutdownFile: string): DataDir[] {
  const locked: DataDir[] = [];
  try {
    for (const dir of dirs) {
      fs.mkdirSync(dir, { recursive: true });
      const lock = DirLock.acquire(dir);
      const cleanShutdown = fs.existsSync(path.join(dir, cleanShutdownFile));
      locked.push({ path: dir, lock, cleanShutdown });
    }
  } catch (err) {
    for (const dir of locked) dir.lock.release();
    throw err;
  }
  return locked;
}

/** The directory holding the fewest of `owners` (each log's directory): where a new log goes. */
export function leastLoaded(dirs: readonly DataDir[], owners: Iterable<DataDir>): DataDir {
  const counts = new Map<DataDir, number>(dirs.map((dir) => [dir, 0]));
  for (const owner of owners) counts.set(owner, (counts.get(owner) ?? 0) + 1);
  let best = dirs[0]!;
  for (const dir of dirs) if (counts.get(dir)! < counts.get(best)!) best = dir;
  return best;
}

export interface DataDirLoad {
  budget: MappingBudget;
  configFor(topic: string): LogConfig;
  highWatermarks: HighWatermarkCheckpoints;
  say(message: string): void;
  /** Passed to every log opened (log-events.ts). */
  events?: LogEvents;
  /** Each log opened, by its checkpoint key. */
  opened(key: string, log: PartitionLog): void;
}

/**
 * Opens every partition in `dir`, whose last stop was clean or not. When any had to be recovered
 * (always said after an unclean stop of a directory holding partitions), one info line says how
 * many, the bytes cut off and the time.
 */
export function loadDataDir(dir: string, cleanShutdown: boolean, load: DataDirLoad): void {
  const started = performance.now();
  const recovery = { partitions: 0, recovered: 0, truncatedBytes: 0 };
  // A checkpoint that cannot be read is treated as absent, never as a reason not to start: with
  // no recovery points the directory is recovered as after an unclean stop, and with no log
  // start offsets each log starts at its first segment.
  const readOrNothing = (name: string): Map<string, number> | undefined => {
    try {
      return readCheckpoint(path.join(dir, name));
    } catch (err) {
      load.say(`${(err as Error).message}: ignored`);
      return undefined;
    }
  };
  const recoveryPoints = readOrNothing(RECOVERY_POINT_CHECKPOINT);
  const clean = cleanShutdown && recoveryPoints !== undefined;
  const startOffsets = readOrNothing(LOG_START_OFFSET_CHECKPOINT) ?? new Map<string, number>();
  const highWatermarks = load.highWatermarks.read(dir);
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    if (isDeletionDirName(entry.name)) {
      // A topic deletion that was cut short. One that cannot be removed now is left for the next
      // start: its name is no partition's, so it never comes back as a topic, nor stops a start.
      try {
        fs.rmSync(path.join(dir, entry.name), { recursive: true, force: true });
      } catch (err) {
        load.say(`cannot remove ${entry.name} (tried again at the next start): ${(err as Error).message}`);
      }
      continue;
    }
    const tp = parsePartitionDirName(entry.name);
    if (!tp) continue;
    const key = checkpointKey(tp.topic, tp.partition);
    const log = PartitionLog.open({
      dir: path.join(dir, entry.name),
      topic: tp.topic,
      partition: tp.partition,
      config: load.configFor(tp.topic),
      budget: load.budget,
      cleanShutdown: clean,
      recoveryPoint: recoveryPoints?.get(key) ?? 0,
      logStartOffset: startOffsets.get(key) ?? 0,
      log: load.say,
      ...(load.events ? { events: load.events } : {}),
    });
    load.opened(key, log);
    recovery.partitions++;
    if (log.recovery.recovered) recovery.recovered++;
    recovery.truncatedBytes += log.recovery.truncatedBytes;
    const hw = highWatermarks.get(key);
    if (hw !== undefined) load.highWatermarks.keep(key, hw);
  }
  // A directory with no partitions (a new one) has nothing to recover: nothing to say.
  if (recovery.partitions === 0 || (cleanShutdown && recovery.recovered === 0)) return;
  const ms = Math.round(performance.now() - started);
  const after = cleanShutdown ? 'a clean stop (damaged files)' : 'an unclean stop';
  load.events?.info(
    `${dir}: recovered ${recovery.recovered} of ${recovery.partitions} partition(s) after ${after}, ` +
      `${recovery.truncatedBytes} bytes truncated, in ${ms} ms`,
    { dir, ...recovery, ms, unclean: !cleanShutdown },
  );
}
