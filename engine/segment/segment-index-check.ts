/**
 * Whether a segment's `.index` and `.timeindex` can be trusted for its `.log`, checked at load:
 * cheap checks that the last entries point inside the log (and, with `full`, every entry in
 * order). The loader rebuilds from the log any index that fails (engine/log/log-loader.ts).
 */
import type { OffsetIndex } from './offset-index.js';
import type { HeaderWalker } from './segment-header-walk.js';
import type { TimeIndex } from './time-index.js';

/** What the check needs of a segment. LogSegment is one. */
export interface IndexedSegment {
  readonly baseOffset: number;
  readonly size: number;
  readonly isWritable: boolean;
  readonly config: { readonly indexIntervalBytes: number };
  readonly offsetIndex: Pick<OffsetIndex, 'entries' | 'lastOffset' | 'lastPosition' | 'sanityCheck'>;
  readonly timeIndex: Pick<TimeIndex, 'entries' | 'lastOffset' | 'sanityCheck'>;
}

/**
 * Why the indexes cannot be trusted for this log, or undefined when they pass: file sizes whole
 * entries, offsets inside [baseOffset, `endOffset`) (the next segment's base; unbounded for the
 * last), the last position inside the .log; with `full`, every entry in order as well.
 */
export function segmentIndexProblem(
  segment: IndexedSegment,
  headers: Pick<HeaderWalker, 'batchStartPast'>,
  full: boolean,
  endOffset: number,
): string | undefined {
  try {
    const offsets = segment.offsetIndex;
    const times = segment.timeIndex;
    const base = segment.baseOffset;
    if (offsets.entries > 0) {
      if (offsets.lastOffset < base || offsets.lastOffset >= endOffset)
        return `offset index ends at offset ${offsets.lastOffset}, outside [${base}, ${endOffset})`;
      if (offsets.lastPosition >= segment.size)
        return `offset index points at position ${offsets.lastPosition} of a ${segment.size}-byte log`;
    }
    // A batch that starts more than index.interval.bytes into the log always gets an entry: an
    // empty index over such a log was lost (emptied), and every read would scan from the start.
    const interval = segment.config.indexIntervalBytes;
    if (offsets.entries === 0 && !segment.isWritable && segment.size > interval) {
      const start = headers.batchStartPast(interval);
      if (start !== undefined)
        return `the offset index is empty, yet a batch starts at position ${start} of the log`;
    }
    if (times.entries > 0 && (times.lastOffset < base || times.lastOffset >= endOffset))
      return `time index ends at offset ${times.lastOffset}, outside [${base}, ${endOffset})`;
    if (full) {
      offsets.sanityCheck();
      times.sanityCheck();
    }
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}
