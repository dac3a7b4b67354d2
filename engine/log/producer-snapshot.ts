/**
 * Producer state snapshots, `<20-digit offset>.snapshot` in the partition directory, in Kafka's
 * layout (version 1), big-endian:
 *
 *   version               int16    1
 *   crc                   uint32   CRC-32C of everything after this field
 *   count                 int32
 *   count × entry:
 *     producerId          int64
 *     producerEpoch       int16
 *     lastSequence        int32
 *     lastOffset          int64
 *     offsetDelta         int32    lastOffset - first offset of the producer's last batch
 *     timestamp           int64
 *     coordinatorEpoch    int32    -1 (no transactions)
 *     currentTxnFirstOffset int64  -1
 *
 * The snapshot holds the state as of `offset` (exclusive): loading replays the log from there.
 * Only each producer's last batch is kept, as in Kafka; older retries are then out-of-order.
 */
import { crc32c } from '@node-rs/crc32';
import fs from 'node:fs';
import path from 'node:path';
import { StorageError } from '../errors.js';
import { readInt64, writeInt64 } from '../record/record-batch.js';
import { offsetFileStem } from '../segment/segment-files.js';
import { writeFileAtomically } from './checkpoint-file.js';
import type { LogSegment } from '../segment/log-segment.js';
import type { ProducerState } from './producer-state.js';

export const SNAPSHOT_SUFFIX = '.snapshot';
const VERSION = 1;
const HEADER = 10;
const ENTRY = 8 + 2 + 4 + 8 + 4 + 8 + 4 + 8;

export function snapshotPath(dir: string, offset: number): string {
  return path.join(dir, offsetFileStem(offset) + SNAPSHOT_SUFFIX);
}

/** Offsets of the snapshots in `dir`, ascending. */
export function listSnapshots(dir: string): number[] {
  return fs
    .readdirSync(dir)
    .filter((name) => /^\d{20}\.snapshot$/.test(name))
    .map((name) => Number(name.slice(0, 20)))
    .sort((a, b) => a - b);
}

export function writeSnapshot(dir: string, offset: number, state: ProducerState): void {
  const entries = [...state.entries()].filter((e) => e.batches.length > 0);
  const buf = Buffer.alloc(HEADER + entries.length * ENTRY);
  buf.writeInt16BE(VERSION, 0);
  buf.writeInt32BE(entries.length, 6);
  let pos = HEADER;
  for (const entry of entries) {
    const last = entry.batches[entry.batches.length - 1]!;
    writeInt64(buf, entry.producerId, pos);
    buf.writeInt16BE(entry.epoch, pos + 8);
    buf.writeInt32BE(last.lastSeq, pos + 10);
    writeInt64(buf, last.lastOffset, pos + 14);
    buf.writeInt32BE(last.lastOffset - last.firstOffset, pos + 22);
    writeInt64(buf, entry.lastTimestamp, pos + 26);
    buf.writeInt32BE(-1, pos + 34);
    writeInt64(buf, -1, pos + 38);
    pos += ENTRY;
  }
  buf.writeUInt32BE(crc32c(buf.subarray(6)), 2);
  writeFileAtomically(snapshotPath(dir, offset), buf);
}

/** Loads a snapshot into `state` (cleared first). Throws StorageError for a damaged file. */
export function readSnapshot(dir: string, offset: number, state: ProducerState): void {
  const file = snapshotPath(dir, offset);
  const buf = fs.readFileSync(file);
  const bad = (why: string): StorageError => new StorageError(`producer snapshot ${file}: ${why}`);
  if (buf.length < HEADER) throw bad('too short');
  if (buf.readInt16BE(0) !== VERSION) throw bad(`unknown version ${buf.readInt16BE(0)}`);
  if (crc32c(buf.subarray(6)) !== buf.readUInt32BE(2)) throw bad('CRC mismatch');
  const count = buf.readInt32BE(6);
  if (count < 0 || HEADER + count * ENTRY !== buf.length)
    throw bad(`${count} entries in ${buf.length} bytes`);
  state.clear();
  for (let i = 0, pos = HEADER; i < count; i++, pos += ENTRY) {
    const lastSeq = buf.readInt32BE(pos + 10);
    const lastOffset = readInt64(buf, pos + 14);
    const delta = buf.readInt32BE(pos + 22);
    state.restore({
      producerId: readInt64(buf, pos),
      epoch: buf.readInt16BE(pos + 8),
      batches: [{ firstSeq: lastSeq - delta, lastSeq, firstOffset: lastOffset - delta, lastOffset }],
      lastTimestamp: readInt64(buf, pos + 26),
    });
  }
}

/** Removes snapshots whose offset is above `maxOffset`, and all but the newest `keep` below it. */
export function pruneSnapshots(dir: string, maxOffset: number, keep = 2): void {
  const offsets = listSnapshots(dir);
  const valid = offsets.filter((o) => o <= maxOffset);
  const doomed = [
    ...offsets.filter((o) => o > maxOffset),
    ...valid.slice(0, Math.max(0, valid.length - keep)),
  ];
  for (const offset of doomed) fs.rmSync(snapshotPath(dir, offset), { force: true });
}

/**
 * Rebuilds `state` for a log: the newest readable snapshot at or below `logEndOffset` (later ones
 * are dropped — a truncation made them wrong), then every batch after it, replayed from the
 * segments' headers. With no snapshot the replay starts at `logStartOffset`.
 */
export function restoreProducerState(
  dir: string,
  state: ProducerState,
  segments: readonly LogSegment[],
  logStartOffset: number,
  logEndOffset: number,
  say: (message: string) => void,
): void {
  pruneSnapshots(dir, logEndOffset, Number.MAX_SAFE_INTEGER);
  state.clear();
  let from = logStartOffset;
  const snapshots = listSnapshots(dir);
  for (let i = snapshots.length - 1; i >= 0; i--) {
    try {
      readSnapshot(dir, snapshots[i]!, state);
      from = snapshots[i]!;
      break;
    } catch (err) {
      say(`${dir}: ignoring producer snapshot: ${(err as Error).message}`);
      state.clear();
    }
  }
  for (let i = 0; i < segments.length; i++) {
    const next = segments[i + 1];
    if (next && next.baseOffset <= from) continue;
    segments[i]!.forEachBatchHeader(from, (header) => state.recordBatches(header, true));
  }
}
