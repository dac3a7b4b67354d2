/**
 * Zig-zag variable-length integers, as the record format uses them (protobuf's encoding).
 *
 * Zig-zag maps signed to unsigned so small magnitudes stay short: 0 -> 0, -1 -> 1, 1 -> 2, -2 -> 3 ...
 * The unsigned value is then written 7 bits per byte, least significant group first; the high bit
 * of each byte says another byte follows. An int32 takes at most 5 bytes, an int64 at most 10.
 *
 * Varlongs are read and written as `number`, exact within ±2^53 (offsets and timestamps never go
 * beyond), so no BigInt is ever allocated. Reads advance a caller-owned VarintCursor instead of
 * returning a {value, size} pair, so decoding allocates nothing per call.
 */
import { CorruptRecordError } from '../errors.js';

const MAX_VARINT_BYTES = 5;
const MAX_VARLONG_BYTES = 10;

/**
 * A read position and the limit reads must stay below. One cursor is reused for a whole batch;
 * callers narrow `end` to the current record so a bad length can never reach into the next one.
 */
export class VarintCursor {
  constructor(
    public pos = 0,
    public end = 0,
  ) {}

  /** Points the cursor at [pos, end) and returns it, for reuse without allocation. */
  reset(pos: number, end: number): this {
    this.pos = pos;
    this.end = end;
    return this;
  }
}

function truncated(kind: string, pos: number): CorruptRecordError {
  return new CorruptRecordError(`truncated ${kind} at position ${pos}`, pos);
}

/** Reads a zig-zag varint (int32) at `cursor.pos` and advances past it. */
export function readVarint(buf: Buffer, cursor: VarintCursor): number {
  const start = cursor.pos;
  const end = Math.min(cursor.end, buf.length);
  let pos = start;
  let raw = 0;
  for (let i = 0; i < MAX_VARINT_BYTES; i++) {
    if (pos >= end) throw truncated('varint', start);
    const b = buf[pos++]!;
    // The fifth byte's shift by 28 keeps only its low 4 bits, as Java's ByteUtils does.
    raw |= (b & 0x7f) << (7 * i);
    if ((b & 0x80) === 0) {
      cursor.pos = pos;
      return (raw >>> 1) ^ -(raw & 1);
    }
  }
  throw new CorruptRecordError(`varint longer than ${MAX_VARINT_BYTES} bytes at position ${start}`, start);
}

/**
 * Reads a zig-zag varlong (int64) at `cursor.pos` and advances past it. The sign is bit 0 of the
 * first byte; the magnitude is accumulated with multiplications so it stays exact up to 2^53.
 */
export function readVarlong(buf: Buffer, cursor: VarintCursor): number {
  const start = cursor.pos;
  const end = Math.min(cursor.end, buf.length);
  let pos = start;
  if (pos >= end) throw truncated('varlong', start);
  let b = buf[pos++]!;
  const negative = b & 1;
  let magnitude = (b & 0x7f) >>> 1;
  let scale = 64; // the first byte carried 6 bits of magnitude
  let count = 1;
  while (b & 0x80) {
    if (count === MAX_VARLONG_BYTES) {
      throw new CorruptRecordError(
        `varlong longer than ${MAX_VARLONG_BYTES} bytes at position ${start}`,
        start,
      );
    }
    if (pos >= end) throw truncated('varlong', start);
    b = buf[pos++]!;
    magnitude += (b & 0x7f) * scale;
    scale *= 128;
    count++;
  }
  cursor.pos = pos;
  // Zig-zag: odd raw values are negative, -(raw >>> 1) - 1.
  return negative ? -magnitude - 1 : magnitude;
}

/** Writes `value` (an int32) as a zig-zag varint at `pos`; returns the position after it. */
export function writeVarint(buf: Buffer, value: number, pos: number): number {
  let raw = ((value << 1) ^ (value >> 31)) >>> 0;
  while (raw >= 0x80) {
    buf[pos++] = (raw & 0x7f) | 0x80;
    raw >>>= 7;
  }
  buf[pos++] = raw;
  return pos;
}

/** Writes `value` (a safe integer) as a zig-zag varlong at `pos`; returns the position after it. */
export function writeVarlong(buf: Buffer, value: number, pos: number): number {
  if (value >= -0x8000_0000 && value <= 0x7fff_ffff) return writeVarint(buf, value, pos);
  const negative = value < 0 ? 1 : 0;
  let magnitude = negative ? -value - 1 : value;
  // First byte: 6 bits of magnitude above the sign bit.
  let b = ((magnitude % 64) << 1) | negative;
  magnitude = Math.floor(magnitude / 64);
  while (magnitude > 0) {
    buf[pos++] = b | 0x80;
    b = magnitude % 128;
    magnitude = Math.floor(magnitude / 128);
  }
  buf[pos++] = b;
  return pos;
}

/** Bytes `value` (an int32) takes as a zig-zag varint. */
export function varintSize(value: number): number {
  const raw = ((value << 1) ^ (value >> 31)) >>> 0;
  if (raw < 0x80) return 1;
  if (raw < 0x4000) return 2;
  if (raw < 0x20_0000) return 3;
  if (raw < 0x1000_0000) return 4;
  return 5;
}

/** Bytes `value` (a safe integer) takes as a zig-zag varlong. */
export function varlongSize(value: number): number {
  if (value >= -0x8000_0000 && value <= 0x7fff_ffff) return varintSize(value);
  let magnitude = Math.floor((value < 0 ? -value - 1 : value) / 64);
  let size = 1;
  while (magnitude > 0) {
    magnitude = Math.floor(magnitude / 128);
    size++;
  }
  return size;
}
