/**
 * Recovery of one segment after an unclean stop: every batch is read back and validated (length,
 * magic, CRC, offsets increasing and inside the segment), the indexes are rebuilt from scratch and
 * the log is cut at the first torn or corrupt batch. Runs at start-up with synchronous reads.
 */
import { validateBatch } from '../record/batch-validate.js';
import {
  BASE_OFFSET,
  BATCH_LENGTH,
  LAST_OFFSET_DELTA,
  LOG_OVERHEAD,
  MAX_TIMESTAMP,
  readInt64,
} from '../record/record-batch.js';
import type { LogSegment } from './log-segment.js';

export interface SegmentRecovery {
  /** Bytes cut from the end (0 when the segment was whole). */
  truncatedBytes: number;
  /** Valid batches kept. */
  batches: number;
  /** The offset after the last valid batch (the segment's base offset when it holds none). */
  nextOffset: number;
  /** Why the scan stopped early, when it did. */
  reason?: string;
}

const CHUNK_BYTES = 8 * 1024 * 1024;

/**
 * Rebuilds `segment`'s indexes and truncates it at the first invalid batch.
 * `maxBatchBytes` bounds how large a batch's length field may claim before it counts as corrupt.
 */
export function recoverSegment(segment: LogSegment, maxBatchBytes = 0x7fff_fff0): SegmentRecovery {
  segment.resetIndexes();
  const fileSize = segment.size;
  let chunk = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, Math.max(fileSize, 1)));
  let chunkStart = 0;
  let chunkLength = 0;
  /** Reads at least `want` bytes (less at the end of the file) from `position` into the chunk. */
  const load = (position: number, want: number): void => {
    const length = Math.min(fileSize - position, Math.max(CHUNK_BYTES, want));
    if (length > chunk.length) chunk = Buffer.allocUnsafe(length);
    chunkStart = position;
    chunkLength = segment.readSync(position, chunk.subarray(0, length));
  };
  let position = 0;
  let batches = 0;
  let nextOffset = segment.baseOffset;
  let reason: string | undefined;

  while (position < fileSize) {
    if (position + LOG_OVERHEAD > chunkStart + chunkLength) load(position, LOG_OVERHEAD);
    if (position + LOG_OVERHEAD > chunkStart + chunkLength) {
      reason = `truncated batch header at position ${position}`;
      break;
    }
    const size = chunk.readInt32BE(position - chunkStart + BATCH_LENGTH) + LOG_OVERHEAD;
    if (size < LOG_OVERHEAD || size > maxBatchBytes) {
      reason = `batch at position ${position} claims ${size} bytes`;
      break;
    }
    // The whole batch must be in the chunk to be checked; a large one gets a chunk of its own.
    if (position + size > chunkStart + chunkLength) load(position, size);
    const at = position - chunkStart;
    try {
      validateBatch(chunk, at, chunkLength);
    } catch (err) {
      reason = (err as Error).message.replace(/position \d+/, `position ${position}`);
      break;
    }
    const baseOffset = readInt64(chunk, at + BASE_OFFSET);
    const lastOffset = baseOffset + chunk.readInt32BE(at + LAST_OFFSET_DELTA);
    if (baseOffset < nextOffset || lastOffset - segment.baseOffset > 0x7fff_ffff) {
      reason = `batch at position ${position} has offset ${baseOffset}, expected at least ${nextOffset}`;
      break;
    }
    segment.indexBatch(position, lastOffset, readInt64(chunk, at + MAX_TIMESTAMP), size);
    nextOffset = lastOffset + 1;
    position += size;
    batches++;
  }

  const truncatedBytes = segment.discardTail(position);
  const result: SegmentRecovery = { truncatedBytes, batches, nextOffset };
  if (reason !== undefined) result.reason = reason;
  return result;
}
