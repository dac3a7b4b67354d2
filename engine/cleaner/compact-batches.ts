/**
 * The cleaner's core: given batches and the key map (offset-map.ts, built over the dirty part of
 * the log), the batches as they are after compaction.
 *
 * A record is kept when no later record has its key: its offset is at least the latest one mapped
 * for the key (or the key is not mapped — it lies beyond the mapped range). Records without a key
 * are kept: compaction never drops what it cannot name. A tombstone (null value) that is the latest
 * for its key goes once it is older than delete.retention.ms, so consumers had that long to see it.
 * Control batches are kept whole.
 *
 * A batch that keeps everything is returned as the same bytes; one that keeps some records is
 * rebuilt with the same base offset, offset deltas, last offset delta (so it still spans the same
 * offsets), codec, timestamps and producer fields; one that keeps nothing disappears.
 */
import { BatchBuilder, rebuildHeader } from '../record/batch-builder.js';
import { iterateBatches } from '../record/batch-iterator.js';
import { RecordBatch } from '../record/record-batch.js';
import { readRecords } from '../record/record-reader.js';
import type { OffsetMap } from './offset-map.js';

export interface CompactOptions {
  /** Now, in ms: tombstones older than now - deleteRetentionMs may go. */
  now: number;
  deleteRetentionMs: number;
}

export interface CompactStats {
  batchesIn: number;
  batchesOut: number;
  recordsIn: number;
  recordsOut: number;
  bytesIn: number;
  bytesOut: number;
}

/** Compacts the whole batches in `buf`; returns the batches to keep and what was dropped. */
export function compactBatches(
  buf: Buffer,
  map: OffsetMap,
  options: CompactOptions,
): { batches: Buffer[]; stats: CompactStats } {
  const stats: CompactStats = {
    batchesIn: 0,
    batchesOut: 0,
    recordsIn: 0,
    recordsOut: 0,
    bytesIn: 0,
    bytesOut: 0,
  };
  const batches: Buffer[] = [];
  // Kept records are written straight into one builder, reused from batch to batch.
  const builder = new BatchBuilder();
  const view = new RecordBatch(buf); // moved over each kept batch, for its record count
  for (const batch of iterateBatches(buf)) {
    stats.batchesIn++;
    stats.bytesIn += batch.sizeInBytes;
    stats.recordsIn += batch.recordCount;
    const kept = batch.isControl ? batch.bytes : compactBatch(batch, map, options, builder);
    if (!kept) continue;
    batches.push(kept);
    stats.batchesOut++;
    stats.bytesOut += kept.length;
    stats.recordsOut += view.moveTo(kept).recordCount;
  }
  return { batches, stats };
}

function compactBatch(
  batch: RecordBatch,
  map: OffsetMap,
  options: CompactOptions,
  builder: BatchBuilder,
): Buffer | undefined {
  const base = batch.baseOffset;
  // Deltas from the original base timestamp, as rebuildHeader's batch keeps it.
  builder.reset(batch.baseTimestamp);
  let total = 0;
  for (const record of readRecords(batch)) {
    total++;
    if (record.key !== null) {
      const latest = map.get(record.key);
      if (latest !== -1 && record.offset < latest) continue; // a later record has this key
      const expired = record.value === null && record.timestamp < options.now - options.deleteRetentionMs;
      if (expired) continue;
    }
    builder.append(record.timestamp, record.key, record.value, record.headers, record.offset - base);
  }
  const kept = builder.recordCount;
  if (kept === total) return batch.bytes;
  if (kept === 0) return undefined;
  return builder.finishCopy(rebuildHeader(batch));
}

/** Puts every keyed record of the whole batches in `buf` into `map`; false when the map filled up. */
export function mapKeys(buf: Buffer, map: OffsetMap): boolean {
  for (const batch of iterateBatches(buf)) {
    if (batch.isControl) continue;
    for (const record of readRecords(batch)) {
      if (record.key !== null && !map.put(record.key, record.offset)) return false;
    }
  }
  return true;
}
