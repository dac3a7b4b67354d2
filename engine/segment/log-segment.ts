/**
 * One segment of a partition log: `<base>.log` (log-file.ts) plus its sparse `.index` and
 * `.timeindex` (offset-index.ts, time-index.ts), named as in segment-files.ts.
 *
 * The segment knows offsets and timestamps: it adds an index entry every index.interval.bytes,
 * finds the batch that holds an offset or reaches a timestamp (a short header scan from the
 * nearest index entry), cuts itself at a batch boundary, and keeps the running max timestamp that
 * retention and segment.ms go by. The bytes are validated by the partition log before `append`,
 * and by recovery (segment-recovery.ts) when loaded after a crash.
 */
import {
  BATCH_HEADER_SIZE,
  BASE_OFFSET,
  LAST_OFFSET_DELTA,
  MAX_TIMESTAMP,
  batchSizeAt,
  readInt64,
} from '../record/record-batch.js';
import { SCAN_HEADER_BYTES } from './batch-scan.js';
import { findSegmentBatchByTimestamp, readSegment } from './segment-read.js';
import { LogFile } from './log-file.js';
import type { MappingBudget } from './mapping-budget.js';
import { OffsetIndex } from './offset-index.js';
import { segmentFilePath } from './segment-files.js';
import { TimeIndex } from './time-index.js';
import fs from 'node:fs';
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
  private offsetIdx: OffsetIndex | undefined;
  private timeIdx: TimeIndex | undefined;
  private bytesSinceLastIndexEntry = 0;
  private maxTs: number | undefined;
  private offsetOfMaxTs = -1;
  private readonly header = Buffer.allocUnsafe(SCAN_HEADER_BYTES);
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
    private writable: boolean,
    /** When the segment was created or loaded; segment.ms counts from here while it is empty. */
    readonly createdMs: number,
  ) {}

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
    if (writable && segment.readHeader(0)) {
      // segment.ms counts from the first batch's timestamp, as before the restart.
      segment.rollingBasedTimestamp = readInt64(segment.header, MAX_TIMESTAMP);
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
    return this.writable;
  }

  get offsetIndex(): OffsetIndex {
    this.offsetIdx ??= OffsetIndex.open(
      segmentFilePath(this.dir, this.baseOffset, 'index'),
      this.baseOffset,
      {
        maxIndexBytes: this.config.maxIndexBytes,
        writable: this.writable,
      },
    );
    return this.offsetIdx;
  }

  get timeIndex(): TimeIndex {
    this.timeIdx ??= TimeIndex.open(
      segmentFilePath(this.dir, this.baseOffset, 'timeindex'),
      this.baseOffset,
      {
        maxIndexBytes: this.config.maxIndexBytes,
        writable: this.writable,
      },
    );
    return this.timeIdx;
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
    try {
      const offsets = this.offsetIndex;
      const times = this.timeIndex;
      if (offsets.entries > 0) {
        if (offsets.lastOffset < this.baseOffset || offsets.lastOffset >= endOffset)
          return `offset index ends at offset ${offsets.lastOffset}, outside [${this.baseOffset}, ${endOffset})`;
        if (offsets.lastPosition >= this.size)
          return `offset index points at position ${offsets.lastPosition} of a ${this.size}-byte log`;
      }
      // A batch that starts more than index.interval.bytes into the log always gets an entry: an
      // empty index over such a log was lost (emptied), and every read would scan from the start.
      if (offsets.entries === 0 && !this.writable && this.size > this.config.indexIntervalBytes) {
        const start = this.batchStartPast(this.config.indexIntervalBytes);
        if (start !== undefined)
          return `the offset index is empty, yet a batch starts at position ${start} of the log`;
      }
      if (times.entries > 0 && (times.lastOffset < this.baseOffset || times.lastOffset >= endOffset))
        return `time index ends at offset ${times.lastOffset}, outside [${this.baseOffset}, ${endOffset})`;
      if (full) {
        offsets.sanityCheck();
        times.sanityCheck();
      }
      return undefined;
    } catch (err) {
      return (err as Error).message;
    }
  }

  /** Largest timestamp in the segment, -1 when unknown (from the time index after a restart). */
  get maxTimestamp(): number {
    this.loadMaxTimestamp();
    return this.maxTs ?? -1;
  }

  /** Retention age basis: the largest record timestamp, or the file's mtime when none is known. */
  largestTimestamp(): number {
    const ts = this.maxTimestamp;
    return ts >= 0 ? ts : this.file.mtimeMs();
  }

  private loadMaxTimestamp(): void {
    if (this.maxTs !== undefined) return;
    const last = this.timeIndex.lastEntry;
    this.maxTs = last.timestamp;
    this.offsetOfMaxTs = last.timestamp >= 0 ? last.offset : -1;
  }

  /**
   * Appends whole batches that already carry their final offsets, in one write. On failure nothing
   * becomes visible: the size and indexes move only after the bytes are written.
   */
  append(chunks: Buffer | readonly Buffer[]): void {
    if (!this.writable) throw new StorageError(`segment ${this.logPath} is not the active segment`);
    const list = Buffer.isBuffer(chunks) ? [chunks] : chunks;
    const start = this.file.append(list);
    const before = [
      this.maxTs,
      this.offsetOfMaxTs,
      this.bytesSinceLastIndexEntry,
      this.rollingBasedTimestamp,
    ] as const;
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
      this.offsetIndex.truncateTo(firstOffset);
      this.timeIndex.truncateTo(firstOffset);
      [this.maxTs, this.offsetOfMaxTs, this.bytesSinceLastIndexEntry, this.rollingBasedTimestamp] = before;
      throw err;
    }
  }

  /**
   * Records one batch that now sits at `position`: the sparse index entries every
   * indexIntervalBytes, and the running max timestamp. Used by append and by recovery.
   */
  indexBatch(position: number, lastOffset: number, maxTimestamp: number, size: number): void {
    this.loadMaxTimestamp();
    if (this.rollingBasedTimestamp === undefined && position === 0) this.rollingBasedTimestamp = maxTimestamp;
    if (maxTimestamp > (this.maxTs ?? -1)) {
      this.maxTs = maxTimestamp;
      this.offsetOfMaxTs = lastOffset;
    }
    if (this.bytesSinceLastIndexEntry > this.config.indexIntervalBytes) {
      // A full index takes no more entries: the index is sparse, a missing entry only makes a scan
      // longer, and the next append rolls the segment (isFullFor).
      if (!this.offsetIndex.isFull) this.offsetIndex.append(lastOffset, position);
      if (!this.timeIndex.isFull) this.timeIndex.maybeAppend(this.maxTs ?? -1, this.offsetOfMaxTs);
      this.bytesSinceLastIndexEntry = 0;
    }
    this.bytesSinceLastIndexEntry += size;
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

  /** Reads the batch header at `position` into `this.header`; false past the end. */
  /** The position of the first batch that starts past `bytes`, walking headers from 0; undefined if none. */
  private batchStartPast(bytes: number): number | undefined {
    let position = 0;
    while (position <= bytes) {
      if (!this.readHeader(position)) return undefined;
      const size = batchSizeAt(this.header, 0);
      if (size <= 0) return undefined;
      position += size;
    }
    return position + SCAN_HEADER_BYTES <= this.size ? position : undefined;
  }

  private readHeader(position: number): boolean {
    if (position + SCAN_HEADER_BYTES > this.size) return false;
    return this.file.readSync(position, this.header) === SCAN_HEADER_BYTES;
  }

  /**
   * From the batch boundary `position`, walks batch headers while `keepGoing(lastOffset)` holds and
   * stops at `limit`. Returns where it stopped and the offset after the last batch passed.
   */
  private walkHeaders(
    position: number,
    limit: number,
    keepGoing: (lastOffset: number) => boolean,
  ): [number, number] {
    let next = -1;
    while (position < limit && this.readHeader(position)) {
      const last = readInt64(this.header, BASE_OFFSET) + this.header.readInt32BE(LAST_OFFSET_DELTA);
      if (!keepGoing(last)) break;
      next = last + 1;
      position += batchSizeAt(this.header, 0);
    }
    return [position, next];
  }

  /**
   * The offset after the last batch, found from the last index entry and a short scan — what a
   * cleanly closed segment needs at load, without reading the whole file.
   */
  readNextOffset(): number {
    const from = this.offsetIndex.lookupPosition(Number.MAX_SAFE_INTEGER);
    const [, next] = this.walkHeaders(from, this.size, () => true);
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
    const header = Buffer.allocUnsafe(BATCH_HEADER_SIZE);
    let position = this.offsetIndex.lookupPosition(fromOffset);
    while (
      position + BATCH_HEADER_SIZE <= this.size &&
      this.file.readSync(position, header) === BATCH_HEADER_SIZE
    ) {
      if (readInt64(header, BASE_OFFSET) + header.readInt32BE(LAST_OFFSET_DELTA) >= fromOffset) visit(header);
      position += batchSizeAt(header, 0);
    }
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
    if (this.writable) return;
    for (const kind of ['index', 'timeindex'] as const)
      fs.rmSync(segmentFilePath(this.dir, this.baseOffset, kind), { force: true });
  }

  /** Drops every index entry and the running timestamps; recovery re-adds them batch by batch. */
  resetIndexes(): void {
    this.offsetIndex.reset();
    this.timeIndex.reset();
    this.bytesSinceLastIndexEntry = 0;
    this.maxTs = -1;
    this.offsetOfMaxTs = -1;
    this.rollingBasedTimestamp = undefined;
  }

  /**
   * Removes every batch at or after the batch holding `offset` (a batch is kept or dropped whole).
   * Returns the bytes removed.
   */
  truncateTo(offset: number): number {
    const from = this.offsetIndex.lookupPosition(offset);
    const [position] = this.walkHeaders(from, this.size, (last) => last < offset);
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
    const nextOffset = this.offsetAt(position);
    this.file.truncate(position);
    // Index entries at or past the cut describe batches that are gone.
    this.offsetIndex.truncateTo(nextOffset);
    this.timeIndex.truncateTo(nextOffset);
    this.recomputeMaxTimestamp();
    this.bytesSinceLastIndexEntry = 0;
    if (position === 0) this.rollingBasedTimestamp = undefined;
    return removed;
  }

  /**
   * The max timestamp after a cut: the last time index entry, then every batch after it — the
   * batches past the last entry may hold a later timestamp than the entry does.
   */
  private recomputeMaxTimestamp(): void {
    const last = this.timeIndex.lastEntry;
    this.maxTs = last.timestamp;
    this.offsetOfMaxTs = last.timestamp >= 0 ? last.offset : -1;
    this.walkHeaders(
      this.offsetIndex.lookupPosition(Math.max(last.offset, this.baseOffset)),
      this.size,
      (lastOffset) => {
        const ts = readInt64(this.header, MAX_TIMESTAMP);
        if (ts > (this.maxTs ?? -1)) {
          this.maxTs = ts;
          this.offsetOfMaxTs = lastOffset;
        }
        return true;
      },
    );
  }

  /** The offset of the batch that starts at the boundary `position` (the next offset at the end). */
  private offsetAt(position: number): number {
    let from = 0;
    const idx = this.offsetIndex;
    for (let i = idx.entries - 1; i >= 0; i--) {
      const entry = idx.entryAt(i);
      if (entry.position < position) {
        from = entry.position;
        break;
      }
    }
    const [, next] = this.walkHeaders(from, position, () => true);
    return next >= 0 ? next : this.baseOffset;
  }

  /**
   * The segment stops being the active one: a last time index entry for its max timestamp (so
   * retention knows its age after a restart), indexes trimmed to their entries, read-only from now.
   */
  onBecomeInactive(): void {
    this.loadMaxTimestamp();
    const maxTs = this.maxTs ?? -1;
    if (maxTs >= 0 && !this.timeIndex.isFull) this.timeIndex.maybeAppend(maxTs, this.offsetOfMaxTs);
    this.offsetIndex.trimToValidSize();
    this.timeIndex.trimToValidSize();
    this.writable = false;
    // The next read maps the file at its exact size instead of the roll size.
    this.file.unmap();
  }

  /**
   * Makes a closed-off segment the active one again (a truncation reached back into it). The same
   * .log file stays open; the indexes reopen for appends.
   */
  makeWritable(): void {
    if (this.writable) return;
    this.offsetIdx?.close();
    this.timeIdx?.close();
    this.offsetIdx = undefined;
    this.timeIdx = undefined;
    this.writable = true;
    this.recomputeMaxTimestamp();
    this.bytesSinceLastIndexEntry = 0;
  }

  /** Writes the log and indexes to disk (fdatasync + msync). */
  flush(): void {
    this.file.flush();
    this.offsetIdx?.flush();
    this.timeIdx?.flush();
  }

  /** The same as flush, with the log's fdatasync off the event loop. */
  async flushAsync(): Promise<void> {
    await this.file.flushAsync();
    this.offsetIdx?.flush();
    this.timeIdx?.flush();
  }

  /** Closes the files; a clean close trims indexes and records the last timestamp entry. */
  close(): void {
    if (this.writable) this.onBecomeInactive();
    this.offsetIdx?.close();
    this.timeIdx?.close();
    this.file.close();
  }

  /** Closes and removes all of the segment's files. Mapped slices still held stay readable. */
  delete(): void {
    this.offsetIdx?.close();
    this.timeIdx?.close();
    for (const kind of ['index', 'timeindex'] as const) {
      fs.rmSync(segmentFilePath(this.dir, this.baseOffset, kind), { force: true });
    }
    this.file.delete();
  }
}
