/**
 * The deep record iterator: decodes the records inside one v2 batch (layout in record-batch.ts),
 * decompressing first when the batch has a codec.
 *
 * Decoding validates as it goes — every length must stay inside its record and every record
 * inside the records section, the section must hold exactly the header's record count, nothing
 * may be left over — and any violation is a CorruptRecordError, never a RangeError. Keys and
 * values are subarrays of the (decompressed) bytes, not copies; the one cursor is reused for the
 * whole batch, so the only per-record allocations are the yielded Record and its parts.
 */
import { CorruptRecordError } from '../errors.js';
import { decompress, decompressSync } from './compression.js';
import type { RecordBatch } from './record-batch.js';
import { BATCH_HEADER_SIZE, Codec, TimestampType } from './record-batch.js';
import { VarintCursor, readVarint, readVarlong } from './varint.js';

export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

export interface Record {
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
}

/**
 * Yields the records of `batch`. `recordsBytes` is the already decompressed records section;
 * without it, a compressed batch is decompressed here, synchronously.
 */
export function* readRecords(batch: RecordBatch, recordsBytes?: Buffer): Generator<Record> {
  checkHeader(batch);
  const bytes = recordsBytes ?? decompressRecords(batch);
  const count = batch.recordCount;
  const decoder = new RecordDecoder(batch, bytes);
  for (let i = 0; i < count; i++) {
    let record: Record;
    try {
      record = decoder.next(i, count);
    } catch (err) {
      throw rebase(err, batch.position);
    }
    yield record;
  }
  if (decoder.cursor.pos !== bytes.length) {
    const left = bytes.length - decoder.cursor.pos;
    throw corrupt(batch.position, `${left} bytes left over after ${count} records`);
  }
}

/** All records of `batch`; a big compressed batch is decompressed in the worker pool. */
export async function readRecordsAsync(batch: RecordBatch): Promise<Record[]> {
  checkHeader(batch);
  const codec = batch.codec;
  let bytes = batch.recordsBytes;
  if (codec !== Codec.None) {
    try {
      bytes = await decompress(codec, bytes);
    } catch (err) {
      throw rebase(err, batch.position);
    }
  }
  return Array.from(readRecords(batch, bytes));
}

/** The header's lengths must fit the buffer: the RecordBatch view trusts them. */
function checkHeader(batch: RecordBatch): void {
  const available = batch.buffer.length - batch.position;
  if (
    available < BATCH_HEADER_SIZE ||
    batch.sizeInBytes < BATCH_HEADER_SIZE ||
    batch.sizeInBytes > available
  ) {
    throw corrupt(batch.position, `truncated batch: ${available} bytes available`);
  }
}

function decompressRecords(batch: RecordBatch): Buffer {
  try {
    return decompressSync(batch.codec, batch.recordsBytes);
  } catch (err) {
    throw rebase(err, batch.position);
  }
}

/** Decodes one batch's records in order, with one cursor and the batch fields read once. */
class RecordDecoder {
  readonly cursor: VarintCursor;
  private readonly baseOffset: number;
  private readonly baseTimestamp: number;
  /** LogAppendTime: the broker's append time, stored once as maxTimestamp, is every record's. */
  private readonly appendTime: number | null;

  constructor(
    batch: RecordBatch,
    private readonly bytes: Buffer,
  ) {
    this.cursor = new VarintCursor(0, bytes.length);
    this.baseOffset = batch.baseOffset;
    this.baseTimestamp = batch.baseTimestamp;
    this.appendTime = batch.timestampType === TimestampType.LogAppendTime ? batch.maxTimestamp : null;
  }

  /** Decodes record `index` at the cursor. Errors carry positions within the records section. */
  next(index: number, count: number): Record {
    const { bytes, cursor } = this;
    const end = bytes.length;
    if (cursor.pos >= end) {
      throw new CorruptRecordError(`header says ${count} records but the section ends after ${index}`, 0);
    }
    cursor.end = end;
    const length = readVarint(bytes, cursor);
    const recordEnd = cursor.pos + length;
    if (length <= 0 || recordEnd > end) {
      throw fieldError(index, `length ${length}`, cursor.pos, end);
    }
    cursor.end = recordEnd; // no field may reach into the next record
    cursor.pos++; // attributes: unused in v2
    const timestampDelta = readVarlong(bytes, cursor);
    const offsetDelta = readVarint(bytes, cursor);
    const key = this.readBytes(index, 'key');
    const value = this.readBytes(index, 'value');
    const headerCount = readVarint(bytes, cursor);
    // Each header takes at least 2 bytes: checking first keeps a bad count from sizing an array.
    if (headerCount < 0 || headerCount * 2 > recordEnd - cursor.pos) {
      throw fieldError(index, `header count ${headerCount}`, cursor.pos, recordEnd);
    }
    const headers = new Array<RecordHeader>(headerCount);
    for (let h = 0; h < headerCount; h++) {
      const keyLength = readVarint(bytes, cursor);
      if (keyLength < 0 || keyLength > recordEnd - cursor.pos) {
        throw fieldError(index, `header key length ${keyLength}`, cursor.pos, recordEnd);
      }
      const headerKey = bytes.toString('utf8', cursor.pos, cursor.pos + keyLength);
      cursor.pos += keyLength;
      headers[h] = { key: headerKey, value: this.readBytes(index, 'header value') };
    }
    if (cursor.pos !== recordEnd) {
      const early = recordEnd - cursor.pos;
      throw new CorruptRecordError(
        `record ${index} declares ${length} bytes but its fields end ${early} early`,
        cursor.pos,
      );
    }
    return {
      offset: this.baseOffset + offsetDelta,
      timestamp: this.appendTime ?? this.baseTimestamp + timestampDelta,
      key,
      value,
      headers,
    };
  }

  /** A length-prefixed byte field: -1 is null, other negatives and overruns are corrupt. */
  private readBytes(index: number, what: string): Buffer | null {
    const { bytes, cursor } = this;
    const length = readVarint(bytes, cursor);
    if (length === -1) return null;
    if (length < -1 || length > cursor.end - cursor.pos) {
      throw fieldError(index, `${what} length ${length}`, cursor.pos, cursor.end);
    }
    const start = cursor.pos;
    cursor.pos += length;
    return bytes.subarray(start, cursor.pos);
  }
}

function fieldError(index: number, what: string, pos: number, end: number): CorruptRecordError {
  return new CorruptRecordError(`record ${index} has ${what} (byte ${pos}, ${end - pos} bytes remain)`, pos);
}

/** Re-anchors an error from inside the records section on the batch, as callers expect. */
function rebase(err: unknown, batchPos: number): unknown {
  return err instanceof CorruptRecordError ? corrupt(batchPos, err.message) : err;
}

function corrupt(batchPos: number, detail: string): CorruptRecordError {
  return new CorruptRecordError(`corrupt batch at position ${batchPos}: ${detail}`, batchPos);
}
