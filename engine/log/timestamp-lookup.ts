/**
 * ListOffsets by time over a log's segments: the first record whose timestamp reaches a target, and
 * the record with the largest timestamp. The time index narrows the search to one batch (see
 * LogSegment.findBatchByTimestamp); that batch is then read record by record (decompressed in the
 * worker pool when large), because the answer is a record's offset, not a batch's.
 */
import { RecordBatch } from '../record/record-batch.js';
import { readRecordsAsync } from '../record/record-reader.js';
import type { LogSegment } from '../segment/log-segment.js';

export interface TimestampOffset {
  offset: number;
  timestamp: number;
}

/** The first record at or after `startOffset` with a timestamp >= `timestamp`, or undefined. */
export async function findOffsetForTimestamp(
  segments: readonly LogSegment[],
  timestamp: number,
  startOffset: number,
): Promise<TimestampOffset | undefined> {
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    // A closed segment whose newest record is older than the target cannot hold the answer.
    const known = segment.maxTimestamp;
    if (i < segments.length - 1 && known >= 0 && known < timestamp) continue;
    const found = await firstRecordAtOrAfter(segment, timestamp, startOffset);
    if (found) return found;
  }
  return undefined;
}

/** The record with the largest timestamp (the first one, if several share it), or undefined. */
export async function findMaxTimestampOffset(
  segments: readonly LogSegment[],
  startOffset: number,
): Promise<TimestampOffset | undefined> {
  let best: LogSegment | undefined;
  for (const segment of segments) if (!best || segment.maxTimestamp > best.maxTimestamp) best = segment;
  if (!best || best.maxTimestamp < 0) return undefined;
  return firstRecordAtOrAfter(best, best.maxTimestamp, startOffset);
}

async function firstRecordAtOrAfter(
  segment: LogSegment,
  timestamp: number,
  startOffset: number,
): Promise<TimestampOffset | undefined> {
  let from = startOffset;
  // Usually one batch; more only when the batch found holds nothing at or after startOffset.
  for (;;) {
    const found = await segment.findBatchByTimestamp(timestamp, from);
    if (!found) return undefined;
    const batch = new RecordBatch(found.records);
    for (const record of await readRecordsAsync(batch)) {
      if (record.timestamp >= timestamp && record.offset >= startOffset) {
        return { offset: record.offset, timestamp: record.timestamp };
      }
    }
    from = batch.lastOffset + 1;
  }
}
