/**
 * Walks a fetched record set (record batches v2 back to back, layout in
 * engine/record/record-batch.ts) in place for `kiln perf consume`: counts records and key + value
 * bytes, and measures end-to-end latency from the send time `kiln perf produce` puts in the first
 * 8 bytes of each value (float64 LE, ms since the epoch; see record-batch-writer.ts).
 *
 * Nothing is allocated per record: one varint cursor is reused and results accumulate in fields.
 * A compressed batch's records section is decompressed (one buffer per batch). A broker may cut the
 * last batch of a partition short; only the complete batches before it are looked at.
 */
import {
  Codec,
  CorruptRecordError,
  RECORDS,
  RecordBatch,
  VarintCursor,
  decompressSync,
  readVarint,
  readVarlong,
  validateBatch,
} from '../../engine/index.js';
import type { LatencyHistogram } from './latency-histogram.js';
import { STAMP_BYTES } from './record-batch-writer.js';

/** A send time is believed when it is at most this old ... */
const MAX_PLAUSIBLE_AGE_MS = 3_600_000;
/** ... and at most this far in the future (clocks of two hosts differ a little). */
const MAX_FUTURE_MS = 1000;

/** The offset after the last complete batch in records[0, end), or `position` if that is later. */
export function nextOffset(records: Buffer, end: number, position: number): number {
  const header = new RecordBatch(records); // moved from batch to batch
  let next = position;
  let pos = 0;
  while (pos < end) {
    const last = header.moveTo(records, pos).lastOffset;
    if (last + 1 > next) next = last + 1;
    pos += header.sizeInBytes;
  }
  return next;
}

export class RecordSetScanner {
  private readonly cursor = new VarintCursor();
  /** The batch being looked at, moved from batch to batch. */
  private readonly batch = new RecordBatch(Buffer.alloc(0));
  /** Totals over every scan. */
  records = 0;
  bytes = 0;
  batchBytes = 0;
  /** Figures of the last scan() alone. */
  lastRecords = 0;
  lastBytes = 0;
  /** The offset after the last record the last scan() counted (its `position` if none). */
  consumedTo = 0;
  /** Sum and max of the latencies the last scan() measured. */
  lastLatencySum = 0;
  lastLatencyCount = 0;
  lastLatencyMax = 0;
  /** Batches whose magic is not 2, skipped. */
  skippedBatches = 0;

  constructor(private readonly histogram: LatencyHistogram) {}

  /**
   * Scans the complete batches in records[0, end): records at offsets from `position` on, at most
   * `limit` of them. `arrival` is when the response arrived (ms since the epoch, sub-ms).
   */
  scan(records: Buffer, end: number, position: number, limit: number, arrival: number): void {
    this.lastRecords = 0;
    this.lastBytes = 0;
    this.lastLatencySum = 0;
    this.lastLatencyCount = 0;
    this.lastLatencyMax = 0;
    this.consumedTo = position;
    let pos = 0;
    while (pos < end && this.lastRecords < limit) {
      const batchAt = pos;
      const batch = this.batch.moveTo(records, batchAt);
      if (batch.magic !== 2) {
        // An old message set (a log written by an old Kafka): not what a load test reads.
        pos += batch.sizeInBytes;
        this.skippedBatches++;
        continue;
      }
      // Header checks and the CRC-32C, as Kafka's consumer does (check.crcs).
      const size = validateBatch(records, batchAt, end);
      pos += size;
      const baseOffset = batch.baseOffset;
      const lastOffset = baseOffset + batch.lastOffsetDelta;
      if (lastOffset < position) continue;
      if (batch.isControl) {
        this.consumedTo = lastOffset + 1;
        continue;
      }
      const codec = batch.codec;
      const count = batch.recordCount;
      let bytes = records;
      let start = batchAt + RECORDS;
      let stop = batchAt + size;
      if (codec !== Codec.None) {
        bytes = decompressSync(codec, batch.recordsBytes);
        start = 0;
        stop = bytes.length;
      }
      const wanted = limit - this.lastRecords;
      const whole = baseOffset >= position && count <= wanted;
      const counted = this.walk(bytes, start, stop, baseOffset, count, whole ? 0 : position, wanted, arrival);
      // A batch wholly taken is counted by its header; walking it gave the bytes and latencies.
      this.lastRecords += whole ? count : counted;
      if (counted > 0 || whole) this.batchBytes += size;
      if (whole || this.lastRecords < limit) this.consumedTo = Math.max(this.consumedTo, lastOffset + 1);
    }
    this.records += this.lastRecords;
    this.bytes += this.lastBytes;
  }

  /**
   * Walks `count` records in bytes[start, stop) of a batch at `baseOffset`; counts those at or
   * after `from`, at most `max`. Returns how many it counted.
   */
  private walk(
    bytes: Buffer,
    start: number,
    stop: number,
    baseOffset: number,
    count: number,
    from: number,
    max: number,
    arrival: number,
  ): number {
    const cursor = this.cursor.reset(start, stop);
    const histogram = this.histogram;
    // DataView reads of the stamp compile to a plain load; Buffer.readDoubleLE goes byte by byte.
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    let counted = 0;
    for (let i = 0; i < count && counted < max; i++) {
      cursor.end = stop;
      const length = readVarint(bytes, cursor);
      const recordEnd = cursor.pos + length;
      if (length <= 0 || recordEnd > stop) {
        throw new CorruptRecordError(`record ${i} of the batch at offset ${baseOffset} overruns it`, 0);
      }
      cursor.end = recordEnd;
      cursor.pos++; // attributes
      readVarlong(bytes, cursor); // timestamp delta
      const offset = baseOffset + readVarint(bytes, cursor);
      const keyLength = readVarint(bytes, cursor);
      if (keyLength > 0) cursor.pos += keyLength;
      const valueLength = readVarint(bytes, cursor);
      const valueAt = cursor.pos;
      cursor.pos = recordEnd;
      if (offset < from) continue;
      if (valueAt + Math.max(valueLength, 0) > recordEnd) {
        throw new CorruptRecordError(`record ${i} of the batch at offset ${baseOffset} overruns it`, 0);
      }
      counted++;
      this.lastBytes += (keyLength > 0 ? keyLength : 0) + (valueLength > 0 ? valueLength : 0);
      this.consumedTo = offset + 1;
      if (valueLength >= STAMP_BYTES) {
        const latency = arrival - view.getFloat64(valueAt, true);
        // NaN (no stamp) fails both tests.
        if (latency >= -MAX_FUTURE_MS && latency <= MAX_PLAUSIBLE_AGE_MS) {
          const ms = latency > 0 ? latency : 0;
          histogram.record(ms);
          this.lastLatencySum += ms;
          this.lastLatencyCount++;
          if (ms > this.lastLatencyMax) this.lastLatencyMax = ms;
        }
      }
    }
    return counted;
  }
}
