import { describe, expect, it } from 'vitest';
import { ProtocolReader } from '../../../server/protocol/reader.js';
import { ProtocolWriter } from '../../../server/protocol/writer.js';

describe('ProtocolWriter', () => {
  it('a string that crosses the 16 KiB chunk boundary is written whole', () => {
    for (const compact of [false, true]) {
      const writer = new ProtocolWriter();
      const filler = 'f'.repeat(16_000);
      const crossing = 'x'.repeat(1000);
      if (compact) writer.compactString(filler).compactString(crossing);
      else writer.string(filler).string(crossing);
      const reader = new ProtocolReader(writer.toBuffer());
      const read = compact
        ? [reader.compactString(), reader.compactString()]
        : [reader.string(), reader.string()];
      expect(read).toEqual([filler, crossing]);
      expect(reader.remaining).toBe(0);
    }
  });

  it('keeps large byte fields by reference and patches the size prefix', () => {
    const big = Buffer.alloc(5000, 7);
    const writer = new ProtocolWriter({ sizePrefix: true });
    writer.int32(42).bytes(big).int16(-1);
    const buffers = writer.toBuffers();
    expect(buffers).toContain(big);
    const frame = Buffer.concat(buffers);
    expect(frame.readInt32BE(0)).toBe(frame.length - 4);
    const reader = new ProtocolReader(frame, 4);
    expect(reader.int32()).toBe(42);
    expect(reader.bytes()!.equals(big)).toBe(true);
    expect(reader.int16()).toBe(-1);
  });

  it('round-trips varints, 64-bit numbers and uuids', () => {
    const writer = new ProtocolWriter();
    const values = [0, 1, -1, 63, -64, 300, -300, 2 ** 31 - 1, -(2 ** 31)];
    for (const v of values) writer.varint(v);
    writer
      .unsignedVarint(2 ** 28 + 5)
      .int64(2 ** 53 - 1)
      .int64(-5)
      .uuid('AAECAwQFBgcICQoLDA0ODw');
    const reader = new ProtocolReader(writer.toBuffer());
    expect(values.map(() => reader.varint())).toEqual(values);
    expect([reader.unsignedVarint(), reader.int64(), reader.int64(), reader.uuid()]).toEqual([
      2 ** 28 + 5,
      2 ** 53 - 1,
      -5,
      'AAECAwQFBgcICQoLDA0ODw',
    ]);
  });
});
