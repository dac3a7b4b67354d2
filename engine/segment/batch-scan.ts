/**
 * Walking batch headers inside a window of a segment's bytes, without decoding records.
 *
 * A window is a Buffer holding the segment's bytes from file position `windowStart`: the whole
 * mapping (windowStart 0) on the hot path, or a chunk read with an async read for cold data. The
 * scan reports where it stopped; the caller widens the window when the scan ran off its end.
 */
import {
  BATCH_LENGTH,
  BASE_OFFSET,
  LAST_OFFSET_DELTA,
  LOG_OVERHEAD,
  MAX_TIMESTAMP,
  readInt64,
} from '../record/record-batch.js';

/** Bytes of a batch header that the scans read: base offset .. max timestamp. */
export const SCAN_HEADER_BYTES = MAX_TIMESTAMP + 8;

/** The outcome of a scan; one reusable object per caller, so scanning allocates nothing. */
export class ScanResult {
  /** File position of the batch found, or where the scan stopped. */
  position = 0;
  /** The found batch's base offset, last offset and size. */
  baseOffset = 0;
  lastOffset = 0;
  size = 0;
  /** 'found', 'end' (reached `limit`, the end of valid data) or 'more' (the window ended first). */
  status: 'found' | 'end' | 'more' = 'end';
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
    if (pos + SCAN_HEADER_BYTES > windowEnd) return stop(out, 'more', pos);
    const at = pos - windowStart;
    const size = window.readInt32BE(at + BATCH_LENGTH) + LOG_OVERHEAD;
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
    const last = readInt64(window, at + BASE_OFFSET) + window.readInt32BE(at + LAST_OFFSET_DELTA);
    if (last >= upToOffset || pos + size > limit) break;
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
