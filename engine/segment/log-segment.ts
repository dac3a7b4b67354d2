/**
 * One segment of a partition log: `<base>.log` plus its sparse `.index` and `.timeindex`
 * (file names in segment-files.ts, index layouts in offset-index.ts and time-index.ts).
 *
 * Writes go through fs writes, never through a mapping: a full disk then surfaces as an error and
 * not as SIGBUS. Reads of data in the page cache are slices of a read-only mapping of the log file
 * (zero-copy); reads of cold data use an async read so a page fault never stalls the event loop.
 * A file that has ever been mapped is never truncated in place (a slice still on its way to a
 * socket would fault): it is replaced by a truncated copy instead.
 *
 * Sizes and offsets are tracked here; the bytes themselves are validated by the partition log
 * before they reach `append` and by recovery (segment-recovery.ts) when loaded after a crash.
 */
import fs from 'node:fs';
import { DiskFullError, StorageError } from '../errors.js';
import { LAST_OFFSET_DELTA, MAX_TIMESTAMP, BASE_OFFSET, batchSizeAt, readInt64 } from '../record/record-batch.js';
import { SCAN_HEADER_BYTES, ScanResult, scanReadEnd, scanToOffset, scanToTimestamp } from './batch-scan.js';
import { MAX_MAPPING_BYTES, isResident, mapFile } from './mapped-file.js';
import { type Mappable, type MappingBudget } from './mapping-budget.js';
import { OffsetIndex } from './offset-index.js';
import { segmentFilePath } from './segment-files.js';
import { TimeIndex } from './time-index.js';

export interface SegmentConfig {
  /** Roll size; also the size of the active segment's mapping. */
  segmentBytes: number;
  /** Bytes of batches between two index entries. */
  indexIntervalBytes: number;
  /** Largest size of each index file. */
  maxIndexBytes: number;
}

/** A read from one segment: whole batches as one Buffer slice. */
export interface SegmentSlice {
  records: Buffer;
  /** File position of the first batch. */
  position: number;
  /** Base offset of the first batch (may be below the offset asked for). */
  firstOffset: number;
}

/** How far past an index entry a scan may have to go before it finds its batch header. */
const COLD_SCAN_WINDOW = 64 * 1024;

export class LogSegment implements Mappable {
  private fd: number;
  private sizeBytes: number;
  private mapping: Buffer | undefined;
  private everMapped = false;
  private offsetIdx: OffsetIndex | undefined;
  private timeIdx: TimeIndex | undefined;
  private bytesSinceLastIndexEntry = 0;
  private maxTs: number | undefined;
  private offsetOfMaxTs = -1;
  private pendingReads = 0;
  private closeWhenIdle = false;
  private readonly scan = new ScanResult();
  /** Max timestamp of the first batch: what segment.ms rolls by (undefined: no batch yet). */
  rollingBasedTimestamp: number | undefined;
  /** When the segment was created or loaded; segment.ms counts from here while it is empty. */
  readonly createdMs: number;
  private writable: boolean;

  private constructor(
    readonly dir: string,
    readonly baseOffset: number,
    private readonly config: SegmentConfig,
    private readonly budget: MappingBudget,
    fd: number,
    size: number,
    writable: boolean,
    now: number,
  ) {
    this.fd = fd;
    this.sizeBytes = size;
    this.writable = writable;
    this.createdMs = now;
  }

  /** Creates a new, empty, active segment. Stale index files with the same base are replaced. */
  static create(dir: string, baseOffset: number, config: SegmentConfig, budget: MappingBudget, now = Date.now()): LogSegment {
    const logPath = segmentFilePath(dir, baseOffset, 'log');
    for (const kind of ['index', 'timeindex'] as const) fs.rmSync(segmentFilePath(dir, baseOffset, kind), { force: true });
    const fd = openOrThrow(logPath, 'w+');
    return new LogSegment(dir, baseOffset, config, budget, fd, 0, true, now);
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
    const fd = openOrThrow(segmentFilePath(dir, baseOffset, 'log'), 'r+');
    const size = fs.fstatSync(fd).size;
    const segment = new LogSegment(dir, baseOffset, config, budget, fd, size, writable, now);
    if (writable && size >= SCAN_HEADER_BYTES) {
      // segment.ms counts from the first batch's timestamp, as before the restart.
      const header = Buffer.allocUnsafe(SCAN_HEADER_BYTES);
      segment.readSync(0, header);
      segment.rollingBasedTimestamp = readInt64(header, MAX_TIMESTAMP);
    }
    return segment;
  }

  get size(): number {
    return this.sizeBytes;
  }
  get logPath(): string {
    return segmentFilePath(this.dir, this.baseOffset, 'log');
  }
  get isWritable(): boolean {
    return this.writable;
  }

  get offsetIndex(): OffsetIndex {
    this.offsetIdx ??= OffsetIndex.open(segmentFilePath(this.dir, this.baseOffset, 'index'), this.baseOffset, {
      maxIndexBytes: this.config.maxIndexBytes,
      writable: this.writable,
    });
    return this.offsetIdx;
  }

  get timeIndex(): TimeIndex {
    this.timeIdx ??= TimeIndex.open(segmentFilePath(this.dir, this.baseOffset, 'timeindex'), this.baseOffset, {
      maxIndexBytes: this.config.maxIndexBytes,
      writable: this.writable,
    });
    return this.timeIdx;
  }

  /** Largest timestamp in the segment, -1 when unknown (from the time index after a restart). */
  get maxTimestamp(): number {
    this.loadMaxTimestamp();
    return this.maxTs ?? -1;
  }
  get offsetOfMaxTimestamp(): number {
    this.loadMaxTimestamp();
    return this.offsetOfMaxTs;
  }

  /** Retention age basis: the largest record timestamp, or the file's mtime when none is known. */
  largestTimestamp(): number {
    const ts = this.maxTimestamp;
    return ts >= 0 ? ts : fs.fstatSync(this.fd).mtimeMs;
  }

  private loadMaxTimestamp(): void {
    if (this.maxTs !== undefined) return;
    const last = this.timeIndex.lastEntry;
    this.maxTs = last.timestamp;
    this.offsetOfMaxTs = last.timestamp >= 0 ? last.offset : -1;
  }

  /**
   * Appends whole batches that already carry their final offsets. `chunks` go out in one write
   * (writev); on failure nothing becomes visible: the size and indexes are only advanced after the
   * bytes are written, and the next append overwrites any partial bytes.
   */
  append(chunks: Buffer | readonly Buffer[]): void {
    if (!this.writable) throw new StorageError(`segment ${this.logPath} is not the active segment`);
    const list = Buffer.isBuffer(chunks) ? [chunks] : chunks;
    const start = this.sizeBytes;
    writeAllv(this.fd, list, start, this.logPath);
    let position = start;
    for (const chunk of list) {
      for (let at = 0; at < chunk.length; ) {
        const size = batchSizeAt(chunk, at);
        const lastOffset = readInt64(chunk, at + BASE_OFFSET) + chunk.readInt32BE(at + LAST_OFFSET_DELTA);
        this.indexBatch(position, lastOffset, readInt64(chunk, at + MAX_TIMESTAMP), size);
        position += size;
        at += size;
      }
    }
    this.sizeBytes = position;
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
      this.offsetIndex.append(lastOffset, position);
      this.timeIndex.maybeAppend(this.maxTs ?? -1, this.offsetOfMaxTs);
      this.bytesSinceLastIndexEntry = 0;
    }
    this.bytesSinceLastIndexEntry += size;
  }

  /** Whether appending `bytes` more with offsets up to `lastOffset` would need a new segment. */
  isFullFor(bytes: number, lastOffset: number): boolean {
    if (this.sizeBytes > 0 && this.sizeBytes + bytes > this.config.segmentBytes) return true;
    if (lastOffset - this.baseOffset > 0x7fff_ffff) return true;
    return this.offsetIndex.isFull || this.timeIndex.isFull;
  }

  /**
   * Reads whole batches starting with the one that holds `startOffset`, up to `maxBytes` (at least
   * one batch when `minOneBatch`) and only batches wholly below `upToOffset`. Undefined when the
   * segment holds nothing at or after `startOffset` below `upToOffset`.
   */
  async read(startOffset: number, maxBytes: number, upToOffset: number, minOneBatch: boolean): Promise<SegmentSlice | undefined> {
    const limit = this.sizeBytes;
    if (limit === 0) return undefined;
    const from = this.offsetIndex.lookup(startOffset).position;
    const map = this.hotMapping(from, Math.min(limit, from + this.config.indexIntervalBytes + SCAN_HEADER_BYTES + COLD_SCAN_WINDOW));
    if (map) {
      const found = scanToOffset(map, 0, from, limit, startOffset, this.scan);
      if (found.status !== 'found') return undefined;
      const position = found.position;
      const firstOffset = found.baseOffset;
      const end = scanReadEnd(map, 0, position, limit, maxBytes, upToOffset, minOneBatch);
      if (end === position) return undefined;
      const records = map.subarray(position, end);
      if (isResident(records)) return { records, position, firstOffset };
    }
    return this.coldRead(from, limit, startOffset, maxBytes, upToOffset, minOneBatch);
  }

  /** The same as `read`, through async reads only: data that is not in the page cache. */
  private async coldRead(
    from: number,
    limit: number,
    startOffset: number,
    maxBytes: number,
    upToOffset: number,
    minOneBatch: boolean,
  ): Promise<SegmentSlice | undefined> {
    let position = from;
    for (;;) {
      const window = await this.readAt(position, Math.min(limit - position, COLD_SCAN_WINDOW));
      const found = scanToOffset(window, position, position, limit, startOffset, this.scan);
      if (found.status === 'end') return undefined;
      position = found.position;
      if (found.status === 'found') break;
    }
    const firstOffset = this.scan.baseOffset;
    const firstSize = this.scan.size;
    const want = Math.min(limit - position, Math.max(maxBytes, minOneBatch ? firstSize : 0));
    if (want < SCAN_HEADER_BYTES) return undefined;
    const bytes = await this.readAt(position, want);
    const end = scanReadEnd(bytes, position, position, position + bytes.length, maxBytes, upToOffset, minOneBatch);
    if (end <= position) return undefined;
    return { records: bytes.subarray(0, end - position), position, firstOffset };
  }

  /**
   * The first batch at or after `startOffset` whose max timestamp is >= `timestamp`: its base
   * offset and file position, or undefined. The caller looks inside the batch for the record.
   */
  async findBatchByTimestamp(timestamp: number, startOffset: number): Promise<SegmentSlice | undefined> {
    const limit = this.sizeBytes;
    // The entry with a timestamp strictly below the target: every batch before it is older.
    const entry = this.timeIndex.lookup(timestamp - 1);
    let position = this.offsetIndex.lookup(Math.max(entry.offset, startOffset)).position;
    for (;;) {
      if (position >= limit) return undefined;
      const window = await this.readAt(position, Math.min(limit - position, COLD_SCAN_WINDOW));
      const found = scanToTimestamp(window, position, position, limit, timestamp, this.scan);
      if (found.status === 'end') return undefined;
      position = found.position;
      if (found.status === 'found') {
        const size = found.size;
        return { records: await this.readAt(position, size), position, firstOffset: found.baseOffset };
      }
    }
  }

  /**
   * The offset after the last batch, found from the last index entry and a short scan — what a
   * cleanly closed segment needs at load, without reading the whole file.
   */
  readNextOffset(): number {
    let position = this.offsetIndex.lookup(Number.MAX_SAFE_INTEGER).position;
    let next = this.baseOffset;
    const header = Buffer.allocUnsafe(SCAN_HEADER_BYTES);
    while (position + SCAN_HEADER_BYTES <= this.sizeBytes) {
      if (fs.readSync(this.fd, header, 0, SCAN_HEADER_BYTES, position) < SCAN_HEADER_BYTES) break;
      next = readInt64(header, BASE_OFFSET) + header.readInt32BE(LAST_OFFSET_DELTA) + 1;
      position += batchSizeAt(header, 0);
    }
    return next;
  }

  /** Reads `length` bytes at `position` into a new Buffer without blocking the event loop. */
  readAt(position: number, length: number): Promise<Buffer> {
    const target = Buffer.allocUnsafe(length);
    this.pendingReads++;
    return new Promise<Buffer>((resolve, reject) => {
      fs.read(this.fd, target, 0, length, position, (err, bytesRead) => {
        this.readDone();
        if (err) reject(new StorageError(`reading ${this.logPath} at ${position}`, err));
        else resolve(bytesRead === length ? target : target.subarray(0, bytesRead));
      });
    });
  }

  /** Synchronous read for start-up work (recovery, loading), never on the request path. */
  readSync(position: number, target: Buffer): number {
    return fs.readSync(this.fd, target, 0, target.length, position);
  }

  private readDone(): void {
    this.pendingReads--;
    if (this.pendingReads === 0 && this.closeWhenIdle) this.closeFd();
  }

  /** The mapping, if the range [from, to) is in the page cache; undefined means read cold. */
  private hotMapping(from: number, to: number): Buffer | undefined {
    const map = this.ensureMapping();
    if (!map) return undefined;
    this.budget.touch(this);
    return to > from && !isResident(map.subarray(from, to)) ? undefined : map;
  }

  private ensureMapping(): Buffer | undefined {
    if (this.sizeBytes === 0) return undefined;
    if (!this.mapping || this.mapping.length < this.sizeBytes) {
      // The active segment is mapped at its full roll size once, so appends need no remap.
      const want = this.writable ? Math.max(this.config.segmentBytes, this.sizeBytes) : this.sizeBytes;
      if (want > MAX_MAPPING_BYTES) return undefined;
      this.mapping = mapFile(this.fd, want, false);
      this.everMapped = true;
    }
    return this.mapping;
  }

  releaseMapping(): void {
    this.mapping = undefined;
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
    const from = this.offsetIndex.lookup(offset).position;
    const header = Buffer.allocUnsafe(SCAN_HEADER_BYTES);
    let position = from;
    while (position + SCAN_HEADER_BYTES <= this.sizeBytes) {
      this.readSync(position, header);
      const last = readInt64(header, BASE_OFFSET) + header.readInt32BE(LAST_OFFSET_DELTA);
      if (last >= offset) break;
      position += batchSizeAt(header, 0);
    }
    return this.truncateToPosition(position);
  }

  /**
   * Recovery's cut: drops the bytes from `position` on (a torn or corrupt tail) after recovery has
   * rebuilt the indexes for the bytes before it.
   */
  discardTail(position: number): number {
    const removed = this.sizeBytes - position;
    if (removed <= 0) return 0;
    this.truncateFile(position);
    this.sizeBytes = position;
    return removed;
  }

  /** Cuts the log at a batch boundary and re-derives the indexes and timestamps below it. */
  truncateToPosition(position: number): number {
    const removed = this.sizeBytes - position;
    if (removed <= 0) return 0;
    this.truncateFile(position);
    this.sizeBytes = position;
    // Index entries at or past the cut point describe batches that are gone.
    this.offsetIndex.truncateTo(this.offsetAtOrAfter(position));
    this.timeIndex.truncateTo(this.offsetAtOrAfter(position));
    this.maxTs = undefined;
    this.loadMaxTimestamp();
    this.bytesSinceLastIndexEntry = 0;
    if (position === 0) this.rollingBasedTimestamp = undefined;
    return removed;
  }

  /** The first offset held at or after a batch boundary `position` (the next offset at the end). */
  private offsetAtOrAfter(position: number): number {
    if (position === 0) return this.baseOffset;
    // The batch before the cut is the last one kept; find it by scanning from its index entry.
    let pos = 0;
    const idx = this.offsetIndex;
    for (let i = idx.entries - 1; i >= 0; i--) {
      const entry = idx.entryAt(i);
      if (entry.position < position) {
        pos = entry.position;
        break;
      }
    }
    const header = Buffer.allocUnsafe(SCAN_HEADER_BYTES);
    let next = this.baseOffset;
    while (pos < position) {
      this.readSync(pos, header);
      next = readInt64(header, BASE_OFFSET) + header.readInt32BE(LAST_OFFSET_DELTA) + 1;
      pos += batchSizeAt(header, 0);
    }
    return next;
  }

  /** Shrinks the file; a file that was ever mapped is replaced by a truncated copy instead. */
  private truncateFile(size: number): void {
    if (!this.everMapped) {
      fs.ftruncateSync(this.fd, size);
      return;
    }
    const path = this.logPath;
    const tmp = `${path}.truncating`;
    fs.copyFileSync(path, tmp, fs.constants.COPYFILE_FICLONE);
    fs.truncateSync(tmp, size);
    const newFd = openOrThrow(tmp, 'r+');
    fs.fsyncSync(newFd);
    fs.renameSync(tmp, path);
    const oldFd = this.fd;
    this.fd = newFd;
    this.mapping = undefined;
    this.everMapped = false;
    this.budget.forget(this);
    if (this.pendingReads === 0) fs.closeSync(oldFd);
    else setTimeoutClose(oldFd, () => this.pendingReads === 0);
  }

  /**
   * The segment stops being the active one: a last time index entry for its max timestamp (so
   * retention knows its age after a restart), indexes trimmed to their entries, read-only from now.
   */
  onBecomeInactive(): void {
    this.loadMaxTimestamp();
    if ((this.maxTs ?? -1) >= 0 && !this.timeIndex.isFull) this.timeIndex.maybeAppend(this.maxTs ?? -1, this.offsetOfMaxTs);
    this.offsetIndex.trimToValidSize();
    this.timeIndex.trimToValidSize();
    this.writable = false;
    // The next read maps the file at its exact size instead of the roll size.
    this.mapping = undefined;
  }

  /** Writes the log and indexes to disk (fdatasync + msync). */
  flush(): void {
    fs.fdatasyncSync(this.fd);
    this.offsetIdx?.flush();
    this.timeIdx?.flush();
  }

  /** Asynchronous flush of the log file, for background flushes that must not block. */
  flushAsync(): Promise<void> {
    this.pendingReads++;
    return new Promise((resolve, reject) => {
      fs.fdatasync(this.fd, (err) => {
        this.readDone();
        if (err) return reject(new StorageError(`flushing ${this.logPath}`, err));
        try {
          this.offsetIdx?.flush();
          this.timeIdx?.flush();
          resolve();
        } catch (e) {
          reject(e instanceof Error ? e : new Error(String(e)));
        }
      });
    });
  }

  /** Closes the files; a clean close trims indexes and records the last timestamp entry. */
  close(): void {
    if (this.writable) this.onBecomeInactive();
    this.offsetIdx?.close();
    this.timeIdx?.close();
    this.budget.forget(this);
    this.mapping = undefined;
    if (this.pendingReads === 0) this.closeFd();
    else this.closeWhenIdle = true;
  }

  /** Closes and removes all of the segment's files. Mapped slices still held stay readable. */
  delete(): void {
    this.offsetIndex.close();
    this.timeIndex.close();
    this.offsetIdx?.deleteFile();
    this.timeIdx?.deleteFile();
    this.budget.forget(this);
    this.mapping = undefined;
    fs.rmSync(this.logPath, { force: true });
    if (this.pendingReads === 0) this.closeFd();
    else this.closeWhenIdle = true;
  }

  private closeFd(): void {
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = -1;
  }
}

function openOrThrow(path: string, flags: string): number {
  try {
    return fs.openSync(path, flags);
  } catch (err) {
    throw new StorageError(`cannot open ${path}`, err);
  }
}

/** Writes every chunk at `position`, continuing after short writes. */
function writeAllv(fd: number, chunks: readonly Buffer[], position: number, path: string): void {
  const pending = chunks.slice();
  let pos = position;
  try {
    while (pending.length > 0) {
      let written = pending.length === 1 ? fs.writeSync(fd, pending[0]!, 0, pending[0]!.length, pos) : fs.writevSync(fd, pending, pos);
      pos += written;
      while (pending.length > 0 && written >= pending[0]!.length) written -= pending.shift()!.length;
      if (written > 0 && pending.length > 0) pending[0] = pending[0]!.subarray(written);
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOSPC') throw new DiskFullError(path, err);
    throw new StorageError(`writing ${path}`, err);
  }
}

/** Closes an fd once the reads still using it are done. */
function setTimeoutClose(fd: number, idle: () => boolean): void {
  const timer = setInterval(() => {
    if (!idle()) return;
    clearInterval(timer);
    fs.closeSync(fd);
  }, 10);
  timer.unref();
}
