/**
 * Compaction of one partition log (cleanup.policy=compact): keep the latest record per key.
 *
 * A pass maps keys over the dirty part of the log — from the cleaner's checkpoint to the end of the
 * cleanable part — then rewrites every cleanable segment through compact-batches.ts. Cleanable
 * means: not the active segment, and (min.compaction.lag.ms) newest record old enough. A pass runs
 * only when the dirty share of the cleanable bytes reaches min.cleanable.dirty.ratio (or `force`).
 *
 * Swapping a cleaned segment in is crash-safe without a journal: the cleaned files are written
 * and synced in `<partition>/.cleaning/`, then the live indexes are removed, the cleaned .log is
 * renamed over the live one (atomic), and the cleaned indexes follow. A crash before the rename
 * leaves the old segment (with its indexes rebuilt at the next start if they were already gone);
 * after it, the new one. The loader removes a leftover `.cleaning/`. Slices of the old file that a
 * reader still holds stay valid: a replaced file lives on until its mappings are gone.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { PartitionLog } from '../log/partition-log.js';
import { syncDirectory } from '../segment/log-file.js';
import { LogSegment } from '../segment/log-segment.js';
import { MappingBudget } from '../segment/mapping-budget.js';
import { segmentFilePath } from '../segment/segment-files.js';
import { compactBatches, mapKeys, type CompactStats } from './compact-batches.js';
import { OffsetMap } from './offset-map.js';

export const CLEANING_DIR = '.cleaning';

export interface CleanOptions {
  now?: number;
  /** Clean even below min.cleanable.dirty.ratio. */
  force?: boolean;
  /** Memory for the key map (log.cleaner.dedupe.buffer.size); 16 MiB by default. */
  mapBytes?: number;
  /** Called after each segment with (segments done, segments to do). */
  progress?: (done: number, total: number) => void;
  /** Yield to the event loop between segments (the broker's background cleaner). */
  yieldBetweenSegments?: boolean;
}

export interface CleanResult {
  /** Whether anything was rewritten. */
  cleaned: boolean;
  segments: number;
  stats: CompactStats;
  /** The cleaner's new checkpoint: offsets below it are clean. */
  cleanedUpTo: number;
}

/** Reads a whole segment's bytes (cleaning works offline or in the background, not per request). */
function segmentBytes(segment: LogSegment): Buffer {
  const buf = Buffer.allocUnsafe(segment.size);
  const read = segment.readSync(0, buf);
  return buf.subarray(0, read);
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
  const end = cleanable.length > 0 ? (all[cleanable.length]?.baseOffset ?? log.logEndOffset) : firstDirty;
  if (cleanable.length === 0) return { cleaned: false, segments: 0, stats: empty, cleanedUpTo: firstDirty };
  const dirty = cleanable.filter((s, i) => (all[i + 1]?.baseOffset ?? Infinity) > firstDirty);
  const dirtyBytes = dirty.reduce((sum, s) => sum + s.size, 0);
  const totalBytes = cleanable.reduce((sum, s) => sum + s.size, 0);
  if (!options.force && (dirtyBytes === 0 || dirtyBytes / totalBytes < config.minCleanableDirtyRatio)) {
    return { cleaned: false, segments: 0, stats: empty, cleanedUpTo: firstDirty };
  }

  // Map the dirty part; if the map fills up, clean only up to where it got.
  const map = await OffsetMap.create(OffsetMap.slotsFor(options.mapBytes ?? 16 * 1024 * 1024));
  let mappedUpTo = firstDirty;
  for (const segment of dirty) {
    if (!mapKeys(segmentBytes(segment), map)) break;
    mappedUpTo = all[all.indexOf(segment) + 1]?.baseOffset ?? end;
  }
  const toClean = cleanable.filter((s) => s.baseOffset < mappedUpTo);
  const total: CompactStats = { ...empty };
  for (const [i, segment] of toClean.entries()) {
    const { batches, stats } = compactBatches(segmentBytes(segment), map, {
      now,
      deleteRetentionMs: config.deleteRetentionMs,
    });
    for (const key of Object.keys(total) as (keyof CompactStats)[]) total[key] += stats[key];
    if (stats.bytesOut !== stats.bytesIn) log.replaceSegment(segment, swapIn(log, segment, batches));
    options.progress?.(i + 1, toClean.length);
    // One segment at a time: let requests in between. Retention may meanwhile remove segments;
    // replaceSegment refuses one that is gone, which ends the pass.
    if (options.yieldBetweenSegments) await new Promise((resolve) => setImmediate(resolve));
  }
  return { cleaned: toClean.length > 0, segments: toClean.length, stats: total, cleanedUpTo: mappedUpTo };
}

/** Writes the cleaned batches as a segment in .cleaning/, then moves it over the live one. */
function swapIn(log: PartitionLog, old: LogSegment, batches: Buffer[]): LogSegment {
  const staging = path.join(log.dir, CLEANING_DIR);
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging);
  const budget = new MappingBudget(1);
  const config = { ...old.config };
  const fresh = LogSegment.create(staging, old.baseOffset, config, budget);
  if (batches.length > 0) fresh.append(batches);
  fresh.flush();
  fresh.close();
  syncDirectory(staging);
  for (const kind of ['index', 'timeindex'] as const)
    fs.rmSync(segmentFilePath(log.dir, old.baseOffset, kind), { force: true });
  for (const kind of ['log', 'index', 'timeindex'] as const) {
    fs.renameSync(
      segmentFilePath(staging, old.baseOffset, kind),
      segmentFilePath(log.dir, old.baseOffset, kind),
    );
  }
  syncDirectory(log.dir);
  fs.rmSync(staging, { recursive: true, force: true });
  return LogSegment.open(log.dir, old.baseOffset, old.config, log.mappingBudget, false);
}
