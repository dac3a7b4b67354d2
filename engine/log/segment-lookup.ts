/**
 * Finding segments by offset in a log's segment list (oldest first, base offsets increasing): a
 * binary search, since a log can hold thousands of segments and every read starts with one.
 */
import type { LogSegment } from '../segment/log-segment.js';

/** The index of the segment that holds `offset`: the last one whose base offset is <= it (0 if none). */
export function segmentIndexFor(segments: readonly LogSegment[], offset: number): number {
  let lo = 0;
  let hi = segments.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (segments[mid]!.baseOffset <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The first segment whose base offset is above `baseOffset`, if any. */
export function segmentAfter(segments: readonly LogSegment[], baseOffset: number): LogSegment | undefined {
  const index = segmentIndexFor(segments, baseOffset);
  const candidate = segments[index];
  return candidate && candidate.baseOffset > baseOffset ? candidate : segments[index + 1];
}
