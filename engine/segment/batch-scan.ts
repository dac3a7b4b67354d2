/**
 * Walking batch headers inside a window of a segment's bytes, without decoding records.
 *
 * A window is a Buffer holding the segment's bytes from file position `windowStart`: the whole
 * mapping (windowStart 0) on the hot path, or a chunk read with an async read for cold data. The
 * scan reports where it stopped; the caller widens the window when the scan ran off its end.
 *
 * Every header a scan steps over is checked first (magic 2, a length that covers at least a batch
 * header and ends inside the segment): a damaged length must stop the scan as 'corrupt' — read
 * as is, it would step backwards, stand still or jump past the end, and a read would hang or find
 * nothing, forever.
 */
import {
  BATCH_HEADER_SIZE,
  BATCH_LENGTH,
  BASE_OFFSET,
  LAST_OFFSET_DELTA,
  LOG_OVERHEAD,
  MAGIC,
  MAX_TIMESTAMP,
  readInt64,
} from '../record/record-batch.js';

/** Bytes of a batch header that the scans read: base offset .. max timestamp. */
export const SCAN_HEADER_BYTES = MAX_TIMESTAMP + 8;

/** The outcome of a scan; one reusable object per caller, so scanning allocates nothing. */
export class ScanResult {
  /** File position of the batch found, or where the scan stopped. */
  position = 0;
  /** The found batch's base offset, last offset and size (for 'corrupt': the bad header's size). */
  baseOffset = 0;
  lastOffset = 0;
  size = 0;
  /**
   * 'found', 'end' (reached `limit`, the end of valid data), 'more' (the window ended first) or
   * 'corrupt' (the header at `position` cannot start a batch; see corruptionDetail).
   */
  status: 'found' | 'end' | 'more' | 'corrupt' = 'end';
}

/**
 * Whether the header at window index `at` (file position `pos`), whose batch is `size` bytes with
 * its log overhead, can start a batch that ends by `limit`.
 */
function plausible(window: Buffer, at: number, pos: number, size: number, limit: number): boolean {
  return size >= BATCH_HEADER_SIZE && size <= limit - pos && window[at + MAGIC] === 2;
}

/** Why the header of a scan that stopped as 'corrupt' is bad, for the error's message. */
export function corruptionDetail(scan: ScanResult, limit: number): string {
  if (limit - scan.position < BATCH_HEADER_SIZE)
    return `${limit - scan.position} bytes before the end of the segment, too few for a batch header`;
  if (scan.size < BATCH_HEADER_SIZE)
    return `batch length ${scan.size - LOG_OVERHEAD} is below the header size`;
  if (scan.size > limit - scan.position)
    return `batch of ${scan.size} bytes runs past the segment's end at ${limit}`;
  return 'no record batch (magic 2) starts there';
}

/**
 * From `position`, finds the first batch whose last offset is >= `target` (the batch holding
 * `target`, or the next one after a gap). Stops at `limit` (the segment's size).
 */
export function scanToOffset(
  window: Buffer,
  windowStart: number,
  position: number,
  limit: number,
  target: number,
  out: ScanResult,
): ScanResult {
  return scanUntil(window, windowStart, position, limit, out, (_window, _at, last) => last >= target);
}

/**
 * From `position`, finds the first batch whose max timestamp is >= `target` among the batches
 * that hold offsets at or above `minOffset`. Stops at `limit`.
 */
export function scanToTimestamp(
  window: Buffer,
  windowStart: number,
  position: number,
  limit: number,
  target: number,
  minOffset: number,
  out: ScanResult,
): ScanResult {
  return scanUntil(
    window,
    windowStart,
    position,
    limit,
    out,
    (w, at, last) => last >= minOffset && readInt64(w, at + MAX_TIMESTAMP) >= target,
  );
}

/** Walks headers from `position` until `matches(window, at, lastOffset)` holds for a batch. */
function scanUntil(
  window: Buffer,
  windowStart: number,
  position: number,
  limit: number,
  out: ScanResult,
  matches: (window: Buffer, at: number, lastOffset: number) => boolean,
): ScanResult {
  let pos = position;
  const windowEnd = windowStart + window.length;
  while (pos < limit) {
    if (limit - pos < BATCH_HEADER_SIZE) return stop(out, 'corrupt', pos);
    if (pos + SCAN_HEADER_BYTES > windowEnd) return stop(out, 'more', pos);
    const at = pos - windowStart;
    const size = window.readInt32BE(at + BATCH_LENGTH) + LOG_OVERHEAD;
    if (!plausible(window, at, pos, size, limit)) {
      out.size = size;
      return stop(out, 'corrupt', pos);
    }
    const base = readInt64(window, at + BASE_OFFSET);
    const last = base + window.readInt32BE(at + LAST_OFFSET_DELTA);
    if (matches(window, at, last)) {
      out.baseOffset = base;
      out.lastOffset = last;
      out.size = size;
      return stop(out, 'found', pos);
    }
    pos += size;
  }
  return stop(out, 'end', pos);
}

/**
 * From `position` (a batch boundary), the end position of the longest run of whole batches that
 * fits in `maxBytes` and holds only offsets below `upToOffset`, ending no later than `limit`.
 * With `minOne`, the first batch is included whatever its size (KIP-74). Returns `position` when
 * nothing fits. A window that ends inside a header ends the run there — the caller sized the
 * window to what it may return — or, before the first batch, gives -1: the window was too short.
 * A header that cannot start a batch ends the run too (the caller's scan to the first batch has
 * checked that one; a read that starts at a later bad one gets the error from that scan).
 */
export function scanReadEnd(
  window: Buffer,
  windowStart: number,
  position: number,
  limit: number,
  maxBytes: number,
  upToOffset: number,
  minOne: boolean,
): number {
  let pos = position;
  const windowEnd = windowStart + window.length;
  while (pos < limit) {
    if (pos + SCAN_HEADER_BYTES > windowEnd) return pos === position ? -1 : pos;
    const at = pos - windowStart;
    const size = window.readInt32BE(at + BATCH_LENGTH) + LOG_OVERHEAD;
    if (!plausible(window, at, pos, size, limit)) break;
    const last = readInt64(window, at + BASE_OFFSET) + window.readInt32BE(at + LAST_OFFSET_DELTA);
    if (last >= upToOffset) break;
    const first = pos === position;
    if (pos + size - position > maxBytes && !(first && minOne)) break;
    pos += size;
  }
  return pos;
}

function stop(out: ScanResult, status: ScanResult['status'], position: number): ScanResult {
  out.status = status;
  out.position = position;
  return out;
}
