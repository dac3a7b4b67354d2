/**
 * A thin wrapper over @riaskov/mmap-io: map a file, ask whether a range is in memory, msync, madvise,
 * and grow a file with real (zero-filled, allocated) blocks.
 *
 * Facts this file is built on (see ARCHITECTURE.md, "mmap facts measured here"):
 * - The binding passes size and offset through a C `int`, so a mapping must be < 2 GiB.
 * - mincore, msync and madvise need a page-aligned address, and the binding hands them the Buffer's
 *   own data pointer. A subarray that does not start on a page boundary fails with EINVAL, so every
 *   call here first widens the Buffer to a page-aligned view of the same mapping. A mapping always
 *   starts on a page boundary and is the whole of its ArrayBuffer, so alignment is plain arithmetic
 *   on `byteOffset`; we only accept Buffers that view a mapping made by `mapFile`.
 * - Touching a mapped page past end of file, or writing into a hole on a full disk, kills the
 *   process with SIGBUS. `extendWithZeros` grows a file with written blocks so a later mapped write
 *   into that range cannot fail; a full disk shows up as a DiskFullError from the write instead.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import type * as MmapModule from '@riaskov/mmap-io';
import { DiskFullError, StorageError } from '../errors.js';

// The package is CommonJS with typings that say `export default`: NodeNext types an ESM import's
// default as the whole module, putting the real object at `.default.default`, while at runtime
// module.exports is the object itself. Requiring it sidesteps the mismatch.
type MmapIo = typeof MmapModule.default.default;
const mmap = createRequire(import.meta.url)('@riaskov/mmap-io') as MmapIo;

export const PAGE_SIZE: number = mmap.PAGESIZE;

/** The largest mapping we make: 2 GiB minus one 64 KiB page, so size and offset fit a C int. */
export const MAX_MAPPING_BYTES = 2 ** 31 - 65536;

/** Every ArrayBuffer that backs a mapping made here; alignment math is only valid on these. */
const mappings = new WeakSet<ArrayBufferLike>();

/**
 * Maps `size` bytes of `fd` from `offset` (a multiple of PAGE_SIZE), MAP_SHARED, read-only or
 * read-write. `size` may exceed the file's length, but bytes past end of file must never be touched.
 * The fd may be closed afterwards; the mapping lives until the Buffer is garbage-collected.
 */
export function mapFile(fd: number, size: number, writable: boolean, offset = 0): Buffer {
  if (!Number.isInteger(size) || size <= 0 || size > MAX_MAPPING_BYTES) {
    throw new StorageError(`cannot map ${size} bytes: a mapping must be 1..${MAX_MAPPING_BYTES} bytes`);
  }
  if (!Number.isInteger(offset) || offset < 0 || offset % PAGE_SIZE !== 0 || offset > MAX_MAPPING_BYTES) {
    throw new StorageError(`cannot map at offset ${offset}: it must be page-aligned and < 2 GiB`);
  }
  const prot = writable ? mmap.PROT_READ | mmap.PROT_WRITE : mmap.PROT_READ;
  let buf: Buffer;
  try {
    buf = mmap.map(size, prot as 1 | 3, mmap.MAP_SHARED, fd, offset);
  } catch (err) {
    throw new StorageError(`mmap of ${size} bytes at offset ${offset} failed`, err);
  }
  mappings.add(buf.buffer);
  return buf;
}

/** Whether `buf` views a mapping made by mapFile. */
export function isMapped(buf: Buffer): boolean {
  return mappings.has(buf.buffer);
}

/**
 * The page-aligned view of the mapping that covers all of `buf`: starts at the page holding buf's
 * first byte, ends at buf's last byte (the kernel rounds the length up itself).
 */
function alignedView(buf: Buffer): Buffer {
  if (!mappings.has(buf.buffer)) {
    throw new StorageError('buffer is not a view of a mapping made by mapFile');
  }
  const start = buf.byteOffset - (buf.byteOffset % PAGE_SIZE);
  return Buffer.from(buf.buffer, start, buf.byteOffset + buf.length - start);
}

/** [pages not in memory, pages in memory] for the pages that `buf` (a view of a mapping) spans. */
export function residentPages(buf: Buffer): [notResident: number, resident: number] {
  if (buf.length === 0) return [0, 0];
  try {
    return mmap.incore(alignedView(buf));
  } catch (err) {
    if (err instanceof StorageError) throw err;
    throw new StorageError('mincore failed', err);
  }
}

/** True when every page that `buf` (a view of a mapping) spans is in memory: reading it won't fault. */
export function isResident(buf: Buffer): boolean {
  return residentPages(buf)[0] === 0;
}

/** msync of the pages `buf` spans; blocking waits for the write-back (MS_SYNC), else MS_ASYNC. */
export function syncMapped(buf: Buffer, blocking: boolean): void {
  if (buf.length === 0) return;
  const view = alignedView(buf);
  try {
    mmap.sync(view, 0, view.length, blocking, false);
  } catch (err) {
    throw new StorageError('msync failed', err);
  }
}

/** MADV_RANDOM: index lookups jump around, so read-ahead would only waste page cache. */
export function adviseRandom(buf: Buffer): void {
  advise(buf, mmap.MADV_RANDOM);
}

/** MADV_WILLNEED: start reading the range in now, before it is touched. */
export function adviseWillNeed(buf: Buffer): void {
  advise(buf, mmap.MADV_WILLNEED);
}

/**
 * MADV_DONTNEED on the pages `buf` (a view of a mapping) covers, from the page holding its first
 * byte up to the last page it fills entirely: they leave this process's page tables — and its RSS
 * — but stay in the page cache, so a later read of them is a minor fault, not disk I/O. A shared
 * file mapping loses nothing: the bytes are the file's. Used once a fetch response has been handed
 * to the socket, so a consumer reading gigabytes does not grow the broker's RSS by as much. The
 * first page is included because a consumer reading along the log's tail gets slices that start
 * where the last one ended, mid-page; the last, partly covered page waits for the next slice. A
 * page some other response still has to send simply faults back in. Does nothing for a buffer
 * that is not a mapping's view.
 */
export function releasePages(buf: Buffer): void {
  if (!mappings.has(buf.buffer)) return;
  const first = buf.byteOffset - (buf.byteOffset % PAGE_SIZE);
  const end = Math.floor((buf.byteOffset + buf.length) / PAGE_SIZE) * PAGE_SIZE;
  if (end <= first) return;
  try {
    mmap.advise(Buffer.from(buf.buffer, first, end - first), mmap.MADV_DONTNEED);
  } catch (err) {
    throw new StorageError('madvise failed', err);
  }
}

function advise(buf: Buffer, advice: 1 | 3): void {
  if (buf.length === 0) return;
  try {
    mmap.advise(alignedView(buf), advice);
  } catch (err) {
    throw new StorageError('madvise failed', err);
  }
}

/** Chunk of zeros shared by every extension; never written to. */
const ZEROS = Buffer.alloc(256 * 1024);

/**
 * Grows the file behind `fd` from `fromSize` to `toSize` bytes by writing zeros, so the new range is
 * made of allocated blocks rather than a hole. A failed write (ENOSPC -> DiskFullError, anything
 * else -> StorageError) shrinks the file back to `fromSize` first, leaving it as it was; that
 * truncation is safe under a mapping because nothing past `fromSize` has been touched yet.
 */
export function extendWithZeros(fd: number, fromSize: number, toSize: number, path = `fd ${fd}`): void {
  let pos = fromSize;
  try {
    while (pos < toSize) {
      const n = Math.min(ZEROS.length, toSize - pos);
      // writeSync may write less than asked; loop on what it did write.
      pos += fs.writeSync(fd, ZEROS, 0, n, pos);
    }
  } catch (err) {
    if (pos > fromSize) {
      try {
        fs.ftruncateSync(fd, fromSize);
      } catch {
        // The grown tail is zeros, which every reader treats as unused; leaving it is harmless.
      }
    }
    if ((err as NodeJS.ErrnoException).code === 'ENOSPC') throw new DiskFullError(path, err);
    throw new StorageError(`cannot grow ${path} to ${toSize} bytes`, err);
  }
}
