/**
 * Worker entry for the log cleaner: the CPU-heavy halves of a pass, off the event loop.
 * - mapTask: reads dirty segment files and puts their keys into the shared key map.
 * - cleanTask: reads one segment file, compacts it against the map and writes the result as a
 *   segment in the staging directory; the main thread then swaps it in (log-cleaner.ts).
 * Each task maps nothing and opens its own files: a mapped Buffer would be copied on its way here.
 */
import fs from 'node:fs';
import { compactBatches, mapKeys, type CompactStats } from './compact-batches.js';
import { OffsetMap } from './offset-map.js';
import { LogSegment, type SegmentConfig } from '../segment/log-segment.js';
import { MappingBudget } from '../segment/mapping-budget.js';

export interface SharedMap {
  table: SharedArrayBuffer;
  slots: number;
  used: number;
}

export interface MapTask {
  map: SharedMap;
  /** Segment .log files, oldest first, with the base offset of the segment after each. */
  segments: { path: string; nextBase: number }[];
}

export interface MapResult {
  used: number;
  /** Keys of offsets below this are in the map. */
  mappedUpTo: number;
  full: boolean;
}

export interface CleanTask {
  map: SharedMap;
  path: string;
  stagingDir: string;
  baseOffset: number;
  config: SegmentConfig;
  now: number;
  deleteRetentionMs: number;
}

export async function mapTask(task: MapTask): Promise<MapResult> {
  const map = await OffsetMap.attach(task.map);
  let mappedUpTo = -1;
  for (const segment of task.segments) {
    if (!mapKeys(fs.readFileSync(segment.path), map)) return { used: map.size, mappedUpTo, full: true };
    mappedUpTo = segment.nextBase;
  }
  return { used: map.size, mappedUpTo, full: false };
}

export async function cleanTask(task: CleanTask): Promise<CompactStats> {
  const map = await OffsetMap.attach(task.map);
  const { batches, stats } = compactBatches(fs.readFileSync(task.path), map, {
    now: task.now,
    deleteRetentionMs: task.deleteRetentionMs,
  });
  if (stats.bytesOut === stats.bytesIn) return stats; // nothing to drop: no rewrite
  const fresh = LogSegment.create(task.stagingDir, task.baseOffset, task.config, new MappingBudget(1));
  if (batches.length > 0) fresh.append(batches);
  fresh.flush();
  fresh.close();
  return stats;
}
