import { describe, expect, it } from 'vitest';
import { CorruptRecordError } from '../../../engine/errors.js';
import {
  VarintCursor,
  readVarint,
  readVarlong,
  varintSize,
  varlongSize,
  writeVarint,
  writeVarlong,
} from '../../../engine/record/varint.js';

/** Reference zig-zag varlong encoder on BigInt, independent of the code under test. */
function referenceEncode(value: number): Buffer {
  const v = BigInt(value);
  let raw = v >= 0n ? v << 1n : (-v << 1n) - 1n;
  const out: number[] = [];
  while (raw >= 0x80n) {
    out.push(Number(raw & 0x7fn) | 0x80);
    raw >>= 7n;
  }
  out.push(Number(raw));
  return Buffer.from(out);
}

const INT32_VALUES = [
  0, -1, 1, 63, -64, 64, -65, 8191, -8192, 8192, 0x7fff_ffff, -0x8000_0000, 1_000_000, -123_456,
];
const LONG_VALUES = [
  ...INT32_VALUES,
  0x8000_0000,
  -0x8000_0001,
  2 ** 32,
  -(2 ** 32) - 1,
  1_795_319_412_449, // a millisecond timestamp
  -1_795_319_412_449,
  2 ** 52 + 1,
  Number.MAX_SAFE_INTEGER,
  Number.MIN_SAFE_INTEGER,
  -(2 ** 53),
];

describe('varint (int32)', () => {
  it('writes the reference bytes and reads them back', () => {
    for (const value of INT32_VALUES) {
      const buf = Buffer.alloc(8);
      const end = writeVarint(buf, value, 1);
      expect(buf.subarray(1, end), `value ${value}`).toEqual(referenceEncode(value));
      expect(varintSize(value)).toBe(end - 1);
      const cursor = new VarintCursor(1, buf.length);
      expect(readVarint(buf, cursor)).toBe(value);
      expect(cursor.pos).toBe(end);
    }
  });

  it('encodes the edge values as Kafka does', () => {
    const enc = (v: number): string => {
      const buf = Buffer.alloc(5);
      return buf.subarray(0, writeVarint(buf, v, 0)).toString('hex');
    };
    expect(enc(0)).toBe('00');
    expect(enc(-1)).toBe('01');
    expect(enc(1)).toBe('02');
    expect(enc(64)).toBe('8001');
    expect(enc(0x7fff_ffff)).toBe('feffffff0f');
    expect(enc(-0x8000_0000)).toBe('ffffffff0f');
  });

  it('reads consecutive values with one cursor', () => {
    const buf = Buffer.alloc(64);
    let pos = 0;
    for (const v of INT32_VALUES) pos = writeVarint(buf, v, pos);
    const cursor = new VarintCursor(0, pos);
    expect(INT32_VALUES.map(() => readVarint(buf, cursor))).toEqual(INT32_VALUES);
    expect(cursor.pos).toBe(pos);
  });

  it('throws CorruptRecordError on truncated input, at the buffer end or the cursor end', () => {
    expect(() => readVarint(Buffer.alloc(0), new VarintCursor(0, 0))).toThrow(CorruptRecordError);
    expect(() => readVarint(Buffer.from([0x80]), new VarintCursor(0, 1))).toThrow(CorruptRecordError);
    expect(() => readVarint(Buffer.from([0xff, 0xff, 0xff]), new VarintCursor(0, 10))).toThrow(
      /truncated varint/,
    );
    // Bytes exist past the cursor's end, but the cursor must not read them.
    expect(() => readVarint(Buffer.from([0x80, 0x01]), new VarintCursor(0, 1))).toThrow(CorruptRecordError);
  });

  it('rejects a varint longer than 5 bytes', () => {
    const buf = Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    expect(() => readVarint(buf, new VarintCursor(0, buf.length))).toThrow(/longer than 5/);
  });

  it('leaves the cursor alone when a read fails', () => {
    const cursor = new VarintCursor(0, 1);
    expect(() => readVarint(Buffer.from([0x80]), cursor)).toThrow(CorruptRecordError);
    expect(cursor.pos).toBe(0);
  });
});

describe('varlong (int64 as number)', () => {
  it('writes the reference bytes and reads them back exactly, to 2^53', () => {
    for (const value of LONG_VALUES) {
      const buf = Buffer.alloc(12);
      const end = writeVarlong(buf, value, 0);
      expect(buf.subarray(0, end), `value ${value}`).toEqual(referenceEncode(value));
      expect(varlongSize(value), `size of ${value}`).toBe(end);
      const cursor = new VarintCursor(0, buf.length);
      expect(readVarlong(buf, cursor)).toBe(value);
      expect(cursor.pos).toBe(end);
    }
  });

  it('reads 64-bit extremes written by other clients without throwing', () => {
    const max = Buffer.from('feffffffffffffffff01', 'hex'); // int64 max
    const min = Buffer.from('ffffffffffffffffff01', 'hex'); // int64 min
    expect(readVarlong(max, new VarintCursor(0, max.length))).toBeCloseTo(2 ** 63, -5);
    expect(readVarlong(min, new VarintCursor(0, min.length))).toBeCloseTo(-(2 ** 63), -5);
  });

  it('throws CorruptRecordError on truncated or over-long input', () => {
    expect(() => readVarlong(Buffer.alloc(0), new VarintCursor(0, 0))).toThrow(CorruptRecordError);
    const cut = referenceEncode(Number.MAX_SAFE_INTEGER).subarray(0, 5);
    expect(() => readVarlong(cut, new VarintCursor(0, cut.length))).toThrow(/truncated varlong/);
    const long = Buffer.alloc(11, 0xff);
    expect(() => readVarlong(long, new VarintCursor(0, long.length))).toThrow(/longer than 10/);
  });
});
