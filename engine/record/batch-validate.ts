/**
 * Shallow validation of record batches: everything that can be checked from the header and the
 * CRC without decompressing. A buffer holding many batches back to back is walked batch by batch;
 * nothing is ever read past the buffer's end.
 */
import { CorruptRecordError, UnsupportedMagicError } from '../errors.js';
import {
  BATCH_HEADER_SIZE,
  BATCH_LENGTH,
  CRC,
  LAST_OFFSET_DELTA,
  LOG_OVERHEAD,
  MAGIC,
  RECORD_COUNT,
  computeBatchCrc,
} from './record-batch.js';

/** The smallest message of format v0 (offset, size, crc, magic, attributes, key and value lengths). */
const MIN_LEGACY_MESSAGE_SIZE = LOG_OVERHEAD + 14;

/** The smallest record on the wire: length, attributes, three 1-byte varints, two null lengths, 0 headers. */
const MIN_RECORD_SIZE = 7;

/**
 * Checks the batch at `pos` and returns its size. Throws CorruptRecordError for a truncated batch,
 * inconsistent lengths or a CRC mismatch, UnsupportedMagicError for magic != 2.
 */
export function validateBatch(buf: Buffer, pos: number, end = buf.length): number {
  const available = end - pos;
  if (available < LOG_OVERHEAD) {
    throw new CorruptRecordError(`truncated batch header: ${available} bytes at position ${pos}`, pos);
  }
  const size = buf.readInt32BE(pos + BATCH_LENGTH) + LOG_OVERHEAD;
  // The magic sits at the same place in every message format, so an older message is reported
  // as one (UNSUPPORTED_MAGIC) before its size is held against the v2 header.
  if (size < MIN_LEGACY_MESSAGE_SIZE) {
    throw new CorruptRecordError(
      `batch length ${size} at position ${pos} is too small to hold a message`,
      pos,
    );
  }
  if (available < MAGIC + 1) {
    throw new CorruptRecordError(`truncated batch at position ${pos}: ${available} bytes remain`, pos);
  }
  const magic = buf.readInt8(pos + MAGIC);
  if (magic !== 2) throw new UnsupportedMagicError(magic, pos);
  if (size < BATCH_HEADER_SIZE) {
    throw new CorruptRecordError(`batch length ${size} at position ${pos} is below the header size`, pos);
  }
  if (size > available) {
    throw new CorruptRecordError(
      `truncated batch at position ${pos}: length says ${size} bytes, ${available} remain`,
      pos,
    );
  }
  const count = buf.readInt32BE(pos + RECORD_COUNT);
  const lastOffsetDelta = buf.readInt32BE(pos + LAST_OFFSET_DELTA);
  if (count < 0 || lastOffsetDelta < 0 || (count > 0 && lastOffsetDelta < count - 1)) {
    throw new CorruptRecordError(
      `batch at position ${pos} has record count ${count} and last offset delta ${lastOffsetDelta}`,
      pos,
    );
  }
  const crc = buf.readUInt32BE(pos + CRC);
  if (computeBatchCrc(buf, pos, size) !== crc) {
    throw new CorruptRecordError(`CRC mismatch in batch at position ${pos}`, pos);
  }
  return size;
}

/**
 * Checks a record count against the space the records section could hold when uncompressed —
 * a cheap guard against absurd counts before anything is allocated for them.
 */
export function isRecordCountPlausible(count: number, recordsBytes: number, compressed: boolean): boolean {
  if (count < 0) return false;
  return compressed || count * MIN_RECORD_SIZE <= recordsBytes;
}

export interface BatchesSummary {
  /** Number of batches. */
  batches: number;
  /** Sum of (lastOffsetDelta + 1) over the batches: the offsets they will take. */
  offsets: number;
  /** Total bytes, equal to the buffer length when valid. */
  bytes: number;
}

/**
 * Validates every batch in `buf`, which must hold whole batches back to back and nothing else.
 * Throws on the first bad batch.
 */
export function validateBatches(buf: Buffer): BatchesSummary {
  let pos = 0;
  let batches = 0;
  let offsets = 0;
  while (pos < buf.length) {
    const size = validateBatch(buf, pos);
    offsets += buf.readInt32BE(pos + LAST_OFFSET_DELTA) + 1;
    batches++;
    pos += size;
  }
  return { batches, offsets, bytes: pos };
}

/**
 * Length of the longest prefix of `buf[0, end)` made of whole, valid batches — what recovery keeps.
 * Never throws for bad data; stops at the first batch that does not validate.
 */
export function validPrefixLength(buf: Buffer, end = buf.length): number {
  let pos = 0;
  while (pos < end) {
    try {
      pos += validateBatch(buf, pos, end);
    } catch {
      break;
    }
  }
  return pos;
}
