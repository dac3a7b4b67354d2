/**
 * Writes v2 record batches (layout in record-batch.ts): one incremental builder for the engine, the
 * cleaner and `kiln perf`, and one-shot functions over it for tests, tools, internal topics
 * (__consumer_offsets) and the broker's recompression.
 *
 * The builder writes each record in place behind the last, into a buffer it keeps from batch to
 * batch, and allocates nothing per record: strings go in as UTF-8 where they land, headers are
 * walked where they are (record-fields.ts). The base timestamp is fixed before the first record is
 * written, since records store their timestamps as deltas from it. finish() fills in the header
 * and the CRC-32C; a compressed batch compresses the records section as one block and writes
 * header and compressed records into a second reusable buffer. reset() then starts the next batch.
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
import {
  type BytesInput,
  type RecordHeaderInput,
  fieldSize,
  headersSize,
  lengthOf,
  writeBytes,
  writeHeaders,
} from './record-fields.js';
import { varintSize, varlongSize, writeVarint, writeVarlong } from './varint.js';

export type { BytesInput, RecordHeaderInput } from './record-fields.js';

export interface RecordInput {
  key?: BytesInput;
  value?: BytesInput;
  headers?: RecordHeaderInput[];
  /** Create time in ms; defaults to the time the batch is built. */
  timestamp?: number;
  /** Offset relative to the batch's base; defaults to the record's index (the cleaner keeps gaps). */
  offsetDelta?: number;
}

/** The header fields a caller chooses; the rest (length, counts, timestamps, CRC) follow from the records. */
export interface BatchHeader {
  baseOffset?: number;
  codec?: Codec;
  timestampType?: TimestampType;
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
  transactional?: boolean;
  control?: boolean;
  partitionLeaderEpoch?: number;
  /** Defaults to the last record's offset delta; a cleaned batch keeps its original span. */
  lastOffsetDelta?: number;
}

export interface BuildBatchOptions extends BatchHeader {
  records: RecordInput[];
  /** Defaults to the first record's timestamp. */
  baseTimestamp?: number;
}

export interface BatchBuilderOptions {
  /**
   * Bounds the batch's bytes (header included, uncompressed) for tryAppend: a record that would
   * grow the batch past it does not go in, unless the batch is empty (a bigger record gets a batch
   * of its own, as in Kafka's producer). Unbounded by default.
   */
  batchSize?: number;
  /** Initial buffer size; defaults to batchSize when that is bounded. */
  capacity?: number;
}

const DEFAULT_CAPACITY = 16 * 1024;
/** All header defaults: a plain, uncompressed, non-idempotent batch at offset 0. */
const DEFAULT_HEADER: BatchHeader = Object.freeze({});

export class BatchBuilder {
  readonly batchSize: number;
  /** Header room, then the uncompressed records so far, in [0, pos). */
  private buf: Buffer;
  /** The last compressed batch (header + compressed records), reused from batch to batch. */
  private compressed: Buffer | undefined;
  private pos = RECORDS;
  private count = 0;
  /** NaN until fixed by reset() or the first record. */
  private base = NaN;
  private maxTimestampDelta = -Infinity;
  private lastOffsetDelta = 0;
  private lastValueAt = -1;

  constructor(options: BatchBuilderOptions = {}) {
    this.batchSize = options.batchSize ?? Infinity;
    const bounded = Number.isFinite(this.batchSize) ? this.batchSize : DEFAULT_CAPACITY;
    this.buf = Buffer.allocUnsafe(Math.max(options.capacity ?? bounded, RECORDS));
  }

  get recordCount(): number {
    return this.count;
  }

  /** Bytes of the batch so far, header included, uncompressed. */
  get sizeInBytes(): number {
    return this.pos;
  }

  /** The base timestamp of the batch being built; NaN before it is known. */
  get baseTimestamp(): number {
    return this.base;
  }

  /**
   * The working buffer: the batch so far in [0, sizeInBytes). It is replaced when the builder
   * grows, so read it again after each append rather than keeping it.
   */
  get buffer(): Buffer {
    return this.buf;
  }

  /**
   * Where the last appended record's value starts in `buffer` (-1 for a null value). A caller may
   * write over the value's bytes until finish() — kiln perf stamps its send time there.
   */
  get valueAt(): number {
    return this.lastValueAt;
  }

  /** Bytes of the buffers the builder holds on to between batches. */
  get capacity(): number {
    return this.buf.length + (this.compressed?.length ?? 0);
  }

  /**
   * Starts a new, empty batch whose records store their timestamps as deltas from
   * `baseTimestamp`; without one, the first record's timestamp becomes the base.
   */
  reset(baseTimestamp = NaN): this {
    this.pos = RECORDS;
    this.count = 0;
    this.base = baseTimestamp;
    this.maxTimestampDelta = -Infinity;
    this.lastOffsetDelta = 0;
    this.lastValueAt = -1;
    return this;
  }

  /**
   * Appends a record unless it would take the batch past batchSize (and the batch is not empty);
   * false, and nothing written, when it does not fit. `offsetDelta` defaults to the record's index.
   */
  tryAppend(
    timestamp: number,
    key: BytesInput,
    value: BytesInput,
    headers?: readonly RecordHeaderInput[],
    offsetDelta = this.count,
  ): boolean {
    // The delta is passed on, not the timestamp: a small number crosses a call without boxing.
    if (this.base !== this.base) this.base = timestamp;
    return this.write(timestamp - this.base, key, value, headers, offsetDelta, this.batchSize);
  }

  /** Appends a record whatever the batch size: the buffer grows to hold it. */
  append(
    timestamp: number,
    key: BytesInput,
    value: BytesInput,
    headers?: readonly RecordHeaderInput[],
    offsetDelta = this.count,
  ): void {
    if (this.base !== this.base) this.base = timestamp;
    this.write(timestamp - this.base, key, value, headers, offsetDelta, Infinity);
  }

  /**
   * Finishes the batch: header, codec and CRC. The result is a view of a buffer this builder
   * reuses, valid until the next reset() or append.
   */
  finish(header: BatchHeader = DEFAULT_HEADER): Buffer {
    this.checkNotEmpty();
    const codec = header.codec ?? Codec.None;
    if (codec === Codec.None) {
      this.writeHeader(this.buf, this.pos, header);
      return this.buf.subarray(0, this.pos);
    }
    const records = compressSync(codec, this.buf.subarray(RECORDS, this.pos));
    const size = RECORDS + records.length;
    if (!this.compressed || this.compressed.length < size) {
      this.compressed = Buffer.allocUnsafe(Math.max(size, this.compressed ? this.compressed.length * 2 : 0));
    }
    this.compressed.set(records, RECORDS);
    this.writeHeader(this.compressed, size, header);
    return this.compressed.subarray(0, size);
  }

  /** Like finish(), into a new buffer of exactly the batch's size that the caller owns. */
  finishCopy(header: BatchHeader = DEFAULT_HEADER): Buffer {
    this.checkNotEmpty();
    return this.owned(compressSync(header.codec ?? Codec.None, this.recordsSection()), header);
  }

  /**
   * Like finishCopy(), but a big records section is compressed in the worker pool. The builder
   * must not be reset or appended to until the promise settles.
   */
  async finishAsync(header: BatchHeader = DEFAULT_HEADER): Promise<Buffer> {
    this.checkNotEmpty();
    return this.owned(await compress(header.codec ?? Codec.None, this.recordsSection()), header);
  }

  /** Appends the record if the batch stays within `limit` bytes (or is empty). */
  private write(
    timestampDelta: number,
    key: BytesInput,
    value: BytesInput,
    headers: readonly RecordHeaderInput[] | undefined,
    offsetDelta: number,
    limit: number,
  ): boolean {
    const keyLength = lengthOf(key);
    const valueLength = lengthOf(value);
    const bodySize =
      1 + // attributes
      varlongSize(timestampDelta) +
      varintSize(offsetDelta) +
      fieldSize(keyLength) +
      fieldSize(valueLength) +
      (headers === undefined ? 1 : headersSize(headers));
    const end = this.pos + varintSize(bodySize) + bodySize;
    if (end > limit && this.count > 0) return false;
    if (end > this.buf.length) this.grow(end);

    const buf = this.buf;
    let pos = writeVarint(buf, bodySize, this.pos);
    buf[pos++] = 0; // record attributes: unused in v2
    pos = writeVarlong(buf, timestampDelta, pos);
    pos = writeVarint(buf, offsetDelta, pos);
    // Null keys and Buffer values are written here rather than through writeBytes: kiln perf's
    // records are exactly that, and the inline path measured faster.
    if (keyLength < 0)
      buf[pos++] = 1; // -1 zig-zag: a null key
    else pos = writeBytes(buf, key, keyLength, writeVarint(buf, keyLength, pos));
    pos = writeVarint(buf, valueLength, pos);
    this.lastValueAt = valueLength < 0 ? -1 : pos;
    if (typeof value === 'string') {
      pos += buf.write(value, pos, valueLength, 'utf8');
    } else if (valueLength > 0) {
      buf.set(value!, pos);
      pos += valueLength;
    }
    if (headers === undefined) {
      buf[pos++] = 0;
      this.pos = pos;
    } else this.pos = writeHeaders(buf, headers, pos);
    this.count++;
    if (timestampDelta > this.maxTimestampDelta) this.maxTimestampDelta = timestampDelta;
    this.lastOffsetDelta = offsetDelta;
    return true;
  }

  private checkNotEmpty(): void {
    if (this.count === 0) throw new InvalidRecordError('a record batch needs at least one record');
  }

  private recordsSection(): Buffer {
    return this.buf.subarray(RECORDS, this.pos);
  }

  /** A new buffer with the header and `records` (the records section, compressed or not). */
  private owned(records: Buffer, header: BatchHeader): Buffer {
    const size = RECORDS + records.length;
    const out = Buffer.allocUnsafeSlow(size);
    out.set(records, RECORDS);
    this.writeHeader(out, size, header);
    return out;
  }

  private writeHeader(buf: Buffer, size: number, header: BatchHeader): void {
    let attributes = (header.codec ?? Codec.None) & CODEC_MASK;
    if (header.timestampType === TimestampType.LogAppendTime) attributes |= TIMESTAMP_TYPE_BIT;
    if (header.transactional) attributes |= TRANSACTIONAL_BIT;
    if (header.control) attributes |= CONTROL_BIT;

    writeInt64(buf, header.baseOffset ?? 0, BASE_OFFSET);
    buf.writeInt32BE(size - LOG_OVERHEAD, BATCH_LENGTH);
    buf.writeInt32BE(header.partitionLeaderEpoch ?? -1, PARTITION_LEADER_EPOCH);
    buf.writeInt8(2, MAGIC);
    buf.writeInt16BE(attributes, ATTRIBUTES);
    buf.writeInt32BE(header.lastOffsetDelta ?? this.lastOffsetDelta, LAST_OFFSET_DELTA);
    writeInt64(buf, this.base, BASE_TIMESTAMP);
    writeInt64(buf, this.base + this.maxTimestampDelta, MAX_TIMESTAMP);
    writeInt64(buf, header.producerId ?? -1, PRODUCER_ID);
    buf.writeInt16BE(header.producerEpoch ?? -1, PRODUCER_EPOCH);
    buf.writeInt32BE(header.baseSequence ?? -1, BASE_SEQUENCE);
    buf.writeInt32BE(this.count, RECORD_COUNT);
    buf.writeUInt32BE(computeBatchCrc(buf, 0, size), CRC);
  }

  private grow(needed: number): void {
    const bigger = Buffer.allocUnsafe(Math.max(needed, this.buf.length * 2));
    this.buf.copy(bigger, 0, 0, this.pos);
    this.buf = bigger;
  }
}

/*
 * One-shot builds over reused builders: a synchronous build always gets the same one back; an
 * asynchronous one holds its builder until its compression is done, so concurrent builds each
 * take one of their own.
 */
const spareBuilders: BatchBuilder[] = [];
const MAX_SPARE_BUILDERS = 4;
/** A builder that grew past this (for a big batch) is let go rather than kept for the next build. */
const MAX_KEPT_CAPACITY = 1024 * 1024;

function takeBuilder(): BatchBuilder {
  return spareBuilders.pop() ?? new BatchBuilder();
}

function giveBack(builder: BatchBuilder): void {
  if (spareBuilders.length < MAX_SPARE_BUILDERS && builder.capacity <= MAX_KEPT_CAPACITY) {
    spareBuilders.push(builder);
  }
}

function fill(builder: BatchBuilder, opts: BuildBatchOptions): void {
  const records = opts.records;
  if (records.length === 0) throw new InvalidRecordError('a record batch needs at least one record');
  const now = Date.now();
  builder.reset(opts.baseTimestamp ?? records[0]!.timestamp ?? now);
  for (const r of records) builder.append(r.timestamp ?? now, r.key, r.value, r.headers, r.offsetDelta);
}

/** Builds one batch, compressing synchronously. */
export function buildBatch(opts: BuildBatchOptions): Buffer {
  const builder = takeBuilder();
  try {
    fill(builder, opts);
    return builder.finishCopy(opts);
  } finally {
    giveBack(builder);
  }
}

/** Builds one batch; a big records section is compressed in the worker pool. */
export async function buildBatchAsync(opts: BuildBatchOptions): Promise<Buffer> {
  const builder = takeBuilder();
  try {
    fill(builder, opts);
    return await builder.finishAsync(opts);
  } finally {
    giveBack(builder);
  }
}

/**
 * The header of a batch rebuilt from (some of) `original`'s records: everything its header says
 * but the records — base offset, span (last offset delta), timestamp type, producer id, epoch,
 * sequence, transactional flag and leader epoch — in `codec`. Its records keep their timestamps
 * as deltas from original.baseTimestamp.
 */
export function rebuildHeader(original: RecordBatch, codec = original.codec): BatchHeader {
  return {
    codec,
    baseOffset: original.baseOffset,
    lastOffsetDelta: original.lastOffsetDelta,
    timestampType: original.timestampType,
    producerId: original.producerId,
    producerEpoch: original.producerEpoch,
    baseSequence: original.baseSequence,
    transactional: original.isTransactional,
    partitionLeaderEpoch: original.partitionLeaderEpoch,
  };
}

/**
 * A batch rebuilt from (some of) `original`'s records, keeping its header (see rebuildHeader).
 * `codec` defaults to the original's. Used where a batch must change inside: a topic's
 * compression.type, and the cleaner dropping records.
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
  return { ...rebuildHeader(original, codec), records, baseTimestamp: original.baseTimestamp };
}
