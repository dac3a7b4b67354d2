/**
 * A segment's `.log` file: the bytes of its record batches, and the three ways they are touched.
 *
 * - Writes go through fs writes, never through a mapping: a full disk then surfaces as an error
 *   (DiskFullError) and not as SIGBUS, and the logical size only moves once the bytes are written.
 * - Hot reads are slices of a read-only MAP_SHARED mapping (zero-copy). The process-wide
 *   MappingBudget bounds how many files are mapped; an evicted file maps again when next read.
 * - Cold reads are async reads on the libuv thread pool, so a page fault never stalls the event loop.
 *
 * A file that has ever been mapped is never truncated in place — a slice still on its way to a
 * socket would fault (SIGBUS) — it is replaced by a truncated copy instead; the old inode lives on
 * for the slices that still view it. An fd with reads in flight is closed when they finish.
 *
 * The descriptor is opened on demand and counted by the process-wide OpenFileBudget, which closes
 * the least recently used idle ones (a mapping outlives its fd): an idle partition holds none for
 * its older segments. Something outside the broker may still cut the file; `assertIntact` (one
 * fstat) lets a hot read find that out before it touches a mapped page past the end.
 */
import fs from 'node:fs';
import { DiskFullError, LogClosedError, SegmentTruncatedError, StorageError } from '../errors.js';
import { MAX_MAPPING_BYTES, isResident, mapFile, releasePages } from './mapped-file.js';
import type { Mappable, MappingBudget } from './mapping-budget.js';
import { type FdHolder, type OpenFileBudget, defaultOpenFileBudget } from './open-file-budget.js';
import { dirname } from 'node:path';

/**
 * Files (by device and inode) this process has ever mapped. A mapping outlives the LogFile that
 * made it — slices keep it alive — so "was this file ever mapped" belongs to the inode, not to
 * the object: a segment closed and opened again must still not be truncated in place.
 */
const mappedInodes = new Set<string>();

/** The smallest mapping made for a file that is still growing. */
const MIN_GROWING_MAP = 4 * 1024 * 1024;

function keyOf(stat: fs.Stats): string {
  return `${stat.dev}:${stat.ino}`;
}

function inodeKey(fd: number): string {
  return keyOf(fs.fstatSync(fd));
}

export class LogFile implements Mappable, FdHolder {
  /** The open descriptor, or -1: not opened yet, closed by the OpenFileBudget, or closed for good. */
  private fd: number;
  /** close() or delete() was called: the file is not opened again. */
  private ended = false;
  /** dev:ino of the file this object reads and writes; a reopen that finds another one drops the mapping. */
  private inode: string;
  private sizeBytes: number;
  private mapping: Buffer | undefined;
  private pendingIo = 0;
  private closeWhenIdle = false;
  lastUse = 0;

  private constructor(
    readonly path: string,
    fd: number,
    size: number,
    inode: string,
    private readonly budget: MappingBudget,
    private readonly files: OpenFileBudget,
  ) {
    this.fd = fd;
    this.sizeBytes = size;
    this.inode = inode;
    if (fd >= 0) files.opened(this);
  }

  /** A new, empty file (an existing one is emptied). It stays open: appends come next. */
  static create(path: string, budget: MappingBudget, files = defaultOpenFileBudget): LogFile {
    const fd = openOrThrow(path, 'w+');
    let inode: string;
    try {
      inode = inodeKey(fd);
    } catch (err) {
      fs.closeSync(fd);
      throw new StorageError(`cannot open ${path}`, err);
    }
    return new LogFile(path, fd, 0, inode, budget, files);
  }

  /** An existing file, by a stat only: its descriptor opens on first use. */
  static open(path: string, budget: MappingBudget, files = defaultOpenFileBudget): LogFile {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(path);
    } catch (err) {
      throw new StorageError(`cannot open ${path}`, err);
    }
    if (!stat.isFile()) throw new StorageError(`cannot open ${path}: not a regular file`);
    return new LogFile(path, -1, stat.size, keyOf(stat), budget, files);
  }

  /**
   * Where the last hot read ended (a batch boundary), or -1: a consumer that goes on reading from
   * there resumes at it instead of scanning forward from an index entry again (segment-read.ts).
   * Any shrink of the file forgets it.
   */
  lastReadEnd = -1;

  /** Bytes of whole, written batches. */
  get size(): number {
    return this.sizeBytes;
  }

  /** Whether the file holds a descriptor now (the OpenFileBudget may have closed it). */
  get hasOpenFd(): boolean {
    return this.fd >= 0;
  }

  /** FdHolder: open, and no I/O in flight that uses the descriptor. */
  get idle(): boolean {
    return this.fd >= 0 && this.pendingIo === 0 && !this.ended;
  }

  /** FdHolder: the budget closes the descriptor; the next use opens the file again. */
  closeIdle(): void {
    if (this.idle) this.closeFd();
  }

  /** The descriptor, opened again if the budget closed it. */
  private handle(): number {
    if (this.fd < 0) this.reopen();
    this.files.use(this);
    return this.fd;
  }

  private reopen(): void {
    if (this.ended) throw new LogClosedError(this.path);
    const fd = openOrThrow(this.path, 'r+');
    let inode: string;
    try {
      inode = inodeKey(fd);
    } catch (err) {
      fs.closeSync(fd);
      throw new StorageError(`cannot open ${this.path}`, err);
    }
    if (inode !== this.inode) {
      // Replaced behind the broker's back: the mapping and the resume point describe the old file.
      this.inode = inode;
      this.unmap();
      this.lastReadEnd = -1;
    }
    this.fd = fd;
    this.files.opened(this);
  }

  /**
   * Throws SegmentTruncatedError when the file on disk is shorter than the bytes written to it
   * (cut from outside the broker), so that a hot read never touches a mapped page past the end of
   * the file: that would kill the process with SIGBUS. One fstat per read.
   */
  assertIntact(): void {
    const actual = fstatOrThrow(this.handle(), this.path).size;
    if (actual >= this.sizeBytes) return;
    this.unmap();
    this.lastReadEnd = -1;
    throw new SegmentTruncatedError(this.path, this.sizeBytes, actual);
  }

  /** Writes `chunks` at the end in one writev; the size moves only when all of it is written. */
  append(chunks: readonly Buffer[]): number {
    const start = this.sizeBytes;
    const fd = this.handle();
    const pending = chunks.slice();
    let position = start;
    try {
      while (pending.length > 0) {
        const first = pending[0]!;
        let written =
          pending.length === 1
            ? fs.writeSync(fd, first, 0, first.length, position)
            : fs.writevSync(fd, pending, position);
        position += written;
        // A short write: drop what went out and go on with the rest.
        while (pending.length > 0 && written >= pending[0]!.length) written -= pending.shift()!.length;
        if (written > 0) pending[0] = pending[0]!.subarray(written);
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOSPC') throw new DiskFullError(this.path, err);
      throw new StorageError(`writing ${this.path}`, err);
    }
    this.sizeBytes = position;
    return start;
  }

  /**
   * The mapping, if the bytes [from, to) are in the page cache; undefined means read them cold.
   * A file still being appended to (`maxSize` above its size) is mapped with room to grow — twice
   * its size, up to `maxSize` — so appends seldom need a remap; V8 counts a mapping's whole size
   * as external memory, so mapping every active segment at its full roll size would keep the
   * garbage collector busy. Mapping past the end of the file is harmless while nothing touches it.
   */
  hotMapping(from: number, to: number, maxSize: number): Buffer | undefined {
    if (this.sizeBytes === 0) return undefined;
    if (!this.mapping || this.mapping.length < this.sizeBytes) {
      const size = Math.max(this.sizeBytes, Math.min(maxSize, Math.max(2 * this.sizeBytes, MIN_GROWING_MAP)));
      if (size > MAX_MAPPING_BYTES) return undefined;
      // The old mapping lives until it is garbage-collected: its pages go from the RSS now.
      if (this.mapping) releasePages(this.mapping);
      this.mapping = mapFile(this.handle(), size, false);
      mappedInodes.add(this.inode);
    }
    this.budget.touch(this);
    return to > from && !isResident(this.mapping.subarray(from, to)) ? undefined : this.mapping;
  }

  releaseMapping(): void {
    if (this.mapping) releasePages(this.mapping);
    this.mapping = undefined;
  }

  releaseResidentPages(): void {
    if (this.mapping) releasePages(this.mapping);
  }

  /** Drops the mapping and its place in the budget (the next hot read maps afresh). */
  unmap(): void {
    this.mapping = undefined;
    this.budget.forget(this);
  }

  /**
   * Runs `work` with the fd held open: a close or delete that comes meanwhile waits for it. A read
   * made of several async steps (scan, then read) holds the file across all of them this way.
   */
  async withIo<T>(work: () => Promise<T>): Promise<T> {
    this.pendingIo++;
    try {
      return await work();
    } finally {
      this.ioDone();
    }
  }

  /**
   * Reads `length` bytes at `position` into a new Buffer on the thread pool; past the size, only
   * what is there. A read that comes up short below the size means the file was cut from outside:
   * SegmentTruncatedError.
   */
  readAt(position: number, length: number): Promise<Buffer> {
    let fd: number;
    try {
      fd = this.handle();
    } catch (err) {
      return Promise.reject(err as Error);
    }
    const target = Buffer.allocUnsafe(length);
    this.pendingIo++;
    return new Promise<Buffer>((resolve, reject) => {
      fs.read(fd, target, 0, length, position, (err, bytesRead) => {
        this.ioDone();
        if (err) reject(new StorageError(`reading ${this.path} at ${position}`, err));
        else if (position + bytesRead < Math.min(position + length, this.sizeBytes))
          reject(new SegmentTruncatedError(this.path, this.sizeBytes, position + bytesRead));
        else resolve(bytesRead === length ? target : target.subarray(0, bytesRead));
      });
    });
  }

  /** Synchronous read, for start-up work (loading, recovery), never on the request path. */
  readSync(position: number, target: Buffer): number {
    return fs.readSync(this.handle(), target, 0, target.length, position);
  }

  /**
   * Takes back the bytes of an append that failed after they were written: nothing was ever read
   * from them, so no slice covers them and cutting in place is safe even when mapped.
   */
  rollback(size: number): void {
    fs.ftruncateSync(this.handle(), size);
    this.sizeBytes = size;
    this.lastReadEnd = -1;
  }

  /** Shrinks the file to `size` bytes (see the top of the file for why a mapped one is replaced). */
  truncate(size: number): void {
    const fd = this.handle();
    if (size >= this.sizeBytes && fs.fstatSync(fd).size <= size) return;
    this.lastReadEnd = -1;
    if (!mappedInodes.has(this.inode)) {
      fs.ftruncateSync(fd, size);
    } else {
      const tmp = `${this.path}.truncating`;
      fs.copyFileSync(this.path, tmp, fs.constants.COPYFILE_FICLONE);
      fs.truncateSync(tmp, size);
      const newFd = openOrThrow(tmp, 'r+');
      fs.fsyncSync(newFd);
      fs.renameSync(tmp, this.path);
      syncDirectory(dirname(this.path));
      const oldFd = this.fd;
      mappedInodes.delete(this.inode);
      this.fd = newFd;
      this.inode = inodeKey(newFd);
      this.mapping = undefined;
      this.budget.forget(this);
      this.closeWhenNoIo(oldFd);
    }
    this.sizeBytes = size;
  }

  /** fdatasync: the bytes are on disk when it returns. */
  flush(): void {
    fs.fdatasyncSync(this.handle());
  }

  /** fdatasync on the thread pool, holding the fd open until it is done. */
  flushAsync(): Promise<void> {
    return this.withIo(
      () =>
        new Promise<void>((resolve, reject) => {
          let fd: number;
          try {
            fd = this.handle();
          } catch (err) {
            return reject(err as Error);
          }
          fs.fdatasync(fd, (err) =>
            err ? reject(new StorageError(`flushing ${this.path}`, err)) : resolve(),
          );
        }),
    );
  }

  mtimeMs(): number {
    return fs.fstatSync(this.handle()).mtimeMs;
  }

  /** Closes the file once reads in flight are done. Bytes written past the size (a failed write) are cut. */
  close(): void {
    if (this.ended) return;
    if (this.diskSize() > this.sizeBytes) this.truncate(this.sizeBytes);
    this.ended = true;
    this.budget.forget(this);
    this.mapping = undefined;
    if (this.pendingIo === 0) this.closeFd();
    else this.closeWhenIdle = true;
  }

  /** Removes the file. Mapped slices still held stay readable: the inode lives until they go. */
  delete(): void {
    // The inode can never be truncated again, and a new file may reuse its number.
    mappedInodes.delete(this.inode);
    this.ended = true;
    fs.rmSync(this.path, { force: true });
    this.budget.forget(this);
    this.mapping = undefined;
    if (this.pendingIo === 0) this.closeFd();
    else this.closeWhenIdle = true;
  }

  /** The file's size on disk, without opening it when closed; -1 when it is gone or replaced. */
  private diskSize(): number {
    if (this.fd >= 0) return fs.fstatSync(this.fd).size;
    try {
      const stat = fs.statSync(this.path);
      return keyOf(stat) === this.inode ? stat.size : -1;
    } catch {
      return -1;
    }
  }

  private ioDone(): void {
    this.pendingIo--;
    if (this.pendingIo === 0 && this.closeWhenIdle) this.closeFd();
  }

  private closeFd(): void {
    if (this.fd >= 0) {
      fs.closeSync(this.fd);
      this.files.closed(this);
    }
    this.fd = -1;
  }

  /** An fd replaced by truncate() is closed when the reads that still use it are done. */
  private closeWhenNoIo(fd: number): void {
    if (this.pendingIo === 0) {
      fs.closeSync(fd);
      return;
    }
    const timer = setInterval(() => {
      if (this.pendingIo > 0) return;
      clearInterval(timer);
      fs.closeSync(fd);
    }, 10);
    timer.unref();
  }
}

function fstatOrThrow(fd: number, path: string): fs.Stats {
  try {
    return fs.fstatSync(fd);
  } catch (err) {
    throw new StorageError(`cannot stat ${path}`, err);
  }
}

function openOrThrow(path: string, flags: string): number {
  try {
    return fs.openSync(path, flags);
  } catch (err) {
    throw new StorageError(`cannot open ${path}`, err);
  }
}

/** Makes a create, rename or unlink inside `dir` durable. */
export function syncDirectory(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
