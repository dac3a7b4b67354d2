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

interface ScanEnd {
  /** Where the valid batches end. */
  position: number;
  batches: number;
  nextOffset: number;
  reason?: string;
}

/**
 * Validates batches from file position `from` to the end of the file (length, magic, CRC, offsets
 * increasing from `nextOffset` and inside the segment), calling `onBatch` for each valid one.
 * Stops at the first invalid batch, giving why.
 */
function scanValid(
  segment: LogSegment,
  from: number,
  nextOffset: number,
  maxBatchBytes: number,
  onBatch: (position: number, lastOffset: number, maxTimestamp: number, size: number) => void,
): ScanEnd {
  const fileSize = segment.size;
  let chunk = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, Math.max(fileSize - from, 1)));
  let chunkStart = 0;
  let chunkLength = 0;
  /** Reads at least `want` bytes (less at the end of the file) from `position` into the chunk. */
  const load = (position: number, want: number): void => {
    const length = Math.min(fileSize - position, Math.max(CHUNK_BYTES, want));
    if (length > chunk.length) chunk = Buffer.allocUnsafe(length);
    chunkStart = position;
    chunkLength = segment.readSync(position, chunk.subarray(0, length));
  };
  let position = from;
  let batches = 0;
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
    onBatch(position, lastOffset, readInt64(chunk, at + MAX_TIMESTAMP), size);
    nextOffset = lastOffset + 1;
    position += size;
    batches++;
  }
  const end: ScanEnd = { position, batches, nextOffset };
  if (reason !== undefined) end.reason = reason;
  return end;
}

/**
 * Rebuilds `segment`'s indexes and truncates it at the first invalid batch.
 * `maxBatchBytes` bounds how large a batch's length field may claim before it counts as corrupt.
 */
export function recoverSegment(segment: LogSegment, maxBatchBytes = 0x7fff_fff0): SegmentRecovery {
  segment.resetIndexes();
  const end = scanValid(segment, 0, segment.baseOffset, maxBatchBytes, (position, lastOffset, maxTs, size) =>
    segment.indexBatch(position, lastOffset, maxTs, size),
  );
  const truncatedBytes = segment.discardTail(end.position);
  const result: SegmentRecovery = { truncatedBytes, batches: end.batches, nextOffset: end.nextOffset };
  if (end.reason !== undefined) result.reason = end.reason;
  return result;
}

/**
 * Checks the batches past the last offset index entry — the part of an active segment written
 * since its last index entry, which a clean stop does not prove whole (a torn or zeroed tail after
 * a crash of the machine, or damage). Returns why the tail is bad, or undefined when it is whole.
 * Cheap: at most index.interval.bytes plus one batch are read.
 */
export function tailProblem(segment: LogSegment, maxBatchBytes = 0x7fff_fff0): string | undefined {
  const index = segment.offsetIndex;
  const from = index.entries > 0 ? index.lastPosition : 0;
  const end = scanValid(segment, from, segment.baseOffset, maxBatchBytes, () => {});
  return end.reason;
}

/**
 * Rebuilds a sealed segment's indexes from its batches without cutting anything: at a clean start
 * an older segment whose index is missing or bad keeps every byte. A damaged batch ends the index
 * there (reads past it fail with CorruptSegmentError, as they would have); the reason is returned.
 */
export function rebuildIndexes(segment: LogSegment): string | undefined {
  segment.resetIndexes();
  const end = scanValid(segment, 0, segment.baseOffset, 0x7fff_fff0, (position, lastOffset, maxTs, size) =>
    segment.indexBatch(position, lastOffset, maxTs, size),
  );
  return end.reason;
}
