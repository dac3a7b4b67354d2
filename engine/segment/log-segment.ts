/**
 * One segment of a partition log: `<base>.log` (log-file.ts) plus its sparse `.index` and
 * `.timeindex` (offset-index.ts, time-index.ts), named as in segment-files.ts.
 *
 * The segment knows offsets and timestamps: it adds an index entry every index.interval.bytes,
 * finds the batch that holds an offset or reaches a timestamp (a short header scan from the
 * nearest index entry), cuts itself at a batch boundary, and keeps the running max timestamp that
 * retention and segment.ms go by. The bytes are validated by the partition log before `append`,
 * and by recovery (segment-recovery.ts) when loaded after a crash.
 *
 * Its parts live beside it: the indexes and the running max timestamp (segment-indexes.ts),
 * reads (segment-read.ts), synchronous header walks (segment-header-walk.ts), and the index
 * checks at load (segment-index-check.ts).
 */
import {
  BASE_OFFSET,
  LAST_OFFSET_DELTA,
  MAX_TIMESTAMP,
  batchSizeAt,
  readInt64,
} from '../record/record-batch.js';
import { findSegmentBatchByTimestamp, readSegment } from './segment-read.js';
import { LogFile } from './log-file.js';
import type { MappingBudget } from './mapping-budget.js';
import type { OffsetIndex } from './offset-index.js';
import { segmentFilePath } from './segment-files.js';
import { HeaderWalker } from './segment-header-walk.js';
import { segmentIndexProblem } from './segment-index-check.js';
import { SegmentIndexes } from './segment-indexes.js';
import type { TimeIndex } from './time-index.js';
import { StorageError } from '../errors.js';

export interface SegmentConfig {
  /** Roll size; also the size of the active segment's mapping. */
  segmentBytes: number;
  /** Bytes of batches between two index entries. */
  indexIntervalBytes: number;
  /** Largest size of each index file. */
  maxIndexBytes: number;
}

export type { SegmentSlice } from './segment-read.js';
import type { SegmentSlice } from './segment-read.js';

export class LogSegment {
  /** The .index and .timeindex, the running max timestamp, and whether appends are allowed. */
  private readonly indexes: SegmentIndexes;
  /** Reads batch headers of the .log; `headers.header` holds the one read last. */
  private readonly headers: HeaderWalker;
  /** Max timestamp of the first batch: what segment.ms rolls by (undefined: no batch yet). */
  rollingBasedTimestamp: number | undefined;
  /**
   * This segment's share of segment.jitter.ms: drawn once, in [0, min(jitter, segment.ms)), so
   * that partitions created together do not all roll at the same moment.
   */
  rollJitterMs = 0;

  private constructor(
    readonly dir: string,
    readonly baseOffset: number,
    readonly config: SegmentConfig,
    /** The .log file; segment-read.ts reads through it. */
    readonly file: LogFile,
    writable: boolean,
    /** When the segment was created or loaded; segment.ms counts from here while it is empty. */
    readonly createdMs: number,
  ) {
    this.indexes = new SegmentIndexes(dir, baseOffset, config, writable);
    this.headers = new HeaderWalker(file);
  }

  /** Creates a new, empty, active segment. Stale index files with the same base are replaced. */
  static create(
    dir: string,
    baseOffset: number,
    config: SegmentConfig,
    budget: MappingBudget,
    now = Date.now(),
  ): LogSegment {
    const file = LogFile.create(segmentFilePath(dir, baseOffset, 'log'), budget);
    const segment = new LogSegment(dir, baseOffset, config, file, true, now);
    segment.offsetIndex.reset();
    segment.timeIndex.reset();
    return segment;
  }

  /** Opens an existing segment. Indexes open lazily, on first use. */
  static open(
    dir: string,
    baseOffset: number,
    config: SegmentConfig,
    budget: MappingBudget,
    writable: boolean,
    now = Date.now(),
  ): LogSegment {
    const file = LogFile.open(segmentFilePath(dir, baseOffset, 'log'), budget);
    const segment = new LogSegment(dir, baseOffset, config, file, writable, now);
    if (writable && segment.headers.read(0)) {
      // segment.ms counts from the first batch's timestamp, as before the restart.
      segment.rollingBasedTimestamp = readInt64(segment.headers.header, MAX_TIMESTAMP);
    }
    return segment;
  }

  get size(): number {
    return this.file.size;
  }
  get logPath(): string {
    return this.file.path;
  }
  get isWritable(): boolean {
    return this.indexes.isWritable;
  }
  /** Opened on first use. */
  get offsetIndex(): OffsetIndex {
    return this.indexes.offsetIndex;
  }
  /** Opened on first use. */
  get timeIndex(): TimeIndex {
    return this.indexes.timeIndex;
  }

  /**
   * Cheap checks that the indexes belong to this log: the last entries point inside it. With
   * `full`, every entry is checked too (done for every segment at load).
   */
  indexesLookConsistent(full: boolean): boolean {
    return this.indexProblem(full) === undefined;
  }

  /**
   * Why the indexes cannot be trusted for this log, or undefined when they pass: file sizes whole
   * entries, offsets inside [baseOffset, `endOffset`) (the next segment's base; unbounded for the
   * last), the last position inside the .log; with `full`, every entry in order as well.
   */
  indexProblem(full: boolean, endOffset = Number.POSITIVE_INFINITY): string | undefined {
    return segmentIndexProblem(this, this.headers, full, endOffset);
  }

  /** Largest timestamp in the segment, -1 when unknown (from the time index after a restart). */
  get maxTimestamp(): number {
    return this.indexes.maxTimestamp;
  }

  /** Retention age basis: the largest record timestamp, or the file's mtime when none is known. */
  largestTimestamp(): number {
    const ts = this.maxTimestamp;
    return ts >= 0 ? ts : this.file.mtimeMs();
  }

  /**
   * Appends whole batches that already carry their final offsets, in one write. On failure nothing
   * becomes visible: the size and indexes move only after the bytes are written.
   */
  append(chunks: Buffer | readonly Buffer[]): void {
    if (!this.isWritable) throw new StorageError(`segment ${this.logPath} is not the active segment`);
    const list = Buffer.isBuffer(chunks) ? [chunks] : chunks;
    const start = this.file.append(list);
    const before = this.indexes.save();
    const rollingBefore = this.rollingBasedTimestamp;
    let firstOffset = -1;
    try {
      let position = start;
      for (const chunk of list) {
        for (let at = 0; at < chunk.length;) {
          const size = batchSizeAt(chunk, at);
          const base = readInt64(chunk, at + BASE_OFFSET);
          if (firstOffset < 0) firstOffset = base;
          this.indexBatch(
            position,
            base + chunk.readInt32BE(at + LAST_OFFSET_DELTA),
            readInt64(chunk, at + MAX_TIMESTAMP),
            size,
          );
          position += size;
          at += size;
        }
      }
    } catch (err) {
      // An index that cannot grow (a full disk) fails the append: take it all back. The bytes were
      // never readable, so cutting them in place is safe; a copy could not be made on a full disk.
      this.file.rollback(start);
      this.indexes.truncateTo(firstOffset);
      this.indexes.restore(before);
      this.rollingBasedTimestamp = rollingBefore;
      throw err;
    }
  }

  /**
   * Records one batch that now sits at `position`: the sparse index entries every
   * indexIntervalBytes, and the running max timestamp. Used by append and by recovery.
   */
  indexBatch(position: number, lastOffset: number, maxTimestamp: number, size: number): void {
    this.indexes.loadMaxTimestamp();
    if (this.rollingBasedTimestamp === undefined && position === 0) this.rollingBasedTimestamp = maxTimestamp;
    this.indexes.addBatch(position, lastOffset, maxTimestamp, size);
  }

  /**
   * Whether appending `bytes` with offsets up to `lastOffset` needs a new segment: it would pass
   * segment.bytes or overflow the 32-bit relative offsets, or an index is full. `pending` bytes are
   * on their way in ahead of them (a group written together).
   */
  isFullFor(bytes: number, lastOffset: number, pending = 0): boolean {
    const size = this.size + pending;
    if (size > 0 && size + bytes > this.config.segmentBytes) return true;
    if (lastOffset - this.baseOffset > 0x7fff_ffff) return true;
    return this.offsetIndex.isFull || this.timeIndex.isFull;
  }

  /** See segment-read.ts: whole batches from the one holding `startOffset`. */
  read(
    startOffset: number,
    maxBytes: number,
    upToOffset: number,
    minOneBatch: boolean,
  ): Promise<SegmentSlice | undefined> {
    return readSegment(this, startOffset, maxBytes, upToOffset, minOneBatch);
  }

  /** See segment-read.ts: the first batch whose max timestamp reaches `timestamp`. */
  findBatchByTimestamp(timestamp: number, startOffset: number): Promise<SegmentSlice | undefined> {
    return findSegmentBatchByTimestamp(this, timestamp, startOffset);
  }

  /**
   * The offset after the last batch, found from the last index entry and a short scan — what a
   * cleanly closed segment needs at load, without reading the whole file.
   */
  readNextOffset(): number {
    const from = this.offsetIndex.lookupPosition(Number.MAX_SAFE_INTEGER);
    const [, next] = this.headers.walk(from, this.size, () => true);
    return next >= 0
      ? next
      : this.offsetIndex.lastOffset > this.baseOffset
        ? this.offsetIndex.lastOffset + 1
        : this.baseOffset;
  }

  /**
   * Calls `visit` with the full header (61 bytes) of every batch holding offsets at or after
   * `fromOffset`, in order — how producer state is rebuilt from the log after a snapshot.
   */
  forEachBatchHeader(fromOffset: number, visit: (header: Buffer) => void): void {
    this.headers.forEachFullHeader(this.offsetIndex.lookupPosition(fromOffset), fromOffset, visit);
  }

  /** Synchronous read, for recovery. */
  readSync(position: number, target: Buffer): number {
    return this.file.readSync(position, target);
  }

  /**
   * False once a read found the offset index pointing where no batch holding its offset starts:
   * reads then scan the segment from its start, and the index files are removed so the next start
   * rebuilds them. (Checking every entry against the log at start would read every segment.)
   */
  indexTrusted = true;

  /** Stops using the offset index (see indexTrusted). */
  distrustIndex(): void {
    if (!this.indexTrusted) return;
    this.indexTrusted = false;
    // The active segment's index files go on taking entries (they are opened by path to grow);
    // a sealed one's are removed so the next start rebuilds them.
    if (this.isWritable) return;
    this.indexes.removeFiles();
  }

  /** Drops every index entry and the running timestamps; recovery re-adds them batch by batch. */
  resetIndexes(): void {
    this.indexes.reset();
    this.rollingBasedTimestamp = undefined;
  }

  /**
   * Removes every batch at or after the batch holding `offset` (a batch is kept or dropped whole).
   * Returns the bytes removed.
   */
  truncateTo(offset: number): number {
    const from = this.offsetIndex.lookupPosition(offset);
    const [position] = this.headers.walk(from, this.size, (last) => last < offset);
    return this.truncateToPosition(position);
  }

  /**
   * Recovery's cut: drops the bytes from `position` on (a torn or corrupt tail) after recovery has
   * rebuilt the indexes for the bytes before it.
   */
  discardTail(position: number): number {
    const removed = this.size - position;
    if (removed > 0) this.file.truncate(position);
    return Math.max(0, removed);
  }

  /** Cuts the log at a batch boundary and re-derives the indexes and timestamps below it. */
  truncateToPosition(position: number): number {
    const removed = this.size - position;
    if (removed <= 0) return 0;
    const nextOffset = this.headers.offsetAt(this.offsetIndex, position, this.baseOffset);
    this.file.truncate(position);
    // Index entries at or past the cut describe batches that are gone.
    this.indexes.afterCut(nextOffset, this.headers, this.size);
    if (position === 0) this.rollingBasedTimestamp = undefined;
    return removed;
  }

  /**
   * The segment stops being the active one: a last time index entry for its max timestamp (so
   * retention knows its age after a restart), indexes trimmed to their entries, read-only from now.
   */
  onBecomeInactive(): void {
    this.indexes.seal();
    // The next read maps the file at its exact size instead of the roll size.
    this.file.unmap();
  }

  /**
   * Makes a closed-off segment the active one again (a truncation reached back into it). The same
   * .log file stays open; the indexes reopen for appends.
   */
  makeWritable(): void {
    if (this.isWritable) return;
    this.indexes.reopenForAppends(this.headers, this.size);
  }

  /** Writes the log and indexes to disk (fdatasync + msync). */
  flush(): void {
    this.file.flush();
    this.indexes.flush();
  }

  /** The same as flush, with the log's fdatasync off the event loop. */
  async flushAsync(): Promise<void> {
    await this.file.flushAsync();
    this.indexes.flush();
  }

  /** Closes the files; a clean close trims indexes and records the last timestamp entry. */
  close(): void {
    if (this.isWritable) this.onBecomeInactive();
    this.indexes.close();
    this.file.close();
  }

  /** Closes and removes all of the segment's files. Mapped slices still held stay readable. */
  delete(): void {
    this.indexes.close();
    this.indexes.removeFiles();
    this.file.delete();
  }
}
