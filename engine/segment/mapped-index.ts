/**
 * The shared base of the two sparse index files (`.index`, `.timeindex`): fixed-size entries
 * sorted by offset, memory-mapped, binary-searched. Subclasses own the byte layouts; this class
 * owns the file, the mapping and the entry count.
 *
 * - Writable (active segment): mapped read-write, the mapping starting small and doubling as
 *   entries come (up to `maxIndexBytes`); the file itself grows with real zero blocks in chunks
 *   just ahead of the next entry, so opening is cheap and a full disk fails an append
 *   (DiskFullError) instead of SIGBUS. Slots past the last entry stay zero.
 * - Read-only (older segments): opening reads one entry; the mapping is made on first lookup.
 * - `trimToValidSize()` cuts the file to its entries when the segment stops being active.
 * - No descriptor is kept: appends write through the mapping, flushes msync it, and the file is
 *   opened only for the moments it must grow, shrink or be mapped anew. A broker with thousands
 *   of idle partitions holds no descriptor for their indexes.
 *
 * Nothing here touches a mapped byte at or past `entries * entrySize`, and no view of the mapping
 * leaves this class, so shrinking the file under a live mapping is safe.
 *
 * Which entries count on open, and the sanity check: index-validation.ts. The warm-section
 * search: index-search.ts.
 */
import fs from 'node:fs';
import {
  CorruptIndexError,
  IndexAppendError,
  InvalidConfigError,
  LogClosedError,
  StorageError,
} from '../errors.js';
import { type EntryKey, WARM_SECTION_BYTES, findLargestLowerBound } from './index-search.js';
import { type EntryProblem, checkIndexFile, countValidEntries } from './index-validation.js';
import { MAX_MAPPING_BYTES, adviseRandom, extendWithZeros, mapFile, syncMapped } from './mapped-file.js';

export { WARM_SECTION_BYTES } from './index-search.js';
export type { EntryKey } from './index-search.js';

/** How far ahead of the last entry a writable index file is grown with real blocks. */
export const DEFAULT_PREALLOCATE_CHUNK_BYTES = 64 * 1024;

export interface IndexOptions {
  /** `segment.index.bytes`: the most bytes the index may hold, rounded down to whole entries. */
  maxIndexBytes: number;
  /** Open for appends (active segment); otherwise read-only, mapped on first lookup. */
  writable: boolean;
  /** Growth step of the file while writable; default DEFAULT_PREALLOCATE_CHUNK_BYTES. */
  preallocateChunkBytes?: number;
}

/** What the base class needs to know about a subclass's byte layout. */
export interface IndexLayout {
  readonly entrySize: number;
  /** The entry's offset relative to the base offset; non-decreasing over the entries. */
  readonly relativeOffset: EntryKey;
  /** Why the entry at `pos` is invalid after the one at `prevPos` (-1 for entry 0), or undefined. */
  readonly problem: EntryProblem;
}

const INT32_MAX = 2 ** 31 - 1;

export abstract class MappedIndex {
  readonly baseOffset: number;
  readonly maxEntries: number;
  /** A copy of the last entry (all zeros when empty), so `lastOffset` and friends need no mapping. */
  protected readonly lastEntryBytes: Buffer;
  private readonly layout: IndexLayout;
  private readonly entrySize: number;
  private readonly chunkEntries: number;
  private readonly warmEntries: number;
  private filePath: string;
  /** Appends allowed (the active segment's index). */
  private writable = false;
  private map: Buffer | undefined;
  private mapWritable = false;
  /** Entries the writable mapping covers; it grows by doubling (see ensureWritableMap). */
  private mapCapacity = 0;
  private fileBytes = 0;
  private count = 0;
  /** Slots written or zeroed since the last flush; flush syncs [0, dirtyEntries). */
  private dirtyEntries = 0;
  private closed = false;

  protected constructor(path: string, baseOffset: number, layout: IndexLayout, options: IndexOptions) {
    const es = layout.entrySize;
    const { maxIndexBytes } = options;
    if (!Number.isInteger(maxIndexBytes) || maxIndexBytes < es || maxIndexBytes > MAX_MAPPING_BYTES) {
      throw new InvalidConfigError(
        'segment.index.bytes',
        `${maxIndexBytes} must be an integer in [${es}, ${MAX_MAPPING_BYTES}]`,
      );
    }
    const chunk = options.preallocateChunkBytes ?? DEFAULT_PREALLOCATE_CHUNK_BYTES;
    this.filePath = path;
    this.baseOffset = baseOffset;
    this.layout = layout;
    this.entrySize = es;
    this.maxEntries = Math.floor(maxIndexBytes / es);
    this.chunkEntries = Math.max(2, Math.floor(chunk / es));
    this.warmEntries = Math.floor(WARM_SECTION_BYTES / es);
    this.lastEntryBytes = Buffer.alloc(es);

    const fd = openFile(path, options.writable ? 'r+' : 'r', options.writable);
    try {
      this.fileBytes = fs.fstatSync(fd).size;
      this.count = countValidEntries(fd, Math.floor(this.fileBytes / es), layout, this.lastEntryBytes);
      if (options.writable) this.becomeWritable(fd);
    } catch (err) {
      throw err instanceof CorruptIndexError || err instanceof StorageError
        ? err
        : new StorageError(`cannot open index ${path}`, err);
    } finally {
      closeQuietly(fd);
    }
  }

  get path(): string {
    return this.filePath;
  }
  get entries(): number {
    return this.count;
  }
  get isFull(): boolean {
    return this.count >= this.maxEntries;
  }
  get sizeInBytes(): number {
    return this.count * this.entrySize;
  }
  get isWritable(): boolean {
    return this.writable;
  }
  /** Whether the file is mapped now (read-only indexes map on first lookup). */
  get isMapped(): boolean {
    return this.map !== undefined;
  }
  get isClosed(): boolean {
    return this.closed;
  }

  /** Whether `offset` can be stored in this index (its relative offset fits an int32). */
  canAppendOffset(offset: number): boolean {
    const rel = offset - this.baseOffset;
    return Number.isInteger(rel) && rel >= 0 && rel <= INT32_MAX;
  }

  /** Drops every entry whose offset is >= `offset`. */
  truncateTo(offset: number): void {
    const rel = offset - this.baseOffset;
    this.truncateToEntries(rel <= 0 ? 0 : this.largestLowerBound(rel - 1, this.layout.relativeOffset) + 1);
  }

  /** Keeps the first `n` entries. */
  truncateToEntries(n: number): void {
    this.checkOpen();
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`cannot truncate to ${n} entries`);
    if (n >= this.count) return;
    const es = this.entrySize;
    const buf = this.mapped();
    if (n > 0) buf.copy(this.lastEntryBytes, 0, (n - 1) * es, n * es);
    else this.lastEntryBytes.fill(0);
    if (this.writable) {
      // Zero what is dropped so a crash before the next flush cannot bring those entries back.
      buf.fill(0, n * es, this.count * es);
      this.dirtyEntries = Math.max(this.dirtyEntries, this.count);
    } else if (this.fileBytes > n * es) {
      // Read-only: nothing past n is touched again (see the top), so the file may shrink under the mapping.
      try {
        fs.truncateSync(this.filePath, n * es);
      } catch (err) {
        throw new StorageError(`cannot truncate index ${this.filePath}`, err);
      }
      this.fileBytes = n * es;
    }
    this.count = n;
  }

  /** Drops every entry. */
  reset(): void {
    this.truncateToEntries(0);
  }

  /**
   * Shrinks the file to exactly its entries and stops appends (segment no longer active). Safe
   * although mapped: nothing past the entries is ever touched (see the top of this file).
   */
  trimToValidSize(): void {
    this.checkOpen();
    const exact = this.count * this.entrySize;
    try {
      if (this.writable) {
        if (this.fileBytes !== exact) fs.truncateSync(this.filePath, exact);
        this.writable = false;
      } else if (this.fileBytes > exact) {
        fs.truncateSync(this.filePath, exact);
      }
    } catch (err) {
      throw new StorageError(`cannot trim index ${this.filePath}`, err);
    }
    this.fileBytes = exact;
  }

  /** Opens a read-only or trimmed index for appends again (its segment became the active one). */
  makeWritable(): void {
    this.checkOpen();
    if (this.writable) return;
    const fd = openFile(this.filePath, 'r+', false);
    try {
      this.fileBytes = fs.fstatSync(fd).size;
      if (this.fileBytes < this.count * this.entrySize) {
        throw new CorruptIndexError(
          this.filePath,
          `file shrank to ${this.fileBytes} bytes under ${this.count} entries`,
        );
      }
      this.becomeWritable(fd);
    } catch (err) {
      throw err instanceof CorruptIndexError || err instanceof StorageError
        ? err
        : new StorageError(`cannot reopen index ${this.filePath} for appends`, err);
    } finally {
      closeQuietly(fd);
    }
  }

  /** msync of the entries written (or zeroed) since the last flush; blocks until they are on disk. */
  flush(): void {
    if (this.closed || !this.mapWritable || this.map === undefined) return;
    const end = Math.min(this.dirtyEntries * this.entrySize, this.fileBytes);
    if (end > 0) syncMapped(this.map.subarray(0, end), true);
    this.dirtyEntries = 0;
  }

  /** Flushes, optionally trims the file to its entries, and drops the file and the mapping. */
  close(options: { trim?: boolean } = {}): void {
    if (this.closed) return;
    this.flush();
    if (options.trim) this.trimToValidSize();
    this.release();
  }

  /** Closes (without flushing) and removes the file; false when it did not exist. */
  deleteFile(): boolean {
    this.release();
    try {
      fs.unlinkSync(this.filePath);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw new StorageError(`cannot delete index ${this.filePath}`, err);
    }
  }

  /** Renames the file; an open mapping stays valid. */
  renameTo(newPath: string): void {
    try {
      fs.renameSync(this.filePath, newPath);
    } catch (err) {
      throw new StorageError(`cannot rename index ${this.filePath} to ${newPath}`, err);
    }
    this.filePath = newPath;
  }

  /** Throws CorruptIndexError unless the file length is whole entries and every entry follows the last. */
  sanityCheck(): void {
    this.checkOpen();
    checkIndexFile(this.filePath, this.count, this.layout, () => this.mapped());
  }

  /**
   * The index of the last entry whose key is <= target, or -1. Keys must be non-decreasing. Searches
   * the warm section (the last WARM_SECTION_BYTES of entries) first, so recent targets touch only hot pages.
   */
  protected largestLowerBound(target: number, key: EntryKey): number {
    this.checkOpen();
    if (this.count === 0) return -1;
    return findLargestLowerBound(this.mapped(), this.count, this.entrySize, this.warmEntries, target, key);
  }

  /** Byte position of entry `i`; throws RangeError outside [0, entries). */
  protected entryPosition(i: number): number {
    if (!Number.isInteger(i) || i < 0 || i >= this.count) {
      throw new RangeError(`index entry ${i} out of range [0, ${this.count})`);
    }
    return i * this.entrySize;
  }

  /** The mapping, made now if this is a read-only index's first read. Only call with entries > 0. */
  protected mapped(): Buffer {
    if (this.map !== undefined) return this.map;
    this.checkOpen();
    const fd = openFile(this.filePath, 'r', false);
    try {
      this.map = mapFile(fd, this.count * this.entrySize, false);
      adviseRandom(this.map);
    } finally {
      closeQuietly(fd);
    }
    return this.map;
  }

  /**
   * Checks that one more entry fits, grows the file if the next slot is past its end, and returns
   * the byte position to write the entry at. The subclass writes it, then calls commitEntry().
   */
  protected reserveEntry(): number {
    if (this.closed) throw new IndexAppendError(this.filePath, 'index is closed');
    if (!this.writable) throw new IndexAppendError(this.filePath, 'index is read-only');
    if (this.count >= this.maxEntries) {
      throw new IndexAppendError(this.filePath, `index is full (${this.maxEntries} entries)`);
    }
    const es = this.entrySize;
    if ((this.count + 1) * es > this.fileBytes) {
      const capacity = Math.max(this.maxEntries, this.count);
      const target = Math.min(capacity, Math.ceil((this.count + 1) / this.chunkEntries) * this.chunkEntries);
      this.withFd((fd) => {
        extendWithZeros(fd, this.fileBytes, target * es, this.filePath);
        this.fileBytes = target * es;
        this.ensureWritableMap(this.count + 1, fd);
      });
    }
    if (!this.mapWritable || this.map === undefined || this.mapCapacity < this.count + 1)
      this.withFd((fd) => this.ensureWritableMap(this.count + 1, fd));
    return this.count * es;
  }

  protected commitEntry(): void {
    const pos = this.count * this.entrySize;
    (this.map as Buffer).copy(this.lastEntryBytes, 0, pos, pos + this.entrySize);
    this.count++;
    if (this.count > this.dirtyEntries) this.dirtyEntries = this.count;
  }

  protected checkOpen(): void {
    if (this.closed) throw new LogClosedError(`index ${this.filePath}`);
  }

  /**
   * Opens the index for appends through `fd` (which the caller closes): cuts anything past the
   * entries (so every slot past the last entry is zero, see the top) and maps read-write.
   */
  private becomeWritable(fd: number): void {
    const exact = this.count * this.entrySize;
    if (this.fileBytes > exact) {
      fs.ftruncateSync(fd, exact);
      this.fileBytes = exact;
    }
    this.writable = true;
    if (!this.mapWritable) this.mapCapacity = 0;
    this.ensureWritableMap(Math.max(this.count, 1), fd);
  }

  /** Runs `use` with the file open for writing, closed again after. */
  private withFd<T>(use: (fd: number) => T): T {
    const fd = openFile(this.filePath, 'r+', false);
    try {
      return use(fd);
    } finally {
      closeQuietly(fd);
    }
  }

  /**
   * Maps read-write enough for `entries` entries. The mapping starts small and doubles: V8 counts
   * a mapping's whole size as external memory, and thousands of active segments each mapping
   * segment.index.bytes up front would keep the garbage collector busy for nothing. The mapping
   * may reach past the end of the file; only slots below the file's size are ever touched.
   */
  private ensureWritableMap(entries: number, fd: number): void {
    if (this.mapWritable && this.map !== undefined && this.mapCapacity >= entries) return;
    const limit = Math.max(this.maxEntries, this.count);
    const capacity = Math.min(limit, Math.max(entries, this.chunkEntries * 2, this.mapCapacity * 2));
    this.map = mapFile(fd, capacity * this.entrySize, true);
    adviseRandom(this.map);
    this.mapWritable = true;
    this.mapCapacity = capacity;
  }

  private release(): void {
    this.writable = false;
    // No unmap exists: dropping the reference lets GC unmap it (see ARCHITECTURE.md).
    this.map = undefined;
    this.mapWritable = false;
    this.closed = true;
  }
}

function openFile(path: string, flags: 'r' | 'r+', create: boolean): number {
  try {
    return fs.openSync(path, create ? fs.constants.O_RDWR | fs.constants.O_CREAT : flags);
  } catch (err) {
    throw new StorageError(`cannot open index ${path}`, err);
  }
}

function closeQuietly(fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    // Closing is best effort; the fd is gone either way.
  }
}
