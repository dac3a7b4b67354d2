/**
 * Fills a reusable buffer with one record batch v2 (layout in engine/record/record-batch.ts) of
 * keyless, headerless records, for `kiln perf produce`. Nothing is allocated per record: each
 * record is written in place behind the last, and the header and CRC-32C are filled in when the
 * batch is finished. A compressed batch compresses the records section (one allocation by the
 * codec per batch) and copies the result behind the header in a second reusable buffer.
 *
 * What is written:
 *
 *   header  baseOffset 0, partitionLeaderEpoch -1, magic 2, CRC-32C, attributes = codec
 *           (CreateTime), lastOffsetDelta = count - 1, baseTimestamp (the first record's),
 *           maxTimestamp (the last record's: timestamps never go back), producerId -1,
 *           producerEpoch -1, baseSequence -1 (not idempotent), recordCount
 *   record  length varint, attributes 0, timestampDelta varlong, offsetDelta varint (0, 1, ...),
 *           keyLength varint -1 (null key), valueLength varint, value, headerCount varint 0
 *
 * A value of 8 bytes or more carries the record's send time in its first 8 bytes: a float64,
 * little-endian, in milliseconds since the Unix epoch with sub-millisecond precision, so a consumer
 * in another process can measure end-to-end latency. The other bytes are the caller's payload
 * (makePayload: fixed pseudo-random letters, as Kafka's tool sends).
 */
import {
  ATTRIBUTES,
  BASE_SEQUENCE,
  BASE_TIMESTAMP,
  BATCH_LENGTH,
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
  compressSync,
  computeBatchCrc,
  varintSize,
  varlongSize,
  writeInt64,
  writeVarint,
  writeVarlong,
} from '../../engine/index.js';

/** Bytes of the send-time stamp at the start of a value. */
export const STAMP_BYTES = 8;

export class RecordBatchWriter {
  private buffer: Buffer;
  /** Over `buffer`: DataView stores of the stamp compile to a plain store. */
  private view: DataView;
  /** The compressed batch (header + compressed records), reused from batch to batch. */
  private compressed: Buffer | undefined;
  private pos = RECORDS;
  private count = 0;
  private baseTimestamp = 0;
  private lastTimestampDelta = 0;

  /**
   * `batchSize` bounds the batch's bytes (header included, uncompressed): a record that would
   * grow the batch past it does not go in, unless the batch is empty (a record bigger than
   * batchSize gets a batch of its own, as in Kafka's producer).
   */
  constructor(
    readonly batchSize: number,
    readonly codec: Codec = Codec.None,
  ) {
    this.buffer = Buffer.allocUnsafe(Math.max(batchSize, RECORDS));
    this.view = new DataView(this.buffer.buffer, this.buffer.byteOffset, this.buffer.length);
  }

  get recordCount(): number {
    return this.count;
  }

  /** Bytes of the batch so far, uncompressed. */
  get sizeInBytes(): number {
    return this.pos;
  }

  /** Starts a new, empty batch whose records' timestamps are `baseTimestamp` + their deltas. */
  reset(baseTimestamp: number): void {
    this.pos = RECORDS;
    this.count = 0;
    this.baseTimestamp = baseTimestamp;
    this.lastTimestampDelta = 0;
  }

  /**
   * Appends a record whose value is `value`, its first 8 bytes replaced by `sendTime` (when the
   * value is that long and `sendTime` is not NaN). False, and nothing written, when it would not
   * fit. `timestampDelta` (ms from the base timestamp) must not decrease from record to record.
   */
  tryAppend(timestampDelta: number, value: Buffer, sendTime: number): boolean {
    const valueLength = value.length;
    const offsetDelta = this.count;
    const bodySize =
      3 + // attributes, null key length, header count: one byte each
      varlongSize(timestampDelta) +
      varintSize(offsetDelta) +
      varintSize(valueLength) +
      valueLength;
    const end = this.pos + varintSize(bodySize) + bodySize;
    if (end > this.batchSize && this.count > 0) return false;
    if (end > this.buffer.length) this.grow(end);
    const buf = this.buffer;
    let pos = writeVarint(buf, bodySize, this.pos);
    buf[pos++] = 0; // attributes: unused in v2
    pos = writeVarlong(buf, timestampDelta, pos);
    pos = writeVarint(buf, offsetDelta, pos);
    buf[pos++] = 1; // key length -1 (zig-zag): a null key
    pos = writeVarint(buf, valueLength, pos);
    buf.set(value, pos);
    if (valueLength >= STAMP_BYTES && sendTime === sendTime) this.view.setFloat64(pos, sendTime, true);
    pos += valueLength;
    buf[pos++] = 0; // no headers
    this.pos = pos;
    this.count++;
    this.lastTimestampDelta = timestampDelta;
    return true;
  }

  /**
   * Finishes the batch: header, codec and CRC. The result is a view of a buffer this writer
   * reuses, valid until the next reset().
   */
  finish(): Buffer {
    if (this.count === 0) throw new Error('a record batch needs at least one record');
    if (this.codec === Codec.None) {
      this.writeHeader(this.buffer, this.pos);
      return this.buffer.subarray(0, this.pos);
    }
    const records = compressSync(this.codec, this.buffer.subarray(RECORDS, this.pos));
    const size = RECORDS + records.length;
    if (!this.compressed || this.compressed.length < size) {
      this.compressed = Buffer.allocUnsafe(Math.max(size, this.compressed ? this.compressed.length * 2 : 0));
    }
    records.copy(this.compressed, RECORDS);
    this.writeHeader(this.compressed, size);
    return this.compressed.subarray(0, size);
  }

  private writeHeader(buf: Buffer, size: number): void {
    writeInt64(buf, 0, 0);
    buf.writeInt32BE(size - LOG_OVERHEAD, BATCH_LENGTH);
    buf.writeInt32BE(-1, PARTITION_LEADER_EPOCH);
    buf.writeInt8(2, MAGIC);
    buf.writeInt16BE(this.codec, ATTRIBUTES);
    buf.writeInt32BE(this.count - 1, LAST_OFFSET_DELTA);
    writeInt64(buf, this.baseTimestamp, BASE_TIMESTAMP);
    writeInt64(buf, this.baseTimestamp + this.lastTimestampDelta, MAX_TIMESTAMP);
    writeInt64(buf, -1, PRODUCER_ID);
    buf.writeInt16BE(-1, PRODUCER_EPOCH);
    buf.writeInt32BE(-1, BASE_SEQUENCE);
    buf.writeInt32BE(this.count, RECORD_COUNT);
    buf.writeUInt32BE(computeBatchCrc(buf, 0, size), CRC);
  }

  /** Only for a record bigger than the batch size: the buffer then stays that big. */
  private grow(needed: number): void {
    const bigger = Buffer.allocUnsafe(needed);
    this.buffer.copy(bigger, 0, 0, this.pos);
    this.buffer = bigger;
    this.view = new DataView(bigger.buffer, bigger.byteOffset, bigger.length);
  }
}

/** A fixed pseudo-random value of uppercase letters (as Kafka's tool makes), the same every run. */
export function makePayload(size: number): Buffer {
  const payload = Buffer.allocUnsafe(size);
  let state = 0x2545f491;
  for (let i = 0; i < size; i++) {
    // xorshift32
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    payload[i] = 65 + ((state >>> 0) % 26);
  }
  return payload;
}
