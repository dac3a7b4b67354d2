// Builders and decoders shared by the log tests: batches from plain records, and the plain records
// back out of whatever bytes a read returned.
import { buildBatch } from '../../engine/record/batch-builder.js';
import { iterateBatches } from '../../engine/record/batch-iterator.js';
import { readRecords } from '../../engine/record/record-reader.js';
import type { Codec } from '../../engine/record/record-batch.js';

export interface PlainRecord {
  offset: number;
  key: string | null;
  value: string | null;
  timestamp: number;
}

export interface BatchSpec {
  records: { key?: string | null; value?: string | null; timestamp?: number }[];
  codec?: Codec;
}

/** One batch holding `count` records `${prefix}-i` with timestamps from `timestamp` on. */
export function batchOf(count: number, prefix = 'r', timestamp = 1_700_000_000_000, codec?: Codec): Buffer {
  const records = Array.from({ length: count }, (_, i) => ({
    key: `${prefix}-k${i}`,
    value: `${prefix}-v${i}`,
    timestamp: timestamp + i,
  }));
  return buildBatch({ records, ...(codec !== undefined ? { codec } : {}) });
}

/** Every record in `buf` (whole batches back to back), in order. */
export function decodeRecords(buf: Buffer): PlainRecord[] {
  const out: PlainRecord[] = [];
  for (const batch of iterateBatches(buf)) {
    for (const record of readRecords(batch)) {
      out.push({
        offset: record.offset,
        key: record.key === null ? null : record.key.toString(),
        value: record.value === null ? null : record.value.toString(),
        timestamp: record.timestamp,
      });
    }
  }
  return out;
}
