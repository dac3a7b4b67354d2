/**
 * Fills a reusable buffer with one record batch v2 (layout in engine/record/record-batch.ts) of
 * keyless, headerless records, for `kiln perf produce`: the engine's BatchBuilder, bounded by the
 * batch size, with the send time stamped into each value in place. Nothing is allocated per
 * record; a compressed batch costs the codec's one allocation per batch.
 *
 * What is written:
 *
 *   header  baseOffset 0, partitionLeaderEpoch -1, magic 2, CRC-32C, attributes = codec
 *           (CreateTime), lastOffsetDelta = count - 1, baseTimestamp (the one given to reset),
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
import { BatchBuilder, Codec, type BatchHeader } from '../../engine/index.js';

/** Bytes of the send-time stamp at the start of a value. */
export const STAMP_BYTES = 8;

export class RecordBatchWriter {
  private readonly builder: BatchBuilder;
  private readonly header: BatchHeader;
  private baseTimestamp = 0;
  /** Over the builder's buffer: DataView stores of the stamp compile to a plain store. */
  private view: DataView | undefined;
  private viewOf: Buffer | undefined;

  /**
   * `batchSize` bounds the batch's bytes (header included, uncompressed): a record that would
   * grow the batch past it does not go in, unless the batch is empty (a record bigger than
   * batchSize gets a batch of its own, as in Kafka's producer).
   */
  constructor(
    readonly batchSize: number,
    readonly codec: Codec = Codec.None,
  ) {
    this.builder = new BatchBuilder({ batchSize });
    this.header = { codec };
  }

  get recordCount(): number {
    return this.builder.recordCount;
  }

  /** Bytes of the batch so far, uncompressed. */
  get sizeInBytes(): number {
    return this.builder.sizeInBytes;
  }

  /** Starts a new, empty batch whose records' timestamps are `baseTimestamp` + their deltas. */
  reset(baseTimestamp: number): void {
    this.baseTimestamp = baseTimestamp;
    this.builder.reset(baseTimestamp);
  }

  /**
   * Appends a record whose value is `value`, its first 8 bytes replaced by `sendTime` (when the
   * value is that long and `sendTime` is not NaN). False, and nothing written, when it would not
   * fit. `timestampDelta` (ms from the base timestamp) must not decrease from record to record.
   */
  tryAppend(timestampDelta: number, value: Buffer, sendTime: number): boolean {
    const builder = this.builder;
    if (!builder.tryAppend(this.baseTimestamp + timestampDelta, null, value)) return false;
    if (value.length >= STAMP_BYTES && sendTime === sendTime) {
      this.stampView().setFloat64(builder.valueAt, sendTime, true);
    }
    return true;
  }

  /**
   * Finishes the batch: header, codec and CRC. The result is a view of a buffer this writer
   * reuses, valid until the next reset().
   */
  finish(): Buffer {
    return this.builder.finish(this.header);
  }

  /** A view over the builder's buffer, made again only when the builder grew. */
  private stampView(): DataView {
    const buf = this.builder.buffer;
    if (buf !== this.viewOf) {
      this.viewOf = buf;
      this.view = new DataView(buf.buffer, buf.byteOffset, buf.length);
    }
    return this.view!;
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
