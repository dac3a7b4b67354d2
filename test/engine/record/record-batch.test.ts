import { describe, expect, it } from 'vitest';
import { buildBatch } from '../../../engine/record/batch-builder.js';
import {
  ATTRIBUTES,
  BATCH_HEADER_SIZE,
  Codec,
  LOG_OVERHEAD,
  RecordBatch,
  TimestampType,
  batchSizeAt,
  computeBatchCrc,
  readInt64,
  setBaseOffset,
  setLogAppendTime,
  setPartitionLeaderEpoch,
  writeInt64,
} from '../../../engine/record/record-batch.js';

const T0 = 1_700_000_000_000;

/** A batch with every header field set to a known, non-default value. */
function knownBatch(
  extra: { codec?: Codec; transactional?: boolean; control?: boolean; timestampType?: TimestampType } = {},
): Buffer {
  return buildBatch({
    records: [
      { key: 'k0', value: 'v0', timestamp: T0 + 5 },
      { key: 'k1', value: 'v1', timestamp: T0 + 50 },
      { key: 'k2', value: 'v2', headers: [{ key: 'h', value: 'x' }], timestamp: T0 + 20 },
    ],
    baseOffset: 1234,
    partitionLeaderEpoch: 7,
    producerId: 98765,
    producerEpoch: 3,
    baseSequence: 42,
    ...extra,
  });
}

describe('RecordBatch header accessors', () => {
  it('reads every field of an uncompressed CreateTime batch', () => {
    const buf = knownBatch();
    const b = new RecordBatch(buf);
    expect(b.baseOffset).toBe(1234);
    expect(b.batchLength).toBe(buf.length - 12);
    expect(b.sizeInBytes).toBe(buf.length);
    expect(batchSizeAt(buf, 0)).toBe(buf.length);
    expect(b.partitionLeaderEpoch).toBe(7);
    expect(b.magic).toBe(2);
    expect(b.crc).toBe(buf.readUInt32BE(17));
    expect(b.crc).toBe(computeBatchCrc(buf, 0, buf.length));
    expect(b.isCrcValid()).toBe(true);
    expect(b.attributes).toBe(0);
    expect(b.codec).toBe(Codec.None);
    expect(b.timestampType).toBe(TimestampType.CreateTime);
    expect(b.isTransactional).toBe(false);
    expect(b.isControl).toBe(false);
    expect(b.hasDeleteHorizon).toBe(false);
    expect(b.lastOffsetDelta).toBe(2);
    expect(b.lastOffset).toBe(1236);
    expect(b.baseTimestamp).toBe(T0 + 5);
    expect(b.maxTimestamp).toBe(T0 + 50);
    expect(b.producerId).toBe(98765);
    expect(b.producerEpoch).toBe(3);
    expect(b.baseSequence).toBe(42);
    expect(b.recordCount).toBe(3);
    expect(b.recordsBytes.length).toBe(buf.length - BATCH_HEADER_SIZE);
    expect(b.bytes.equals(buf)).toBe(true);
  });

  it('decodes the attribute bits: codec, timestamp type, transactional, control', () => {
    const b = new RecordBatch(
      knownBatch({
        codec: Codec.Gzip,
        transactional: true,
        control: true,
        timestampType: TimestampType.LogAppendTime,
      }),
    );
    expect(b.attributes).toBe(0x01 | 0x08 | 0x10 | 0x20);
    expect(b.codec).toBe(Codec.Gzip);
    expect(b.timestampType).toBe(TimestampType.LogAppendTime);
    expect(b.isTransactional).toBe(true);
    expect(b.isControl).toBe(true);
    expect(b.hasDeleteHorizon).toBe(false);
    expect(b.isCrcValid()).toBe(true);
    for (const codec of [Codec.Snappy, Codec.Lz4, Codec.Zstd]) {
      const c = new RecordBatch(knownBatch({ codec }));
      expect(c.codec).toBe(codec);
      expect(c.attributes).toBe(codec);
      expect(c.recordCount).toBe(3);
      expect(c.isCrcValid()).toBe(true);
    }
  });

  it('reads a batch at a non-zero position in a larger buffer', () => {
    const first = knownBatch();
    const second = buildBatch({ records: [{ value: 'only', timestamp: T0 }], baseOffset: 99 });
    const buf = Buffer.concat([first, second]);
    const b = new RecordBatch(buf, first.length);
    expect(b.baseOffset).toBe(99);
    expect(b.recordCount).toBe(1);
    expect(b.lastOffset).toBe(99);
    expect(b.partitionLeaderEpoch).toBe(-1);
    expect(b.producerId).toBe(-1);
    expect(b.producerEpoch).toBe(-1);
    expect(b.baseSequence).toBe(-1);
    expect(b.bytes.equals(second)).toBe(true);
    expect(b.isCrcValid()).toBe(true);
    expect(batchSizeAt(buf, first.length)).toBe(second.length);
  });

  it('says whether a buffer reaches the length and the magic byte before they are read (Produce checks a batch as sent)', () => {
    expect(new RecordBatch(Buffer.alloc(11)).hasLength).toBe(false);
    expect(new RecordBatch(Buffer.alloc(12)).hasLength).toBe(true);
    expect(new RecordBatch(Buffer.alloc(16)).hasMagic).toBe(false);
    expect(new RecordBatch(Buffer.alloc(17)).hasMagic).toBe(true);
    expect(new RecordBatch(Buffer.alloc(20), 4).hasMagic).toBe(false);
    expect(new RecordBatch(Buffer.alloc(21), 4).hasMagic).toBe(true);
  });

  it('reads the delete horizon bit', () => {
    const buf = knownBatch();
    buf.writeInt16BE(0x40, ATTRIBUTES);
    expect(new RecordBatch(buf).hasDeleteHorizon).toBe(true);
  });
});

describe('readInt64 / writeInt64', () => {
  const values = [
    0,
    1,
    -1,
    255,
    -256,
    2 ** 31,
    -(2 ** 31),
    2 ** 32,
    2 ** 32 - 1,
    -(2 ** 32),
    -(2 ** 32) - 1,
    T0,
    -T0,
    2 ** 53 - 1,
    -(2 ** 53) + 1,
    2 ** 53,
    -(2 ** 53),
  ];
  for (const v of values) {
    it(`round trips ${v}`, () => {
      const buf = Buffer.alloc(12, 0xaa);
      writeInt64(buf, v, 2);
      expect(readInt64(buf, 2)).toBe(v);
      expect(buf.readBigInt64BE(2)).toBe(BigInt(v));
      // Bytes around the field are untouched.
      expect(buf[0]).toBe(0xaa);
      expect(buf[1]).toBe(0xaa);
      expect(buf[10]).toBe(0xaa);
      expect(buf[11]).toBe(0xaa);
    });
  }

  it('reads what BigInt wrote', () => {
    const buf = Buffer.alloc(8);
    buf.writeBigInt64BE(-123456789012345n, 0);
    expect(readInt64(buf, 0)).toBe(-123456789012345);
    buf.writeBigInt64BE(0x7fff_ffff_ffffn, 0);
    expect(readInt64(buf, 0)).toBe(0x7fff_ffff_ffff);
  });
});

describe('in-place setters', () => {
  it('setBaseOffset changes only the base offset and keeps the CRC valid', () => {
    const buf = knownBatch();
    const before = Buffer.from(buf);
    setBaseOffset(buf, 0, 2 ** 40 + 17);
    const b = new RecordBatch(buf);
    expect(b.baseOffset).toBe(2 ** 40 + 17);
    expect(b.lastOffset).toBe(2 ** 40 + 19);
    expect(buf.subarray(8).equals(before.subarray(8))).toBe(true);
    expect(b.isCrcValid()).toBe(true);
  });

  it('setPartitionLeaderEpoch changes only the epoch and keeps the CRC valid', () => {
    const buf = knownBatch();
    const before = Buffer.from(buf);
    setPartitionLeaderEpoch(buf, 0, 123456);
    const b = new RecordBatch(buf);
    expect(b.partitionLeaderEpoch).toBe(123456);
    expect(buf.subarray(0, 12).equals(before.subarray(0, 12))).toBe(true);
    expect(buf.subarray(16).equals(before.subarray(16))).toBe(true);
    expect(b.isCrcValid()).toBe(true);
  });

  it('setters work at a non-zero position and leave the neighbour alone', () => {
    const a = knownBatch();
    const buf = Buffer.concat([a, knownBatch()]);
    setBaseOffset(buf, a.length, 5000);
    setPartitionLeaderEpoch(buf, a.length, 9);
    expect(buf.subarray(0, a.length).equals(a)).toBe(true);
    const b = new RecordBatch(buf, a.length);
    expect(b.baseOffset).toBe(5000);
    expect(b.partitionLeaderEpoch).toBe(9);
    expect(b.isCrcValid()).toBe(true);
  });

  it('setLogAppendTime sets the bit and max timestamp and rewrites the CRC', () => {
    const buf = knownBatch({ codec: Codec.Lz4, transactional: true });
    const before = Buffer.from(buf);
    setLogAppendTime(buf, 0, T0 + 999_999);
    const b = new RecordBatch(buf);
    expect(b.timestampType).toBe(TimestampType.LogAppendTime);
    expect(b.attributes).toBe(Codec.Lz4 | 0x08 | 0x10);
    expect(b.maxTimestamp).toBe(T0 + 999_999);
    expect(b.baseTimestamp).toBe(T0 + 5);
    expect(b.crc).not.toBe(new RecordBatch(before).crc);
    expect(b.isCrcValid()).toBe(true);
    expect(buf.subarray(43).equals(before.subarray(43))).toBe(true);
  });
});

describe('CRC coverage', () => {
  it('flipping any byte from offset 21 on invalidates the CRC', () => {
    const buf = knownBatch();
    for (let i = 21; i < buf.length; i++) {
      const copy = Buffer.from(buf);
      copy[i] = copy[i]! ^ 0x01;
      expect(new RecordBatch(copy).isCrcValid(), `byte ${i}`).toBe(false);
    }
  });

  it('bytes 0..15 (offset, length aside, epoch) are outside the CRC', () => {
    const buf = knownBatch();
    for (const i of [0, 7, 12, 15]) {
      const copy = Buffer.from(buf);
      copy[i] = copy[i]! ^ 0xff;
      expect(new RecordBatch(copy).isCrcValid(), `byte ${i}`).toBe(true);
    }
    expect(LOG_OVERHEAD).toBe(12);
  });
});

describe('moveTo', () => {
  it('points one view at batch after batch', () => {
    const first = knownBatch();
    const second = knownBatch({ codec: Codec.Gzip, control: true });
    const set = Buffer.concat([first, second]);
    const view = new RecordBatch(first);
    expect(view.moveTo(set, first.length)).toBe(view);
    expect([view.buffer, view.position]).toEqual([set, first.length]);
    expect([view.codec, view.isControl, view.sizeInBytes]).toEqual([Codec.Gzip, true, second.length]);
    expect(view.bytes.equals(second)).toBe(true);
    view.moveTo(set);
    expect([view.position, view.codec, view.isControl]).toEqual([0, Codec.None, false]);
    expect(view.isCrcValid()).toBe(true);
  });
});
