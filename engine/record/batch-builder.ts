/**
 * Builds v2 record batches (layout in record-batch.ts) from plain records: for tests, tools and
 * the broker's own internal topics (__consumer_offsets, transaction markers). Correct rather than
 * fast, but linear: record sizes are measured first, then everything is written into one buffer
 * (for a compressed batch, one more for the compressed result).
 */
import { InvalidRecordError } from '../errors.js';
import { compress, compressSync } from './compression.js';
import {
  ATTRIBUTES,
  BASE_OFFSET,
  BASE_SEQUENCE,
  BASE_TIMESTAMP,
  BATCH_LENGTH,
  CODEC_MASK,
  CONTROL_BIT,
  CRC,
  Codec,
  LAST_OFFSET_DELTA,
  LOG_OVERHEAD,
  MAGIC,
  MAX_TIMESTAMP,
  PARTITION_LEADER_EPOCH,
  PRODUCER_EPOCH,
  PRODUCER_ID,
  RECORDS,
  RECORD_COUNT,
  type RecordBatch,
  TIMESTAMP_TYPE_BIT,
  TRANSACTIONAL_BIT,
  TimestampType,
  computeBatchCrc,
  writeInt64,
} from './record-batch.js';
import { varintSize, varlongSize, writeVarint, writeVarlong } from './varint.js';

export type BytesInput = Buffer | string | null | undefined;

export interface RecordInput {
  key?: BytesInput;
  value?: BytesInput;
  headers?: { key: string; value: Buffer | string | null }[];
  /** Create time in ms; defaults to the time the batch is built. */
  timestamp?: number;
  /** Offset relative to the batch's base; defaults to the record's index (the cleaner keeps gaps). */
  offsetDelta?: number;
}

export interface BuildBatchOptions {
  records: RecordInput[];
  baseOffset?: number;
  codec?: Codec;
  timestampType?: TimestampType;
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
  transactional?: boolean;
  control?: boolean;
  partitionLeaderEpoch?: number;
  /** Defaults to the first record's timestamp. */
  baseTimestamp?: number;
  /** Defaults to the last record's offset delta; a cleaned batch keeps its original span. */
  lastOffsetDelta?: number;
}

/** Builds one batch, compressing synchronously. */
export function buildBatch(opts: BuildBatchOptions): Buffer {
  const encoded = encodeRecords(opts);
  const codec = opts.codec ?? Codec.None;
  if (codec === Codec.None) return finishBatch(opts, encoded.buffer, encoded);
  return finishBatch(opts, withHeaderRoom(compressSync(codec, encoded.buffer.subarray(RECORDS))), encoded);
}

/** Builds one batch; a big records section is compressed in the worker pool. */
export async function buildBatchAsync(opts: BuildBatchOptions): Promise<Buffer> {
  const encoded = encodeRecords(opts);
  const codec = opts.codec ?? Codec.None;
  if (codec === Codec.None) return finishBatch(opts, encoded.buffer, encoded);
  return finishBatch(opts, withHeaderRoom(await compress(codec, encoded.buffer.subarray(RECORDS))), encoded);
}

interface EncodedRecords {
  /** RECORDS bytes of room for the header, then the uncompressed records. */
  buffer: Buffer;
  count: number;
  baseTimestamp: number;
  maxTimestamp: number;
  lastOffsetDelta: number;
}

/** Field bytes of one record, measured in the first pass and reused in the second. */
interface MeasuredRecord {
  key: Buffer | null;
  value: Buffer | null;
  headers: { key: string; keyLength: number; value: Buffer | null }[];
  timestamp: number;
  bodySize: number;
  offsetDelta: number;
}

function toBytes(input: BytesInput): Buffer | null {
  if (input === null || input === undefined) return null;
  return typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
}

function bytesFieldSize(bytes: Buffer | null): number {
  return bytes === null ? varintSize(-1) : varintSize(bytes.length) + bytes.length;
}

function writeBytesField(buf: Buffer, bytes: Buffer | null, pos: number): number {
  if (bytes === null) return writeVarint(buf, -1, pos);
  pos = writeVarint(buf, bytes.length, pos);
  return pos + bytes.copy(buf, pos);
}

function encodeRecords(opts: BuildBatchOptions): EncodedRecords {
  const count = opts.records.length;
  if (count === 0) throw new InvalidRecordError('a record batch needs at least one record');
  const now = Date.now();
  const firstTimestamp = opts.records[0]?.timestamp ?? now;
  const baseTimestamp = opts.baseTimestamp ?? firstTimestamp;
  let maxTimestamp = -Infinity;

  const measured: MeasuredRecord[] = [];
  let total = RECORDS;
  for (let i = 0; i < count; i++) {
    const input = opts.records[i]!;
    const timestamp = input.timestamp ?? now;
    if (timestamp > maxTimestamp) maxTimestamp = timestamp;
    const key = toBytes(input.key);
    const value = toBytes(input.value);
    const headers = (input.headers ?? []).map((h) => ({
      key: h.key,
      keyLength: Buffer.byteLength(h.key, 'utf8'),
      value: toBytes(h.value),
    }));
    let bodySize =
      1 + // attributes
      varlongSize(timestamp - baseTimestamp) +
      varintSize(input.offsetDelta ?? i) +
      bytesFieldSize(key) +
      bytesFieldSize(value) +
      varintSize(headers.length);
    for (const h of headers) bodySize += varintSize(h.keyLength) + h.keyLength + bytesFieldSize(h.value);
    measured.push({ key, value, headers, timestamp, bodySize, offsetDelta: input.offsetDelta ?? i });
    total += varintSize(bodySize) + bodySize;
  }

  const buffer = Buffer.alloc(total);
  let pos = RECORDS;
  for (let i = 0; i < count; i++) {
    const r = measured[i]!;
    pos = writeVarint(buffer, r.bodySize, pos);
    buffer[pos++] = 0; // record attributes: unused
    pos = writeVarlong(buffer, r.timestamp - baseTimestamp, pos);
    pos = writeVarint(buffer, r.offsetDelta, pos);
    pos = writeBytesField(buffer, r.key, pos);
    pos = writeBytesField(buffer, r.value, pos);
    pos = writeVarint(buffer, r.headers.length, pos);
    for (const h of r.headers) {
      pos = writeVarint(buffer, h.keyLength, pos);
      pos += buffer.write(h.key, pos, 'utf8');
      pos = writeBytesField(buffer, h.value, pos);
    }
  }
  const lastOffsetDelta = measured[count - 1]!.offsetDelta;
  return { buffer, count, baseTimestamp, maxTimestamp, lastOffsetDelta };
}

/** Copies a compressed records section behind RECORDS bytes of room for the header. */
function withHeaderRoom(records: Buffer): Buffer {
  const buffer = Buffer.alloc(RECORDS + records.length);
  records.copy(buffer, RECORDS);
  return buffer;
}

/** Fills in the header of `buffer` (header room + records section) and its CRC. */
function finishBatch(opts: BuildBatchOptions, buffer: Buffer, encoded: EncodedRecords): Buffer {
  const codec = opts.codec ?? Codec.None;
  let attributes = codec & CODEC_MASK;
  if (opts.timestampType === TimestampType.LogAppendTime) attributes |= TIMESTAMP_TYPE_BIT;
  if (opts.transactional) attributes |= TRANSACTIONAL_BIT;
  if (opts.control) attributes |= CONTROL_BIT;

  writeInt64(buffer, opts.baseOffset ?? 0, BASE_OFFSET);
  buffer.writeInt32BE(buffer.length - LOG_OVERHEAD, BATCH_LENGTH);
  buffer.writeInt32BE(opts.partitionLeaderEpoch ?? -1, PARTITION_LEADER_EPOCH);
  buffer.writeInt8(2, MAGIC);
  buffer.writeInt16BE(attributes, ATTRIBUTES);
  buffer.writeInt32BE(opts.lastOffsetDelta ?? encoded.lastOffsetDelta, LAST_OFFSET_DELTA);
  writeInt64(buffer, encoded.baseTimestamp, BASE_TIMESTAMP);
  writeInt64(buffer, encoded.maxTimestamp, MAX_TIMESTAMP);
  writeInt64(buffer, opts.producerId ?? -1, PRODUCER_ID);
  buffer.writeInt16BE(opts.producerEpoch ?? -1, PRODUCER_EPOCH);
  buffer.writeInt32BE(opts.baseSequence ?? -1, BASE_SEQUENCE);
  buffer.writeInt32BE(encoded.count, RECORD_COUNT);
  buffer.writeUInt32BE(computeBatchCrc(buffer, 0, buffer.length), CRC);
  return buffer;
}

/**
 * A batch rebuilt from (some of) `original`'s records, keeping everything its header says but the
 * records: base offset, span (last offset delta), timestamp type, producer id, epoch, sequence,
 * transactional flag and leader epoch. `codec` defaults to the original's. Used where a batch must
 * change inside: a topic's compression.type, and the cleaner dropping records.
 */
export function rebuildBatch(
  original: RecordBatch,
  records: RecordInput[],
  codec = original.codec,
): Promise<Buffer> {
  return buildBatchAsync(rebuildOptions(original, records, codec));
}

/** The same as rebuildBatch, compressing on this thread (the cleaner runs in a worker already). */
export function rebuildBatchSync(
  original: RecordBatch,
  records: RecordInput[],
  codec = original.codec,
): Buffer {
  return buildBatch(rebuildOptions(original, records, codec));
}

function rebuildOptions(original: RecordBatch, records: RecordInput[], codec: Codec): BuildBatchOptions {
  return {
    records,
    codec,
    baseOffset: original.baseOffset,
    lastOffsetDelta: original.lastOffsetDelta,
    timestampType: original.timestampType,
    producerId: original.producerId,
    producerEpoch: original.producerEpoch,
    baseSequence: original.baseSequence,
    transactional: original.isTransactional,
    partitionLeaderEpoch: original.partitionLeaderEpoch,
    baseTimestamp: original.baseTimestamp,
  };
}
