/**
 * Copying a partition's segments into another directory, for a move between data directories
 * (log-dir-move.ts): a closed segment as its three files, a segment still being written as byte
 * ranges that end on batch boundaries, and the fingerprint that tells whether a batch the copy
 * ends with is still the one the log holds.
 *
 * A fingerprint is the first 21 bytes of a batch header: base offset, length, partition leader
 * epoch, magic and CRC. Two batches at the same place with the same fingerprint are the same
 * batch, and — as replication relies on (KIP-101) — a log holding the batch a copy ends with, at
 * the same offset and leader epoch, holds everything the copy holds before it.
 */
import fs from 'node:fs';
import { CorruptSegmentError, SegmentTruncatedError, StorageError } from '../errors.js';
import {
  BASE_OFFSET,
  LAST_OFFSET_DELTA,
  LOG_OVERHEAD,
  MAGIC,
  RECORDS,
  batchSizeAt,
  readInt64,
} from '../record/record-batch.js';
import type { LogSegment } from '../segment/log-segment.js';
import { segmentFilePath } from '../segment/segment-files.js';

/** Bytes of a batch header that identify the batch (see the top of the file). */
export const FINGERPRINT_BYTES = 21;
/** Copies or syncs under way at once: a sync waits mostly on the disk, and concurrent ones share its commits. */
export const PARALLEL_SYNCS = 4;

/**
 * Copies a closed segment's .log, .index and .timeindex into `dir` on the thread pool (a reflink
 * where the file system has them), each synced. An index file the segment no longer has (see
 * LogSegment.distrustIndex) is left out: the loader rebuilds it. The copy of the .log is cut to
 * the segment's size; a shorter one means the file changed under the copy (StorageError).
 */
export async function copySegmentFiles(segment: LogSegment, dir: string): Promise<void> {
  for (const kind of ['log', 'index', 'timeindex'] as const) {
    const from = segmentFilePath(segment.dir, segment.baseOffset, kind);
    const to = segmentFilePath(dir, segment.baseOffset, kind);
    try {
      await fs.promises.copyFile(from, to, fs.constants.COPYFILE_FICLONE);
    } catch (err) {
      if (kind !== 'log' && (err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw new StorageError(`cannot copy ${from} to ${to}`, err);
    }
    const handle = await fs.promises.open(to, 'r+');
    try {
      if (kind === 'log') {
        const { size } = await handle.stat();
        if (size < segment.size) throw new SegmentTruncatedError(from, segment.size, size);
        // Never mapped, so cutting it is safe: bytes past the size are no batch's.
        if (size > segment.size) await handle.truncate(segment.size);
      }
      await handle.datasync();
    } finally {
      await handle.close();
    }
  }
}

/** Removes the files of the segment at `baseOffset` from `dir`, if they are there. */
export function removeSegmentFiles(dir: string, baseOffset: number): void {
  for (const kind of ['log', 'index', 'timeindex'] as const)
    fs.rmSync(segmentFilePath(dir, baseOffset, kind), { force: true });
}

/**
 * Whole batches of `segment` from `position` on, about `maxBytes` of them (a larger first batch
 * whole), read on the thread pool. Empty when the segment holds nothing past `position`.
 */
export async function readBatches(segment: LogSegment, position: number, maxBytes: number): Promise<Buffer> {
  const available = segment.size - position;
  if (available <= 0) return EMPTY;
  const bytes = await segment.file.readAt(position, Math.min(available, maxBytes));
  const end = wholeBatchesEnd(bytes, segment, position);
  if (end > 0) return bytes.subarray(0, end);
  // The first batch is larger than maxBytes: read it alone.
  const size = batchSizeAt(bytes, 0);
  if (size > available) throw corrupt(segment, position, `a batch of ${size} bytes runs past the end`);
  return segment.file.readAt(position, size);
}

/** The bytes of `segment` in [position, end), read now (end must be a batch boundary: the size). */
export function readBatchesSync(segment: LogSegment, position: number, end: number): Buffer {
  const bytes = Buffer.allocUnsafe(end - position);
  for (let done = 0; done < bytes.length;) {
    const read = segment.readSync(position + done, bytes.subarray(done));
    if (read <= 0) throw new SegmentTruncatedError(segment.logPath, end, position + done);
    done += read;
  }
  return bytes;
}

/** The fingerprint of the batch at `position` of `segment` as it is on disk now. */
export function fingerprintAt(segment: LogSegment, position: number): Buffer {
  if (position + FINGERPRINT_BYTES > segment.size) return EMPTY;
  return readBatchesSync(segment, position, position + FINGERPRINT_BYTES);
}

/** Where the last batch of `bytes` starts, and the offset after it. */
export interface BatchRun {
  lastBatchStart: number;
  nextOffset: number;
}

/**
 * Checks that `bytes` are whole v2 batches with increasing offsets, at or past `fromOffset`, and
 * says where the last one starts. `segment` and `position` name them in errors.
 */
export function batchRun(bytes: Buffer, fromOffset: number, segment: LogSegment, position: number): BatchRun {
  let lastBatchStart = 0;
  let nextOffset = fromOffset;
  for (let at = 0; at < bytes.length;) {
    if (bytes.length - at < RECORDS) throw corrupt(segment, position + at, 'a batch header is cut short');
    const size = batchSizeAt(bytes, at);
    const base = readInt64(bytes, at + BASE_OFFSET);
    if (bytes[at + MAGIC] !== 2 || size < RECORDS || at + size > bytes.length)
      throw corrupt(segment, position + at, `no v2 batch of ${size} bytes starts here`);
    if (base < nextOffset) throw corrupt(segment, position + at, `base offset ${base} below ${nextOffset}`);
    lastBatchStart = at;
    nextOffset = base + bytes.readInt32BE(at + LAST_OFFSET_DELTA) + 1;
    at += size;
  }
  return { lastBatchStart, nextOffset };
}

/** How many leading bytes of `bytes` are whole batches (0 when not even the first one is). */
function wholeBatchesEnd(bytes: Buffer, segment: LogSegment, position: number): number {
  let at = 0;
  while (at + LOG_OVERHEAD <= bytes.length) {
    const size = batchSizeAt(bytes, at);
    if (size < RECORDS) throw corrupt(segment, position + at, `a batch length of ${size} bytes`);
    if (at + size > bytes.length) break;
    at += size;
  }
  return at;
}

/**
 * Runs `work` on every item, `limit` at a time. A failure stops the rest from starting and is
 * thrown once the ones under way have settled.
 */
export async function eachLimited<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      try {
        await work(items[next++]!);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  const results = await Promise.allSettled(Array.from({ length: Math.min(limit, items.length) }, worker));
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) throw failure.reason;
}

function corrupt(segment: LogSegment, position: number, detail: string): CorruptSegmentError {
  return new CorruptSegmentError(segment.logPath, position, detail);
}

const EMPTY = Buffer.alloc(0);
