/**
 * What the partition log checks and patches in batches before they are written: the shallow
 * checks (engine/record/batch-validate.ts), the size limit, the batch-level rules Kafka applies to
 * producer batches, timestamps, and then offsets and leader epoch written in place. Works on the
 * header of each batch only: no record is decoded, so the cost is per batch, not per record.
 */
import {
  DuplicateSequenceError,
  InvalidRecordError,
  InvalidTimestampError,
  RecordTooLargeError,
} from '../errors.js';
import type { ProducerBatch, ProducerState } from './producer-state.js';
import { validateBatch } from '../record/batch-validate.js';
import {
  ATTRIBUTES,
  BASE_OFFSET,
  BASE_SEQUENCE,
  BASE_TIMESTAMP,
  CONTROL_BIT,
  LAST_OFFSET_DELTA,
  MAX_TIMESTAMP,
  PRODUCER_EPOCH,
  PRODUCER_ID,
  RECORD_COUNT,
  TIMESTAMP_TYPE_BIT,
  readInt64,
  setBaseOffset,
  setLogAppendTime,
  setPartitionLeaderEpoch,
} from '../record/record-batch.js';
import type { LogConfig } from './log-config.js';

export interface AppendOptions {
  /** Leader appends get fresh offsets; a follower keeps the offsets the leader gave. */
  assignOffsets: boolean;
  /** The partition leader epoch to stamp on each batch, if any. */
  leaderEpoch?: number;
  /** Clock for LogAppendTime and timestamp checks. */
  now: number;
  /** Appends by the broker itself (e.g. control batches, internal topics) skip producer-only rules. */
  internal?: boolean;
  /**
   * The batches were checked already (a follower's fetcher checks each CRC in its worker thread):
   * only their framing is read here.
   */
  verified?: boolean;
  /** Idempotent producers' state: sequences are checked against it (leader appends only). */
  producers?: ProducerState;
}

export interface AppendInfo {
  /** First and last offset written. */
  firstOffset: number;
  lastOffset: number;
  /** Largest timestamp among the batches, and the last offset of the batch that holds it. */
  maxTimestamp: number;
  offsetOfMaxTimestamp: number;
  /** The time stamped on the batches, or -1 when they keep CreateTime. */
  logAppendTime: number;
  batches: number;
  records: number;
  bytes: number;
  /** The log end offset once the batches are written: filled in by the log (-1 until then). */
  logEndOffset: number;
  /** Set when the (single) batch is a producer's retry: nothing was patched, nothing is to be written. */
  duplicateOf?: ProducerBatch;
}

/**
 * Validates `buf` (whole batches back to back) and patches it in place: base offsets from
 * `nextOffset` on (when assigning), leader epoch, LogAppendTime. Throws before patching anything
 * if any batch is bad, so a rejected append changes nothing.
 */
export function validateAndAssign(
  buf: Buffer,
  nextOffset: number,
  config: Readonly<LogConfig>,
  options: AppendOptions,
): AppendInfo {
  if (buf.length === 0) throw new InvalidRecordError('an append must hold at least one record batch');
  let pos = 0;
  let batches = 0;
  let records = 0;
  let expected = nextOffset;
  let maxTimestamp = -1;
  while (pos < buf.length) {
    const size = options.verified ? framedSize(buf, pos) : validateBatch(buf, pos);
    // A follower keeps what its leader accepted, whatever its own limits say.
    if (size > config.maxMessageBytes && options.assignOffsets)
      throw new RecordTooLargeError(size, config.maxMessageBytes);
    const count = buf.readInt32BE(pos + RECORD_COUNT);
    const lastOffsetDelta = buf.readInt32BE(pos + LAST_OFFSET_DELTA);
    const attributes = buf.readInt16BE(pos + ATTRIBUTES);
    if (options.assignOffsets && !options.internal) {
      checkProducerBatch(buf, pos, count, lastOffsetDelta, attributes);
    }
    const producerId = readInt64(buf, pos + PRODUCER_ID);
    if (options.producers && options.assignOffsets && producerId >= 0) {
      const firstSeq = buf.readInt32BE(pos + BASE_SEQUENCE);
      const lastSeq = (firstSeq + lastOffsetDelta) % 0x8000_0000;
      const duplicate = options.producers.check(
        producerId,
        buf.readInt16BE(pos + PRODUCER_EPOCH),
        firstSeq,
        lastSeq,
      );
      if (duplicate) {
        if (pos !== 0 || size !== buf.length) {
          throw new DuplicateSequenceError(
            `a retried batch of producer ${producerId} came with other batches`,
          );
        }
        return duplicateResult(duplicate, count, size);
      }
    }
    if (!options.assignOffsets) {
      const base = readInt64(buf, pos + BASE_OFFSET);
      if (base < expected) {
        throw new InvalidRecordError(
          `batch at position ${pos} has offset ${base}, expected at least ${expected}`,
        );
      }
      expected = base;
    }
    if (
      options.assignOffsets &&
      config.messageTimestampType === 'CreateTime' &&
      !(attributes & TIMESTAMP_TYPE_BIT)
    ) {
      checkTimestamps(buf, pos, config, options.now);
    }
    maxTimestamp = Math.max(maxTimestamp, readInt64(buf, pos + MAX_TIMESTAMP));
    expected += lastOffsetDelta + 1;
    records += count;
    batches++;
    pos += size;
  }

  // Everything is valid: patch in place.
  const logAppendTime =
    config.messageTimestampType === 'LogAppendTime' && options.assignOffsets ? options.now : -1;
  let offset = nextOffset;
  let offsetOfMaxTimestamp = -1;
  let firstOffset = -1;
  maxTimestamp = -1;
  for (pos = 0; pos < buf.length;) {
    const size = buf.readInt32BE(pos + 8) + 12;
    if (options.assignOffsets) setBaseOffset(buf, pos, offset);
    else offset = readInt64(buf, pos + BASE_OFFSET);
    if (firstOffset < 0) firstOffset = offset;
    if (options.leaderEpoch !== undefined) setPartitionLeaderEpoch(buf, pos, options.leaderEpoch);
    if (logAppendTime >= 0) setLogAppendTime(buf, pos, logAppendTime);
    const last = offset + buf.readInt32BE(pos + LAST_OFFSET_DELTA);
    const ts = readInt64(buf, pos + MAX_TIMESTAMP);
    if (ts > maxTimestamp) {
      maxTimestamp = ts;
      offsetOfMaxTimestamp = last;
    }
    offset = last + 1;
    pos += size;
  }
  return {
    firstOffset,
    lastOffset: offset - 1,
    maxTimestamp,
    offsetOfMaxTimestamp,
    logAppendTime,
    batches,
    records,
    bytes: buf.length,
    logEndOffset: -1,
  };
}

function duplicateResult(duplicate: ProducerBatch, records: number, bytes: number): AppendInfo {
  return {
    firstOffset: duplicate.firstOffset,
    lastOffset: duplicate.lastOffset,
    maxTimestamp: -1,
    offsetOfMaxTimestamp: -1,
    logAppendTime: -1,
    batches: 1,
    records,
    bytes,
    logEndOffset: -1,
    duplicateOf: duplicate,
  };
}

/** Kafka's rules for batches that come from producers. */
function checkProducerBatch(
  buf: Buffer,
  pos: number,
  count: number,
  lastOffsetDelta: number,
  attributes: number,
): void {
  if (count <= 0) throw new InvalidRecordError(`batch at position ${pos} has no records`);
  if (count !== lastOffsetDelta + 1) {
    throw new InvalidRecordError(
      `batch at position ${pos} holds ${count} records but its offsets span ${lastOffsetDelta + 1}`,
    );
  }
  if (attributes & CONTROL_BIT) throw new InvalidRecordError('clients may not write control batches');
  if (readInt64(buf, pos + PRODUCER_ID) >= 0 && buf.readInt32BE(pos + BASE_SEQUENCE) < 0) {
    throw new InvalidRecordError(`batch at position ${pos} has a producer id but no base sequence`);
  }
}

/** message.timestamp.difference.max.ms, checked on the batch's first and largest timestamp. */
function checkTimestamps(buf: Buffer, pos: number, config: Readonly<LogConfig>, now: number): void {
  const limit = config.messageTimestampDifferenceMaxMs;
  if (limit >= Number.MAX_SAFE_INTEGER) return;
  for (const field of [BASE_TIMESTAMP, MAX_TIMESTAMP]) {
    const ts = readInt64(buf, pos + field);
    if (Math.abs(ts - now) > limit) {
      throw new InvalidTimestampError(
        `timestamp ${ts} of batch at position ${pos} is more than ${limit} ms from the broker's time ${now}`,
      );
    }
  }
}

/** The size of the batch at `pos` from its length field, checked to lie within `buf`. */
function framedSize(buf: Buffer, pos: number): number {
  if (pos + 12 > buf.length) throw new InvalidRecordError(`a batch at position ${pos} is cut short`);
  const size = buf.readInt32BE(pos + 8) + 12;
  if (size < 61 || pos + size > buf.length) {
    throw new InvalidRecordError(`the batch at position ${pos} claims ${size} bytes`);
  }
  return size;
}
