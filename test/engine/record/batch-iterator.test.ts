import { describe, expect, it } from 'vitest';
import { CorruptRecordError, UnsupportedMagicError } from '../../../engine/errors.js';
import { buildBatch } from '../../../engine/record/batch-builder.js';
import { iterateBatches } from '../../../engine/record/batch-iterator.js';
import { ATTRIBUTES, Codec, MAGIC } from '../../../engine/record/record-batch.js';

function threeBatches(): { buf: Buffer; sizes: number[] } {
  const parts = [
    buildBatch({ records: [{ value: 'a' }, { value: 'b' }], baseOffset: 0 }),
    buildBatch({ records: [{ value: 'c' }], baseOffset: 2, codec: Codec.Zstd }),
    buildBatch({ records: [{ key: 'k', value: 'd' }, { value: 'e' }, { value: 'f' }], baseOffset: 3 }),
  ];
  return { buf: Buffer.concat(parts), sizes: parts.map((p) => p.length) };
}

describe('iterateBatches', () => {
  it('yields a view per batch at its position', () => {
    const { buf, sizes } = threeBatches();
    const batches = [...iterateBatches(buf)];
    expect(batches.map((b) => b.position)).toEqual([0, sizes[0], sizes[0]! + sizes[1]!]);
    expect(batches.map((b) => b.baseOffset)).toEqual([0, 2, 3]);
    expect(batches.map((b) => b.sizeInBytes)).toEqual(sizes);
    expect(batches[1]!.codec).toBe(Codec.Zstd);
  });

  it('yields nothing for an empty buffer', () => {
    expect([...iterateBatches(Buffer.alloc(0))]).toEqual([]);
  });

  it('yields the whole batches, then throws CorruptRecordError at a truncated one', () => {
    const { buf, sizes } = threeBatches();
    for (const cut of [1, 20, sizes[2]! - 1]) {
      const seen: number[] = [];
      const truncated = buf.subarray(0, buf.length - cut);
      expect(() => {
        for (const batch of iterateBatches(truncated)) seen.push(batch.baseOffset);
      }).toThrow(CorruptRecordError);
      expect(seen).toEqual([0, 2]);
    }
  });

  it('throws CorruptRecordError for a bit flip anywhere the CRC covers', () => {
    const { buf, sizes } = threeBatches();
    const second = sizes[0]!;
    for (let pos = second + ATTRIBUTES; pos < second + sizes[1]!; pos++) {
      const flipped = Buffer.from(buf);
      flipped[pos] = flipped[pos]! ^ 0x10;
      expect(() => [...iterateBatches(flipped)], `flip at ${pos}`).toThrow(CorruptRecordError);
    }
  });

  it('throws UnsupportedMagicError for an old message format', () => {
    const { buf } = threeBatches();
    buf[MAGIC] = 1;
    expect(() => [...iterateBatches(buf)]).toThrow(UnsupportedMagicError);
  });
});
