/**
 * The record batch, format v2 (magic 2): a view over a Buffer, read in place.
 *
 * Byte layout (big-endian), offsets from the start of the batch:
 *
 *   0  baseOffset            int64   first offset in the batch (broker-assigned, outside the CRC)
 *   8  batchLength           int32   bytes that follow this field; whole batch = batchLength + 12
 *  12  partitionLeaderEpoch  int32   broker-assigned, outside the CRC
 *  16  magic                 int8    2
 *  17  crc                   uint32  CRC-32C (Castagnoli) of bytes 21 .. end of batch
 *  21  attributes            int16   bits 0-2 codec (0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd),
 *                                    bit 3 timestamp type (1 = LogAppendTime), bit 4 transactional,
 *                                    bit 5 control, bit 6 delete horizon set
 *  23  lastOffsetDelta       int32   last offset - base offset
 *  27  baseTimestamp         int64   first timestamp (or the delete horizon when bit 6 is set)
 *  35  maxTimestamp          int64
 *  43  producerId            int64   -1 when not idempotent
 *  51  producerEpoch         int16
 *  53  baseSequence          int32
 *  57  recordCount           int32
 *  61  records               the records, compressed as one block when a codec is set
 *
 * A record inside (all lengths are zig-zag varints):
 *   length varint, attributes int8, timestampDelta varlong, offsetDelta varint,
 *   keyLength varint (-1 = null), key, valueLength varint (-1 = null), value,
 *   headerCount varint, then per header: keyLength varint, key (UTF-8), valueLength varint, value.
 *
 * 64-bit fields are read as two 32-bit halves into a `number` (exact to 2^53) so that reading a
 * header never allocates a BigInt.
 */
import { crc32c } from '@node-rs/crc32';

export const BASE_OFFSET = 0;
export const BATCH_LENGTH = 8;
export const PARTITION_LEADER_EPOCH = 12;
export const MAGIC = 16;
export const CRC = 17;
export const ATTRIBUTES = 21;
export const LAST_OFFSET_DELTA = 23;
export const BASE_TIMESTAMP = 27;
export const MAX_TIMESTAMP = 35;
export const PRODUCER_ID = 43;
export const PRODUCER_EPOCH = 51;
export const BASE_SEQUENCE = 53;
export const RECORD_COUNT = 57;
export const RECORDS = 61;

/** Bytes before the batchLength value starts counting (baseOffset + batchLength). */
export const LOG_OVERHEAD = 12;
/** The fixed header; the smallest possible batch (no records). */
export const BATCH_HEADER_SIZE = RECORDS;

export const CODEC_MASK = 0x07;
export const TIMESTAMP_TYPE_BIT = 0x08;
export const TRANSACTIONAL_BIT = 0x10;
export const CONTROL_BIT = 0x20;
export const DELETE_HORIZON_BIT = 0x40;

export enum Codec {
  None = 0,
  Gzip = 1,
  Snappy = 2,
  Lz4 = 3,
  Zstd = 4,
}

export enum TimestampType {
  CreateTime = 0,
  LogAppendTime = 1,
}

/** Reads a signed 64-bit big-endian integer as a number (exact within ±2^53). */
export function readInt64(buf: Buffer, pos: number): number {
  return buf.readInt32BE(pos) * 0x1_0000_0000 + buf.readUInt32BE(pos + 4);
}

/** Writes a number as a signed 64-bit big-endian integer (exact within ±2^53). */
export function writeInt64(buf: Buffer, value: number, pos: number): void {
  const high = Math.floor(value / 0x1_0000_0000);
  buf.writeInt32BE(high, pos);
  buf.writeUInt32BE(value - high * 0x1_0000_0000, pos + 4);
}

/** Total size of the batch starting at `pos`, read from its length field. */
export function batchSizeAt(buf: Buffer, pos: number): number {
  return buf.readInt32BE(pos + BATCH_LENGTH) + LOG_OVERHEAD;
}

/** CRC-32C over attributes to the end of the batch, as the CRC field must hold. */
export function computeBatchCrc(buf: Buffer, pos: number, size: number): number {
  return crc32c(buf.subarray(pos + ATTRIBUTES, pos + size));
}

/**
 * A view over one batch at `position` in `buffer`. Accessors read the bytes each time; nothing is
 * decoded or copied. Construct it only over a batch whose length has been checked (see
 * validateBatch) — accessors trust the header. The view only reads; its owner may move it to
 * another batch (moveTo) to walk a record set with one view.
 */
export class RecordBatch {
  private buf: Buffer;
  private pos: number;

  constructor(buffer: Buffer, position = 0) {
    this.buf = buffer;
    this.pos = position;
  }

  get buffer(): Buffer {
    return this.buf;
  }
  get position(): number {
    return this.pos;
  }

  /**
   * Points the view at the batch at `position` in `buffer` and returns it, so one view can walk
   * many batches without an allocation each. Only for a view its caller owns: whoever else holds
   * it sees the new batch.
   */
  moveTo(buffer: Buffer, position = 0): this {
    this.buf = buffer;
    this.pos = position;
    return this;
  }

  /** Whether the buffer reaches this batch's length field (so sizeInBytes can be read). */
  get hasLength(): boolean {
    return this.buf.length >= this.pos + LOG_OVERHEAD;
  }
  /** Whether the buffer reaches this batch's magic byte (so its format can be told). */
  get hasMagic(): boolean {
    return this.buf.length > this.pos + MAGIC;
  }

  get baseOffset(): number {
    return readInt64(this.buf, this.pos + BASE_OFFSET);
  }
  get batchLength(): number {
    return this.buf.readInt32BE(this.pos + BATCH_LENGTH);
  }
  /** Whole size of the batch in bytes, header included. */
  get sizeInBytes(): number {
    return this.batchLength + LOG_OVERHEAD;
  }
  get partitionLeaderEpoch(): number {
    return this.buf.readInt32BE(this.pos + PARTITION_LEADER_EPOCH);
  }
  get magic(): number {
    return this.buf.readInt8(this.pos + MAGIC);
  }
  get crc(): number {
    return this.buf.readUInt32BE(this.pos + CRC);
  }
  get attributes(): number {
    return this.buf.readInt16BE(this.pos + ATTRIBUTES);
  }
  get codec(): Codec {
    return (this.attributes & CODEC_MASK) as Codec;
  }
  get timestampType(): TimestampType {
    return this.attributes & TIMESTAMP_TYPE_BIT ? TimestampType.LogAppendTime : TimestampType.CreateTime;
  }
  get isTransactional(): boolean {
    return (this.attributes & TRANSACTIONAL_BIT) !== 0;
  }
  get isControl(): boolean {
    return (this.attributes & CONTROL_BIT) !== 0;
  }
  get hasDeleteHorizon(): boolean {
    return (this.attributes & DELETE_HORIZON_BIT) !== 0;
  }
  get lastOffsetDelta(): number {
    return this.buf.readInt32BE(this.pos + LAST_OFFSET_DELTA);
  }
  get lastOffset(): number {
    return this.baseOffset + this.lastOffsetDelta;
  }
  /** The first record's timestamp (the delete horizon when hasDeleteHorizon is set). */
  get baseTimestamp(): number {
    return readInt64(this.buf, this.pos + BASE_TIMESTAMP);
  }
  get maxTimestamp(): number {
    return readInt64(this.buf, this.pos + MAX_TIMESTAMP);
  }
  get producerId(): number {
    return readInt64(this.buf, this.pos + PRODUCER_ID);
  }
  get producerEpoch(): number {
    return this.buf.readInt16BE(this.pos + PRODUCER_EPOCH);
  }
  get baseSequence(): number {
    return this.buf.readInt32BE(this.pos + BASE_SEQUENCE);
  }
  get recordCount(): number {
    return this.buf.readInt32BE(this.pos + RECORD_COUNT);
  }
  /** The bytes of the records section (compressed when codec != None); a subarray, not a copy. */
  get recordsBytes(): Buffer {
    return this.buf.subarray(this.pos + RECORDS, this.pos + this.sizeInBytes);
  }
  /** The whole batch; a subarray, not a copy. */
  get bytes(): Buffer {
    return this.buf.subarray(this.pos, this.pos + this.sizeInBytes);
  }

  isCrcValid(): boolean {
    return computeBatchCrc(this.buf, this.pos, this.sizeInBytes) === this.crc;
  }
}

/** Sets the base offset in place. The field is outside the CRC, so the CRC stays valid. */
export function setBaseOffset(buf: Buffer, pos: number, baseOffset: number): void {
  writeInt64(buf, baseOffset, pos + BASE_OFFSET);
}

/** Sets the partition leader epoch in place. Outside the CRC, like the base offset. */
export function setPartitionLeaderEpoch(buf: Buffer, pos: number, epoch: number): void {
  buf.writeInt32BE(epoch, pos + PARTITION_LEADER_EPOCH);
}

/**
 * Rewrites the batch as LogAppendTime at `timestamp`: the timestamp-type bit and maxTimestamp are
 * inside the CRC, so the CRC is recomputed. Records keep their deltas; readers of a LogAppendTime
 * batch take every record's timestamp from maxTimestamp, as Kafka's do.
 */
export function setLogAppendTime(buf: Buffer, pos: number, timestamp: number): void {
  const attributes = buf.readInt16BE(pos + ATTRIBUTES);
  buf.writeInt16BE(attributes | TIMESTAMP_TYPE_BIT, pos + ATTRIBUTES);
  writeInt64(buf, timestamp, pos + MAX_TIMESTAMP);
  buf.writeUInt32BE(computeBatchCrc(buf, pos, batchSizeAt(buf, pos)), pos + CRC);
}
