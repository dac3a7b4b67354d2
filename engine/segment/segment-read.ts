/**
 * Reading a segment: find the batch that holds an offset (or reaches a timestamp) from the nearest
 * index entry with a short header scan, then hand out whole batches.
 *
 * Hot data — pages already in the page cache, as mincore tells — is returned as a slice of the
 * .log file's mapping: no copy, no syscall. Anything else goes through async reads on the thread
 * pool, so a page fault never stalls the event loop; the file is held open across all the steps of
 * such a read, so a deletion meanwhile cannot pull the fd from under it.
 *
 * Faults on disk fail the read, never hang it: a header that cannot start a batch raises
 * CorruptSegmentError (a fetch answers CORRUPT_MESSAGE), a file cut shorter than the log's size
 * raises SegmentTruncatedError — found by an fstat before the mapping is touched, or by a short
 * async read — because touching a mapped page past the end of the file is SIGBUS.
 */
import {
  SCAN_HEADER_BYTES,
  ScanResult,
  corruptionDetail,
  scanReadEnd,
  scanToOffset,
  scanToTimestamp,
} from './batch-scan.js';
import type { LogFile } from './log-file.js';
import type { OffsetIndex } from './offset-index.js';
import type { TimeIndex } from './time-index.js';
import { BASE_OFFSET, MAGIC, readInt64 } from '../record/record-batch.js';
import { CorruptSegmentError, SegmentTruncatedError } from '../errors.js';

/**
 * What a read needs of a segment. LogSegment is one; it is described here, below LogSegment, so
 * that log-segment.ts imports this file and this file imports nothing of it.
 */
export interface ReadableSegment {
  readonly size: number;
  readonly isWritable: boolean;
  readonly indexTrusted: boolean;
  readonly logPath: string;
  readonly config: { readonly segmentBytes: number; readonly indexIntervalBytes: number };
  readonly file: LogFile;
  readonly offsetIndex: Pick<OffsetIndex, 'lookupPosition'>;
  readonly timeIndex: Pick<TimeIndex, 'lookupOffset'>;
  /** Stops trusting the offset index (a scan from it found no batch header). */
  distrustIndex(): void;
}

/** A read from one segment: whole batches as one Buffer slice. */
export interface SegmentSlice {
  records: Buffer;
  /** File position of the first batch. */
  position: number;
  /** Base offset of the first batch (may be below the offset asked for). */
  firstOffset: number;
}

const EMPTY = Buffer.alloc(0);

/** How far past an index entry a scan may have to go, beyond index.interval.bytes, to find its header. */
const COLD_SCAN_WINDOW = 64 * 1024;

/**
 * Hot slices shorter than this are copied at once. The response writer copies slices this small
 * into its own chunk anyway (server/protocol/writer.ts), but only later — after the other
 * partitions' reads, maybe after I/O — and a file cut meanwhile would turn that copy into SIGBUS.
 * Larger slices go to the socket by reference, where a cut page is the kernel's EFAULT, not a
 * signal.
 */
const COPY_BELOW_BYTES = 1024;

/** Scratch for the synchronous hot path (nothing else runs while it is in use). */
const hotScan = new ScanResult();

/**
 * Reads whole batches starting with the one that holds `startOffset`, up to `maxBytes` (at least
 * one batch when `minOneBatch`) and only batches wholly below `upToOffset`. Undefined when the
 * segment holds no batch at or after `startOffset`; empty records when it does but none of them
 * fits (too large without `minOneBatch`, or not below `upToOffset`) — the log must not look in the
 * next segment then.
 */
export async function readSegment(
  segment: ReadableSegment,
  startOffset: number,
  maxBytes: number,
  upToOffset: number,
  minOneBatch: boolean,
): Promise<SegmentSlice | undefined> {
  const { file, config } = segment;
  const limit = segment.size;
  if (limit === 0) return undefined;
  // The mapping is only touched below `limit`; the file must still hold that much.
  file.assertIntact();
  // An active segment maps with room to grow, so appends seldom need a remap; a sealed one maps
  // exactly what it holds.
  const mapSize = segment.isWritable ? config.segmentBytes : limit;
  const indexed = segment.indexTrusted ? segment.offsetIndex.lookupPosition(startOffset) : 0;
  // A reader going on from where its last read ended starts there (resumable) — no index scan.
  let from = resumable(segment, indexed, limit) ? file.lastReadEnd : indexed;
  let scanEnd = Math.min(limit, from + config.indexIntervalBytes + COLD_SCAN_WINDOW);
  let map = file.hotMapping(from, scanEnd, mapSize);
  if (map && from !== indexed && !resumesAt(map, from, startOffset)) {
    from = indexed;
    scanEnd = Math.min(limit, from + config.indexIntervalBytes + COLD_SCAN_WINDOW);
    map = file.hotMapping(from, scanEnd, mapSize);
  }
  if (map) {
    const found = scanToOffset(map, 0, from, limit, startOffset, hotScan);
    if (from === indexed && indexMisled(found, indexed, startOffset)) {
      segment.distrustIndex();
      return readSegment(segment, startOffset, maxBytes, upToOffset, minOneBatch);
    }
    if (found.status === 'corrupt') throw corruptAt(segment, found, limit);
    if (found.status !== 'found') return undefined;
    const { position, baseOffset: firstOffset } = found;
    const span = Math.min(limit, position + Math.max(maxBytes, minOneBatch ? found.size : 0));
    // The scan below reads headers across the whole span: only from pages already in memory
    // (the range checked above counts; a small read needs no second residency check).
    if (span <= scanEnd || file.hotMapping(position, span, 0)) {
      const end = scanReadEnd(map, 0, position, limit, maxBytes, upToOffset, minOneBatch);
      if (end > position) file.lastReadEnd = end;
      const records = map.subarray(position, Math.max(end, position));
      return {
        records: records.length < COPY_BELOW_BYTES ? Buffer.from(records) : records,
        position,
        firstOffset,
      };
    }
  }
  // A resume point is only trusted once its batch was checked, which needs its page in memory.
  const coldFrom = map ? from : indexed;
  try {
    return await file.withIo(() =>
      coldRead(
        segment,
        coldFrom,
        limit,
        startOffset,
        maxBytes,
        upToOffset,
        minOneBatch,
        coldFrom === indexed ? indexed : 0,
      ),
    );
  } catch (err) {
    if (!(err instanceof IndexMisledError)) throw err;
    segment.distrustIndex();
    return readSegment(segment, startOffset, maxBytes, upToOffset, minOneBatch);
  }
}

/**
 * Whether a scan that started at the offset index's entry found what a sound index cannot give:
 * an entry records the last offset of the batch starting at its position, so the first batch
 * there never starts after the offset looked up. (Position 0 is the segment's start, not an
 * entry.)
 */
function indexMisled(found: ScanResult, indexed: number, startOffset: number): boolean {
  // A header that cannot start a batch there is damage in the log, not a sign against the index:
  // the read fails with CorruptSegmentError, and the index is kept.
  return (
    indexed > 0 && found.position === indexed && found.status === 'found' && found.baseOffset > startOffset
  );
}

/** Thrown by a cold read whose index entry misled it; the read starts again without the index. */
class IndexMisledError extends Error {}

/**
 * Whether the end of the last hot read may be where this read's scan starts: it lies past the
 * index entry and inside the file. (resumesAt then checks its batch, once its page is known to be
 * in memory.) Besides the scan it saves, starting there keeps a consumer on the log's tail from
 * touching the pages before its slice again, which the connection has just released
 * (mapped-file.ts).
 */
function resumable(segment: ReadableSegment, indexed: number, limit: number): boolean {
  const resume = segment.file.lastReadEnd;
  return resume > indexed && resume + SCAN_HEADER_BYTES <= limit;
}

/** Whether the batch at `position` starts at or before `startOffset`: a scan for it may begin there. */
function resumesAt(map: Buffer, position: number, startOffset: number): boolean {
  return map[position + MAGIC] === 2 && readInt64(map, position + BASE_OFFSET) <= startOffset;
}

/** The same as readSegment, through async reads only: data that is not in the page cache. */
async function coldRead(
  segment: ReadableSegment,
  from: number,
  limit: number,
  startOffset: number,
  maxBytes: number,
  upToOffset: number,
  minOneBatch: boolean,
  indexed: number,
): Promise<SegmentSlice | undefined> {
  const scan = new ScanResult();
  const found = await scanCold(segment, from, limit, (window, position) => {
    const result = scanToOffset(window, position, position, limit, startOffset, scan);
    if (position === from && indexMisled(result, indexed, startOffset)) throw new IndexMisledError();
    return result;
  });
  if (!found) return undefined;
  const { position, baseOffset: firstOffset, size: firstSize } = found;
  const want = Math.min(limit - position, Math.max(maxBytes, minOneBatch ? firstSize : 0));
  if (want < SCAN_HEADER_BYTES) return { records: EMPTY, position, firstOffset };
  const bytes = await readFully(segment, position, want, limit);
  const windowEnd = position + bytes.length;
  const end = scanReadEnd(bytes, position, position, windowEnd, maxBytes, upToOffset, minOneBatch);
  return { records: bytes.subarray(0, Math.max(0, end - position)), position, firstOffset };
}

/**
 * Runs a header scan over async-read windows until it finds its batch or reaches `limit`. Each
 * window starts at a batch header and holds at least one (a shorter rest is corrupt, and a short
 * read throws), so every turn moves forward.
 */
async function scanCold(
  segment: ReadableSegment,
  from: number,
  limit: number,
  scanWindow: (window: Buffer, position: number) => ScanResult,
): Promise<ScanResult | undefined> {
  let position = from;
  while (position < limit) {
    const window = await readFully(segment, position, Math.min(limit - position, COLD_SCAN_WINDOW), limit);
    const found = scanWindow(window, position);
    if (found.status === 'found') return found;
    if (found.status === 'end') return undefined;
    if (found.status === 'corrupt' || found.position <= position) throw corruptAt(segment, found, limit);
    position = found.position;
  }
  return undefined;
}

/**
 * `length` bytes at `position`, all below `limit`: coming up short means the file lost bytes the
 * read counted on (cut from outside, or by a truncation of the log while the read waited).
 */
async function readFully(
  segment: ReadableSegment,
  position: number,
  length: number,
  limit: number,
): Promise<Buffer> {
  const bytes = await segment.file.readAt(position, length);
  if (bytes.length < length) throw new SegmentTruncatedError(segment.logPath, limit, position + bytes.length);
  return bytes;
}

function corruptAt(segment: ReadableSegment, scan: ScanResult, limit: number): CorruptSegmentError {
  return new CorruptSegmentError(segment.logPath, scan.position, corruptionDetail(scan, limit));
}

/**
 * The first batch holding offsets at or after `startOffset` whose max timestamp is >= `timestamp`,
 * read whole (the caller looks inside it for the record), or undefined.
 */
export function findSegmentBatchByTimestamp(
  segment: ReadableSegment,
  timestamp: number,
  startOffset: number,
): Promise<SegmentSlice | undefined> {
  const limit = segment.size;
  // The entry with a timestamp strictly below the target: every batch before it is older.
  const entryOffset = segment.timeIndex.lookupOffset(timestamp - 1);
  const from = segment.offsetIndex.lookupPosition(Math.max(entryOffset, startOffset));
  const scan = new ScanResult();
  return segment.file.withIo(async () => {
    const found = await scanCold(segment, from, limit, (window, position) =>
      scanToTimestamp(window, position, position, limit, timestamp, startOffset, scan),
    );
    if (!found) return undefined;
    const { position, baseOffset, size } = found;
    const records = await readFully(segment, position, size, limit);
    return { records, position, firstOffset: baseOffset };
  });
}
