/**
 * Shared, read-only helpers for the log inspection commands (dump-log, verify, segments): walking a
 * segment's batches, reading index files without ever writing them, checking index entries against
 * the batches they point at, and reading producer snapshots. Nothing here modifies a file.
 */
import { crc32c } from '@node-rs/crc32';
import fs from 'node:fs';
import path from 'node:path';
import {
  Codec,
  LOG_OVERHEAD,
  OffsetIndex,
  RecordBatch,
  TimeIndex,
  TimestampType,
  batchSizeAt,
  parseSegmentFileName,
  readInt64,
  validateBatch,
} from '../engine/index.js';

/** One batch's header fields, as the tools print them. */
export interface BatchInfo {
  position: number;
  size: number;
  baseOffset: number;
  lastOffset: number;
  count: number;
  crcValid: boolean;
  codec: string;
  timestampType: string;
  firstTimestamp: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  isTransactional: boolean;
  isControl: boolean;
  partitionLeaderEpoch: number;
}

export function codecName(codec: Codec): string {
  return (Codec[codec] as string | undefined)?.toLowerCase() ?? `unknown(${codec})`;
}

export function batchInfo(batch: RecordBatch): BatchInfo {
  return {
    position: batch.position,
    size: batch.sizeInBytes,
    baseOffset: batch.baseOffset,
    lastOffset: batch.lastOffset,
    count: batch.recordCount,
    crcValid: batch.isCrcValid(),
    codec: codecName(batch.codec),
    timestampType: TimestampType[batch.timestampType] as string,
    firstTimestamp: batch.baseTimestamp,
    maxTimestamp: batch.maxTimestamp,
    producerId: batch.producerId,
    producerEpoch: batch.producerEpoch,
    baseSequence: batch.baseSequence,
    isTransactional: batch.isTransactional,
    isControl: batch.isControl,
    partitionLeaderEpoch: batch.partitionLeaderEpoch,
  };
}

export type WalkStep =
  | { kind: 'batch'; batch: RecordBatch }
  | { kind: 'error'; position: number; message: string }
  | { kind: 'limit'; position: number };

/**
 * Yields each valid batch of a whole `.log` file in `buf`, then at most one final step: 'error' at
 * the first corrupt or truncated batch, or 'limit' when the next batch would cross `limit` bytes
 * (a batch cut by --max-bytes is not corruption, so the two must not be confused).
 */
export function* walkBatches(buf: Buffer, limit = buf.length): Generator<WalkStep> {
  let pos = 0;
  while (pos < buf.length) {
    if (
      limit < buf.length &&
      (pos >= limit || (pos + LOG_OVERHEAD <= buf.length && pos + batchSizeAt(buf, pos) > limit))
    ) {
      yield { kind: 'limit', position: pos };
      return;
    }
    let size: number;
    try {
      size = validateBatch(buf, pos);
    } catch (err) {
      yield { kind: 'error', position: pos, message: (err as Error).message };
      return;
    }
    yield { kind: 'batch', batch: new RecordBatch(buf, pos) };
    pos += size;
  }
}

export interface LogScan {
  batches: BatchInfo[];
  fileSize: number;
  /** Bytes covered by valid batches: where a repair would cut the file. */
  validBytes: number;
  error?: { position: number; message: string };
}

/** Reads a whole `.log` file and summarises its batches (header-only; records are not decoded). */
export function scanLog(file: string): LogScan {
  const buf = fs.readFileSync(file);
  const scan: LogScan = { batches: [], fileSize: buf.length, validBytes: 0 };
  for (const step of walkBatches(buf)) {
    if (step.kind === 'batch') {
      const info = batchInfo(step.batch);
      scan.batches.push(info);
      scan.validBytes = info.position + info.size;
    } else if (step.kind === 'error') {
      scan.error = { position: step.position, message: step.message };
    }
  }
  return scan;
}

export type IndexKind = 'index' | 'timeindex';

/**
 * Opens an index read-only. maxIndexBytes is sized from the file itself, so that an index written
 * with any segment.index.bytes opens, and read-only means the tool never grows or trims it.
 */
export function openIndexReadOnly(kind: 'index', file: string, baseOffset: number): OffsetIndex;
export function openIndexReadOnly(kind: 'timeindex', file: string, baseOffset: number): TimeIndex;
export function openIndexReadOnly(
  kind: IndexKind,
  file: string,
  baseOffset: number,
): OffsetIndex | TimeIndex {
  const entrySize = kind === 'index' ? 8 : 12;
  const maxIndexBytes = Math.max(entrySize, fs.statSync(file).size);
  const options = { maxIndexBytes, writable: false };
  return kind === 'index'
    ? OffsetIndex.open(file, baseOffset, options)
    : TimeIndex.open(file, baseOffset, options);
}

export interface OffsetEntry {
  offset: number;
  position: number;
}
export interface TimeEntry {
  timestamp: number;
  offset: number;
}

export function readOffsetIndex(file: string, baseOffset: number): OffsetEntry[] {
  const index = openIndexReadOnly('index', file, baseOffset);
  try {
    return Array.from({ length: index.entries }, (_, i) => index.entryAt(i));
  } finally {
    index.close();
  }
}

export function readTimeIndex(file: string, baseOffset: number): TimeEntry[] {
  const index = openIndexReadOnly('timeindex', file, baseOffset);
  try {
    return Array.from({ length: index.entries }, (_, i) => index.entryAt(i));
  } finally {
    index.close();
  }
}

/** Runs the engine's sanityCheck on an index; returns the problem, or undefined when it passes. */
export function indexSanityProblem(kind: IndexKind, file: string, baseOffset: number): string | undefined {
  let index: OffsetIndex | TimeIndex | undefined;
  try {
    index =
      kind === 'index'
        ? openIndexReadOnly(kind, file, baseOffset)
        : openIndexReadOnly(kind, file, baseOffset);
    index.sanityCheck();
    return undefined;
  } catch (err) {
    return (err as Error).message;
  } finally {
    index?.close();
  }
}

/**
 * An offset index entry must name a batch boundary, and the offset must be that batch's last
 * offset (the engine indexes last offsets, as Kafka does). Returns one message per bad entry.
 */
export function checkOffsetEntries(entries: OffsetEntry[], batches: BatchInfo[]): string[] {
  const byPosition = new Map(batches.map((b) => [b.position, b]));
  const problems: string[] = [];
  entries.forEach((entry, i) => {
    const batch = byPosition.get(entry.position);
    if (!batch) {
      problems.push(
        `index entry ${i} (offset ${entry.offset}) points at position ${entry.position}, not a batch boundary`,
      );
    } else if (batch.lastOffset !== entry.offset) {
      problems.push(
        `index entry ${i} says offset ${entry.offset} at position ${entry.position}, but that batch holds ${batch.baseOffset}..${batch.lastOffset}`,
      );
    }
  });
  return problems;
}

/**
 * A time index entry is (max timestamp so far, last offset of the batch that carried it), so it must
 * name a batch's last offset and that batch's max timestamp.
 */
export function checkTimeEntries(entries: TimeEntry[], batches: BatchInfo[]): string[] {
  const byLastOffset = new Map(batches.map((b) => [b.lastOffset, b]));
  const problems: string[] = [];
  entries.forEach((entry, i) => {
    const batch = byLastOffset.get(entry.offset);
    if (!batch) {
      problems.push(
        `time index entry ${i} (timestamp ${entry.timestamp}) names offset ${entry.offset}, not a batch's last offset`,
      );
    } else if (batch.maxTimestamp !== entry.timestamp) {
      problems.push(
        `time index entry ${i} says timestamp ${entry.timestamp} for offset ${entry.offset}, but that batch's max timestamp is ${batch.maxTimestamp}`,
      );
    }
  });
  return problems;
}

/** The live segments of a partition directory, by base offset (files on their way out are skipped). */
export function listSegments(dir: string): number[] {
  const bases = new Set<number>();
  for (const name of fs.readdirSync(dir)) {
    const parsed = parseSegmentFileName(name);
    if (parsed && parsed.kind === 'log' && parsed.state === '') bases.add(parsed.baseOffset);
  }
  return [...bases].sort((a, b) => a - b);
}

/** Partition directories directly under a data directory, sorted by name. */
export function listPartitionDirs(dataDir: string): string[] {
  return fs
    .readdirSync(dataDir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && /^.+-\d+$/.test(e.name))
    .map((e) => path.join(dataDir, e.name))
    .sort();
}

export interface ProducerSnapshotEntry {
  producerId: number;
  producerEpoch: number;
  lastSequence: number;
  lastOffset: number;
  offsetDelta: number;
  timestamp: number;
  coordinatorEpoch: number;
  currentTxnFirstOffset: number;
}

const SNAPSHOT_HEADER = 10;
const SNAPSHOT_ENTRY = 46;

/**
 * Parses a `.snapshot` file (layout in engine/log/producer-snapshot.ts). The engine's readSnapshot
 * loads into its internal ProducerState, which is not part of the public API and keeps only what
 * the broker needs; a dump should show every field, so the documented layout is read here.
 */
export function readProducerSnapshot(file: string): ProducerSnapshotEntry[] {
  const buf = fs.readFileSync(file);
  const bad = (why: string): Error => new Error(`producer snapshot ${file}: ${why}`);
  if (buf.length < SNAPSHOT_HEADER) throw bad('too short');
  if (buf.readInt16BE(0) !== 1) throw bad(`unknown version ${buf.readInt16BE(0)}`);
  if (crc32c(buf.subarray(6)) !== buf.readUInt32BE(2)) throw bad('CRC mismatch');
  const count = buf.readInt32BE(6);
  if (count < 0 || SNAPSHOT_HEADER + count * SNAPSHOT_ENTRY !== buf.length) {
    throw bad(`${count} entries in ${buf.length} bytes`);
  }
  const entries: ProducerSnapshotEntry[] = [];
  for (let i = 0, pos = SNAPSHOT_HEADER; i < count; i++, pos += SNAPSHOT_ENTRY) {
    entries.push({
      producerId: readInt64(buf, pos),
      producerEpoch: buf.readInt16BE(pos + 8),
      lastSequence: buf.readInt32BE(pos + 10),
      lastOffset: readInt64(buf, pos + 14),
      offsetDelta: buf.readInt32BE(pos + 22),
      timestamp: readInt64(buf, pos + 26),
      coordinatorEpoch: buf.readInt32BE(pos + 34),
      currentTxnFirstOffset: readInt64(buf, pos + 38),
    });
  }
  return entries;
}
