import { describe, expect, it } from 'vitest';
import { CorruptRecordError, UnsupportedMagicError } from '../../../engine/errors.js';
import { validPrefixLength, validateBatch, validateBatches } from '../../../engine/record/batch-validate.js';
import { Codec, computeBatchCrc } from '../../../engine/record/record-batch.js';
import { batchOf } from '../../helpers/log-fixtures.js';
import { seededRandom } from '../../helpers/seeded-random.js';

/** Three batches of 3, 1 and 5 records (the middle one compressed), back to back. */
function threeBatches(): { buf: Buffer; starts: number[]; sizes: number[] } {
  const parts = [batchOf(3, 'a'), batchOf(1, 'b', 1_700_000_000_000, Codec.Snappy), batchOf(5, 'c')];
  const starts: number[] = [];
  let pos = 0;
  for (const p of parts) {
    starts.push(pos);
    pos += p.length;
  }
  return { buf: Buffer.concat(parts), starts, sizes: parts.map((p) => p.length) };
}

function reCrc(buf: Buffer, pos: number): void {
  const size = buf.readInt32BE(pos + 8) + 12;
  buf.writeUInt32BE(computeBatchCrc(buf, pos, size), pos + 17);
}

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

function expectCorrupt(fn: () => unknown, position: number): void {
  const err = catchError(fn);
  expect(err).toBeInstanceOf(CorruptRecordError);
  expect((err as CorruptRecordError).position).toBe(position);
  expect((err as CorruptRecordError).code).toBe('CORRUPT_RECORD');
}

type Damage = 'header-size' | 'magic' | 'crc' | 'negative-count' | 'bad-delta';

/** Damages the batch at `pos` in place; returns the error class it must produce. */
function damage(
  buf: Buffer,
  pos: number,
  kind: Damage,
): typeof CorruptRecordError | typeof UnsupportedMagicError {
  switch (kind) {
    case 'header-size':
      buf.writeInt32BE(40, pos + 8);
      return CorruptRecordError;
    case 'magic':
      buf.writeInt8(1, pos + 16);
      return UnsupportedMagicError;
    case 'crc':
      buf[pos + 30] = buf[pos + 30]! ^ 0x10;
      return CorruptRecordError;
    case 'negative-count':
      buf.writeInt32BE(-1, pos + 57);
      reCrc(buf, pos);
      return CorruptRecordError;
    case 'bad-delta':
      // Count stays; last offset delta says fewer offsets than records.
      buf.writeInt32BE(buf.readInt32BE(pos + 57) - 2, pos + 23);
      reCrc(buf, pos);
      return CorruptRecordError;
  }
}

describe('validateBatch / validateBatches on valid data', () => {
  it('returns each batch size and a summary of the buffer', () => {
    const { buf, starts, sizes } = threeBatches();
    for (let i = 0; i < 3; i++) expect(validateBatch(buf, starts[i]!)).toBe(sizes[i]);
    expect(validateBatches(buf)).toEqual({ batches: 3, offsets: 9, bytes: buf.length });
    expect(validPrefixLength(buf)).toBe(buf.length);
  });

  it('an empty buffer is zero batches', () => {
    expect(validateBatches(Buffer.alloc(0))).toEqual({ batches: 0, offsets: 0, bytes: 0 });
    expect(validPrefixLength(Buffer.alloc(0))).toBe(0);
  });

  it('honours `end`', () => {
    const { buf, starts, sizes } = threeBatches();
    expect(validateBatch(buf, starts[1]!, starts[2]!)).toBe(sizes[1]);
    expectCorrupt(() => validateBatch(buf, starts[1]!, starts[2]! - 1), starts[1]!);
    expect(validPrefixLength(buf, starts[2]!)).toBe(starts[2]);
  });
});

describe('validateBatch errors', () => {
  const { buf } = threeBatches();
  const first = batchOf(3, 'a');

  it('truncated header (fewer than 12 bytes)', () => {
    for (const n of [0, 1, 11]) expectCorrupt(() => validateBatch(first.subarray(0, n), 0), 0);
  });

  it('truncated inside the fixed header and inside the body', () => {
    for (const n of [12, 16, 17, 40, 60, 61, first.length - 1]) {
      expectCorrupt(() => validateBatch(first.subarray(0, n), 0), 0);
    }
  });

  it('a length below the header size', () => {
    for (const length of [-12, -1, 0, 48]) {
      const b = Buffer.from(first);
      b.writeInt32BE(length, 8);
      expectCorrupt(() => validateBatch(b, 0), 0);
    }
  });

  it('magic 0, 1 and 3 are UnsupportedMagicError with the position', () => {
    for (const magic of [0, 1, 3, -1]) {
      const b = Buffer.from(buf);
      const pos = first.length;
      b.writeInt8(magic, pos + 16);
      const err = catchError(() => validateBatches(b));
      expect(err).toBeInstanceOf(UnsupportedMagicError);
      expect((err as UnsupportedMagicError).magic).toBe(magic);
      expect((err as UnsupportedMagicError).position).toBe(pos);
      expect((err as UnsupportedMagicError).code).toBe('UNSUPPORTED_MAGIC');
    }
  });

  it('a small legacy v1 message set is UnsupportedMagicError, not corrupt', () => {
    // offset int64, size int32, crc uint32, magic 1, attributes 0, timestamp int64, key -1, value "hello"
    const body = Buffer.alloc(4 + 1 + 1 + 8 + 4 + 4 + 5);
    body.writeInt8(1, 4);
    body.writeBigInt64BE(1_700_000_000_000n, 6);
    body.writeInt32BE(-1, 14);
    body.writeInt32BE(5, 18);
    body.write('hello', 22);
    const legacy = Buffer.alloc(12 + body.length);
    legacy.writeInt32BE(body.length, 8);
    body.copy(legacy, 12);
    const err = catchError(() => validateBatch(legacy, 0));
    expect(err).toBeInstanceOf(UnsupportedMagicError);
  });

  it('CRC mismatch in the records or the header', () => {
    for (const at of [21, 25, 40, 60, first.length - 1]) {
      const b = Buffer.from(first);
      b[at] = b[at]! ^ 0x80;
      expectCorrupt(() => validateBatch(b, 0), 0);
    }
  });

  it('negative record count, negative or short last offset delta, even with a good CRC', () => {
    const cases: [count: number, delta: number][] = [
      [-1, 2],
      [3, -1],
      [3, 1],
      [-5, -5],
    ];
    for (const [count, delta] of cases) {
      const b = Buffer.from(buf);
      const pos = first.length + batchOf(1, 'b', 1_700_000_000_000, Codec.Snappy).length;
      b.writeInt32BE(count, pos + 57);
      b.writeInt32BE(delta, pos + 23);
      reCrc(b, pos);
      expectCorrupt(() => validateBatches(b), pos);
    }
  });

  it('a gap in offsets (delta above count - 1) is allowed', () => {
    const b = Buffer.from(first);
    b.writeInt32BE(10, 23);
    reCrc(b, 0);
    expect(validateBatch(b, 0)).toBe(first.length);
    expect(validateBatches(b).offsets).toBe(11);
  });
});

describe('validPrefixLength', () => {
  const kinds: Damage[] = ['header-size', 'magic', 'crc', 'negative-count', 'bad-delta'];
  for (const kind of kinds) {
    for (const index of [0, 1, 2]) {
      it(`stops before a ${kind} batch at index ${index}`, () => {
        const { buf, starts } = threeBatches();
        const errorClass = damage(buf, starts[index]!, kind);
        expect(validPrefixLength(buf)).toBe(starts[index]);
        const err = catchError(() => validateBatches(buf));
        expect(err).toBeInstanceOf(errorClass);
        expect((err as { position: number }).position).toBe(starts[index]);
      });
    }
  }

  it('stops at a truncation in the 1st, middle and last batch', () => {
    const { buf, starts, sizes } = threeBatches();
    for (let i = 0; i < 3; i++) {
      for (const cut of [1, 11, 12, 30, 61, sizes[i]! - 1]) {
        const end = starts[i]! + cut;
        expect(validPrefixLength(buf, end)).toBe(starts[i]);
        expect(validPrefixLength(buf.subarray(0, end))).toBe(starts[i]);
        expectCorrupt(() => validateBatches(buf.subarray(0, end)), starts[i]!);
      }
    }
  });
});

function checkNeverRangeError(buf: Buffer, end = buf.length): void {
  const n = validPrefixLength(buf, end);
  expect(n).toBeGreaterThanOrEqual(0);
  expect(n).toBeLessThanOrEqual(end);
  // The prefix it reports validates on its own.
  expect(validateBatches(buf.subarray(0, n)).bytes).toBe(n);
  try {
    validateBatches(buf.subarray(0, end));
  } catch (err) {
    if (!(err instanceof CorruptRecordError) && !(err instanceof UnsupportedMagicError)) throw err;
  }
}

describe('fuzz: never a RangeError', () => {
  it('random garbage, some of it with plausible headers', () => {
    const rand = seededRandom(0xc0ffee);
    for (let i = 0; i < 3000; i++) {
      const buf = Buffer.alloc(Math.floor(rand() * 200));
      for (let j = 0; j < buf.length; j++) buf[j] = Math.floor(rand() * 256);
      if (buf.length >= 17 && rand() < 0.5) {
        buf.writeInt32BE(Math.floor(rand() * (buf.length + 20)) - 12, 8);
        buf.writeInt8(2, 16);
      }
      checkNeverRangeError(buf);
    }
  });

  it('random truncations and byte flips of valid buffers', () => {
    const rand = seededRandom(42);
    const { buf, starts, sizes } = threeBatches();
    for (let i = 0; i < 3000; i++) {
      const copy = Buffer.from(buf);
      const flips = Math.floor(rand() * 3);
      for (let f = 0; f < flips; f++) copy[Math.floor(rand() * copy.length)] = Math.floor(rand() * 256);
      const end = Math.floor(rand() * (copy.length + 1));
      checkNeverRangeError(copy, end);
      if (flips === 0) {
        // Untouched bytes: the valid prefix is exactly the whole batches below `end`.
        const expected = [0, 1, 2].reduce(
          (acc, k) => (starts[k]! + sizes[k]! <= end ? acc + sizes[k]! : acc),
          0,
        );
        expect(validPrefixLength(copy, end)).toBe(expected);
      }
    }
  });
});
