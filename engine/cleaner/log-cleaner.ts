/**
 * Compaction of one partition log (cleanup.policy=compact): keep the latest record per key.
 * The reading, mapping and rewriting run in the worker pool (engine/cleaner/cleaner-worker.ts);
 * this thread only decides what to clean and swaps the results in.
 *
 * A pass maps keys over the dirty part of the log — from the cleaner's checkpoint to the end of the
 * cleanable part — then rewrites every cleanable segment through compact-batches.ts. Cleanable
 * means: not the active segment, and (min.compaction.lag.ms) newest record old enough. A pass runs
 * only when the dirty share of the cleanable bytes reaches min.cleanable.dirty.ratio (or `force`).
 *
 * Swapping a cleaned segment in is crash-safe, as Kafka's: the worker writes the cleaned files in
 * `<partition>/.cleaning/`; they are renamed to `<file>.cleaned`, then (all durable) to
 * `<file>.swap`, then over the live files. At start the loader deletes `.cleaning/` and `.cleaned`
 * files (an unfinished pass: the old segment stands) and renames `.swap` files over the live ones
 * (a decided swap: the new segment stands). Slices of the old file that a reader still holds stay
 * valid: a replaced file lives on until its mappings are gone.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { PartitionLog } from '../log/partition-log.js';
import { syncDirectory } from '../segment/log-file.js';
import { LogSegment } from '../segment/log-segment.js';
import { CLEANED_SUFFIX, SWAP_SUFFIX, segmentFilePath } from '../segment/segment-files.js';
import type { CleanTask, MapResult, MapTask } from './cleaner-worker.js';
import { getWorkerPool } from '../workers/worker-pool.js';
import type { CompactStats } from './compact-batches.js';
import { OffsetMap } from './offset-map.js';

/** The worker entry (cleaner-worker.ts, beside this file) that maps keys and cleans segments. */
const CLEANER_WORKER = 'cleaner-worker';

export const CLEANING_DIR = '.cleaning';

export interface CleanOptions {
  now?: number;
  /** Clean even below min.cleanable.dirty.ratio. */
  force?: boolean;
  /** Memory for the key map (log.cleaner.dedupe.buffer.size); 16 MiB by default. */
  mapBytes?: number;
  /** Called after each segment with (segments done, segments to do). */
  progress?: (done: number, total: number) => void;
}

export interface CleanResult {
  /** Whether anything was rewritten. */
  cleaned: boolean;
  segments: number;
  stats: CompactStats;
  /** The cleaner's new checkpoint: offsets below it are clean. */
  cleanedUpTo: number;
}

/** Cleans `log` once. `firstDirty` is where the last pass stopped (0 for a log never cleaned). */
export async function cleanLog(
  log: PartitionLog,
  firstDirty: number,
  options: CleanOptions = {},
): Promise<CleanResult> {
  const now = options.now ?? Date.now();
  const config = log.config;
  const all = log.segmentObjects();
  const cleanable: LogSegment[] = [];
  for (const segment of all.slice(0, -1)) {
    const newest = segment.maxTimestamp;
    if (config.minCompactionLagMs > 0 && newest >= 0 && now - newest < config.minCompactionLagMs) break;
    cleanable.push(segment);
  }
  const empty: CompactStats = {
    batchesIn: 0,
    batchesOut: 0,
    recordsIn: 0,
    recordsOut: 0,
    bytesIn: 0,
    bytesOut: 0,
  };
  const none: CleanResult = { cleaned: false, segments: 0, stats: empty, cleanedUpTo: firstDirty };
  if (cleanable.length === 0) return none;
  const nextBase = (segment: LogSegment): number =>
    all[all.indexOf(segment) + 1]?.baseOffset ?? log.logEndOffset;
  const dirty = cleanable.filter((s) => nextBase(s) > firstDirty);
  const dirtyBytes = dirty.reduce((sum, s) => sum + s.size, 0);
  const totalBytes = cleanable.reduce((sum, s) => sum + s.size, 0);
  if (!options.force && (dirtyBytes === 0 || dirtyBytes / totalBytes < config.minCleanableDirtyRatio))
    return none;

  // Map the dirty part in the worker pool; if the map fills up, clean only up to where it got.
  const pool = getWorkerPool(CLEANER_WORKER, import.meta.url);
  const map = await OffsetMap.create(OffsetMap.slotsFor(options.mapBytes ?? 16 * 1024 * 1024));
  const mapped: MapResult = await pool.run(
    {
      map: map.shared,
      segments: dirty.map((s) => ({ path: s.logPath, nextBase: nextBase(s) })),
    } satisfies MapTask,
    { name: 'mapTask' },
  );
  map.setUsed(mapped.used);
  const mappedUpTo = mapped.mappedUpTo < 0 ? firstDirty : mapped.mappedUpTo;
  const toClean = cleanable.filter((s) => s.baseOffset < mappedUpTo);
  const total: CompactStats = { ...empty };
  const staging = path.join(log.dir, CLEANING_DIR);
  try {
    for (const [i, segment] of toClean.entries()) {
      fs.rmSync(staging, { recursive: true, force: true });
      fs.mkdirSync(staging);
      const task: CleanTask = {
        map: map.shared,
        path: segment.logPath,
        stagingDir: staging,
        baseOffset: segment.baseOffset,
        config: { ...segment.config },
        now,
        deleteRetentionMs: config.deleteRetentionMs,
      };
      const stats: CompactStats = await pool.run(task, { name: 'cleanTask' });
      for (const key of Object.keys(total) as (keyof CompactStats)[]) total[key] += stats[key];
      // Retention may have removed the segment while the worker cleaned it: nothing to swap then.
      if (!log.segmentObjects().includes(segment)) break;
      if (stats.bytesOut !== stats.bytesIn) log.replaceSegment(segment, swapIn(log, segment, staging));
      options.progress?.(i + 1, toClean.length);
    }
  } catch (err) {
    // A failed pass (a full disk) leaves no partial copy taking the space writes need.
    fs.rmSync(staging, { recursive: true, force: true });
    throw err;
  }
  fs.rmSync(staging, { recursive: true, force: true });
  return { cleaned: toClean.length > 0, segments: toClean.length, stats: total, cleanedUpTo: mappedUpTo };
}

/**
 * Moves the cleaned segment in `staging` over the live one, Kafka's way: the files become
 * `.cleaned`, then `.swap` once all are durable; from then on the swap is decided — a crash leaves
 * `.swap` files that the loader finishes renaming — and the live files are replaced one by one.
 */
function swapIn(log: PartitionLog, old: LogSegment, staging: string): LogSegment {
  const kinds = ['log', 'index', 'timeindex'] as const;
  const live = (kind: (typeof kinds)[number]): string => segmentFilePath(log.dir, old.baseOffset, kind);
  for (const kind of kinds)
    fs.renameSync(segmentFilePath(staging, old.baseOffset, kind), live(kind) + CLEANED_SUFFIX);
  syncDirectory(log.dir);
  for (const kind of kinds) fs.renameSync(live(kind) + CLEANED_SUFFIX, live(kind) + SWAP_SUFFIX);
  syncDirectory(log.dir);
  for (const kind of kinds) fs.renameSync(live(kind) + SWAP_SUFFIX, live(kind));
  syncDirectory(log.dir);
  return LogSegment.open(log.dir, old.baseOffset, old.config, log.mappingBudget, false);
}
