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
 */
import fs from 'node:fs';
import { DiskFullError, LogClosedError, StorageError } from '../errors.js';
import { MAX_MAPPING_BYTES, isResident, mapFile, releasePages } from './mapped-file.js';
import type { Mappable, MappingBudget } from './mapping-budget.js';
import { dirname } from 'node:path';

/**
 * Files (by device and inode) this process has ever mapped. A mapping outlives the LogFile that
 * made it — slices keep it alive — so "was this file ever mapped" belongs to the inode, not to
 * the object: a segment closed and opened again must still not be truncated in place.
 */
const mappedInodes = new Set<string>();

/** The smallest mapping made for a file that is still growing. */
const MIN_GROWING_MAP = 4 * 1024 * 1024;

function inodeKey(fd: number): string {
  const stat = fs.fstatSync(fd);
  return `${stat.dev}:${stat.ino}`;
}

export class LogFile implements Mappable {
  private fd: number;
  private sizeBytes: number;
  private mapping: Buffer | undefined;
  private pendingIo = 0;
  private closeWhenIdle = false;

  private constructor(
    readonly path: string,
    fd: number,
    size: number,
    private readonly budget: MappingBudget,
  ) {
    this.fd = fd;
    this.sizeBytes = size;
  }

  /** A new, empty file (an existing one is emptied). */
  static create(path: string, budget: MappingBudget): LogFile {
    return new LogFile(path, openOrThrow(path, 'w+'), 0, budget);
  }

  static open(path: string, budget: MappingBudget): LogFile {
    const fd = openOrThrow(path, 'r+');
    return new LogFile(path, fd, fs.fstatSync(fd).size, budget);
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

  /** Writes `chunks` at the end in one writev; the size moves only when all of it is written. */
  append(chunks: readonly Buffer[]): number {
    const start = this.sizeBytes;
    const pending = chunks.slice();
    let position = start;
    try {
      while (pending.length > 0) {
        const first = pending[0]!;
        let written =
          pending.length === 1
            ? fs.writeSync(this.fd, first, 0, first.length, position)
            : fs.writevSync(this.fd, pending, position);
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
      this.mapping = mapFile(this.fd, size, false);
      mappedInodes.add(inodeKey(this.fd));
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

  /** Reads `length` bytes at `position` into a new Buffer on the thread pool. */
  readAt(position: number, length: number): Promise<Buffer> {
    if (this.fd < 0) return Promise.reject(new LogClosedError(this.path));
    const target = Buffer.allocUnsafe(length);
    this.pendingIo++;
    return new Promise<Buffer>((resolve, reject) => {
      fs.read(this.fd, target, 0, length, position, (err, bytesRead) => {
        this.ioDone();
        if (err) reject(new StorageError(`reading ${this.path} at ${position}`, err));
        else resolve(bytesRead === length ? target : target.subarray(0, bytesRead));
      });
    });
  }

  /** Synchronous read, for start-up work (loading, recovery), never on the request path. */
  readSync(position: number, target: Buffer): number {
    return fs.readSync(this.fd, target, 0, target.length, position);
  }

  /**
   * Takes back the bytes of an append that failed after they were written: nothing was ever read
   * from them, so no slice covers them and cutting in place is safe even when mapped.
   */
  rollback(size: number): void {
    fs.ftruncateSync(this.fd, size);
    this.sizeBytes = size;
    this.lastReadEnd = -1;
  }

  /** Shrinks the file to `size` bytes (see the top of the file for why a mapped one is replaced). */
  truncate(size: number): void {
    if (size >= this.sizeBytes && fs.fstatSync(this.fd).size <= size) return;
    this.lastReadEnd = -1;
    if (!mappedInodes.has(inodeKey(this.fd))) {
      fs.ftruncateSync(this.fd, size);
    } else {
      const tmp = `${this.path}.truncating`;
      fs.copyFileSync(this.path, tmp, fs.constants.COPYFILE_FICLONE);
      fs.truncateSync(tmp, size);
      const newFd = openOrThrow(tmp, 'r+');
      fs.fsyncSync(newFd);
      fs.renameSync(tmp, this.path);
      syncDirectory(dirname(this.path));
      const oldFd = this.fd;
      mappedInodes.delete(inodeKey(oldFd));
      this.fd = newFd;
      this.mapping = undefined;
      this.budget.forget(this);
      this.closeWhenNoIo(oldFd);
    }
    this.sizeBytes = size;
  }

  /** fdatasync: the bytes are on disk when it returns. */
  flush(): void {
    fs.fdatasyncSync(this.fd);
  }

  /** fdatasync on the thread pool, holding the fd open until it is done. */
  flushAsync(): Promise<void> {
    return this.withIo(
      () =>
        new Promise<void>((resolve, reject) => {
          if (this.fd < 0) return reject(new LogClosedError(this.path));
          fs.fdatasync(this.fd, (err) =>
            err ? reject(new StorageError(`flushing ${this.path}`, err)) : resolve(),
          );
        }),
    );
  }

  mtimeMs(): number {
    return fs.fstatSync(this.fd).mtimeMs;
  }

  /** Closes the file once reads in flight are done. Bytes written past the size (a failed write) are cut. */
  close(): void {
    if (this.fd < 0) return;
    if (fs.fstatSync(this.fd).size > this.sizeBytes) this.truncate(this.sizeBytes);
    this.budget.forget(this);
    this.mapping = undefined;
    if (this.pendingIo === 0) this.closeFd();
    else this.closeWhenIdle = true;
  }

  /** Removes the file. Mapped slices still held stay readable: the inode lives until they go. */
  delete(): void {
    // The inode can never be truncated again, and a new file may reuse its number.
    if (this.fd >= 0) mappedInodes.delete(inodeKey(this.fd));
    fs.rmSync(this.path, { force: true });
    this.budget.forget(this);
    this.mapping = undefined;
    if (this.pendingIo === 0) this.closeFd();
    else this.closeWhenIdle = true;
  }

  private ioDone(): void {
    this.pendingIo--;
    if (this.pendingIo === 0 && this.closeWhenIdle) this.closeFd();
  }

  private closeFd(): void {
    if (this.fd >= 0) fs.closeSync(this.fd);
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
