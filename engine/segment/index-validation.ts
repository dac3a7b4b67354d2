/**
 * Which entries of a sparse index file (`.index`, `.timeindex`) are valid: the count taken when
 * the file is opened, and the full sanity check run at load. The entries' byte layouts belong to
 * offset-index.ts and time-index.ts; this file asks them through an EntryProblem.
 *
 * Entry count on open: a trimmed file (last slot not all-zero) counts every slot. A file with an
 * all-zero last slot kept a crash's preallocated tail: the leading valid slots count, up to the
 * first all-zero slot after slot 0 (slot 0 may be zero; if slot 1 is zero too it is dropped — a
 * missing entry only lengthens a scan, a phantom one could reject a valid append).
 */
import fs from 'node:fs';
import { CorruptIndexError, StorageError } from '../errors.js';

/** Why the entry at `pos` is invalid after the one at `prevPos` (-1 for entry 0), or undefined. */
export type EntryProblem = (buf: Buffer, pos: number, prevPos: number) => string | undefined;

/** What validation needs of an index's byte layout (mapped-index.ts's IndexLayout is one). */
export interface EntryRules {
  readonly entrySize: number;
  readonly problem: EntryProblem;
}

/**
 * The valid entries among the first `slots` slots of the file open as `fd` (see the top of this
 * file). Leaves a copy of the last valid entry in `last` (all zeros when there is none).
 */
export function countValidEntries(fd: number, slots: number, layout: EntryRules, last: Buffer): number {
  const es = layout.entrySize;
  if (slots === 0) return 0;
  readFully(fd, last, (slots - 1) * es);
  if (slots === 1 || !isZero(last, 0, es)) return slots;
  // A zero last slot: the preallocated tail of a crash. Read the file once and count the valid prefix.
  const buf = Buffer.allocUnsafe(slots * es);
  readFully(fd, buf, 0);
  let n = 0;
  if (!(isZero(buf, 0, es) && isZero(buf, es, es)) && layout.problem(buf, 0, -1) === undefined) {
    n = 1;
    while (n < slots && !isZero(buf, n * es, es) && layout.problem(buf, n * es, (n - 1) * es) === undefined) {
      n++;
    }
  }
  if (n > 0) buf.copy(last, 0, (n - 1) * es, n * es);
  else last.fill(0);
  return n;
}

/**
 * Throws CorruptIndexError unless the file at `path` is whole entries, holds at least `count` of
 * them, and every one of the first `count` follows the one before. `entries` gives the mapped
 * entries; it is called only when `count` > 0.
 */
export function checkIndexFile(path: string, count: number, layout: EntryRules, entries: () => Buffer): void {
  const es = layout.entrySize;
  let length: number;
  try {
    length = fs.statSync(path).size;
  } catch (err) {
    throw new StorageError(`cannot stat index ${path}`, err);
  }
  if (length % es !== 0) {
    throw new CorruptIndexError(path, `file length ${length} is not a multiple of the entry size ${es}`);
  }
  if (length < count * es) {
    throw new CorruptIndexError(path, `file length ${length} is short of ${count} entries`);
  }
  if (count === 0) return;
  const buf = entries();
  for (let i = 0; i < count; i++) {
    const found = layout.problem(buf, i * es, i === 0 ? -1 : (i - 1) * es);
    if (found !== undefined) throw new CorruptIndexError(path, `entry ${i}: ${found}`);
  }
}

function readFully(fd: number, buf: Buffer, position: number): void {
  let done = 0;
  while (done < buf.length) {
    const n = fs.readSync(fd, buf, done, buf.length - done, position + done);
    if (n === 0) throw new StorageError(`unexpected end of index file at ${position + done}`);
    done += n;
  }
}

function isZero(buf: Buffer, pos: number, length: number): boolean {
  for (let i = pos; i < pos + length; i++) if (buf[i] !== 0) return false;
  return true;
}
