// The reusable batch writer: its batches must pass the engine's validation and read back, record
// by record, with the values, timestamps and offset deltas written.
import { describe, expect, it } from 'vitest';
import {
  BatchBuilder,
  Codec,
  RecordBatch,
  type RecordInput,
  TimestampType,
  buildBatch,
  readRecords,
  validateBatch,
} from '../../../engine/index.js';
import { RecordBatchWriter, STAMP_BYTES, makePayload } from '../../../tools/perf/record-batch-writer.js';

const BASE_TIME = 1_700_000_000_000;

function fillBatch(
  writer: RecordBatchWriter,
  payload: Buffer,
  count: number,
  sendTime = (i: number) => BASE_TIME + i / 4,
) {
  writer.reset(BASE_TIME);
  for (let i = 0; i < count; i++) {
    expect(writer.tryAppend(Math.floor(i / 3), payload, sendTime(i))).toBe(true);
  }
}

describe('RecordBatchWriter', () => {
  it.each([Codec.None, Codec.Gzip, Codec.Snappy, Codec.Lz4, Codec.Zstd])(
    'writes a valid batch that reads back (codec %i)',
    (codec) => {
      const payload = makePayload(100);
      const writer = new RecordBatchWriter(16384, codec);
      fillBatch(writer, payload, 50);
      const bytes = writer.finish();
      expect(validateBatch(bytes, 0)).toBe(bytes.length);
      const batch = new RecordBatch(bytes);
      expect(batch.magic).toBe(2);
      expect(batch.codec).toBe(codec);
      expect(batch.timestampType).toBe(TimestampType.CreateTime);
      expect(batch.recordCount).toBe(50);
      expect(batch.lastOffsetDelta).toBe(49);
      expect(batch.baseTimestamp).toBe(BASE_TIME);
      expect(batch.maxTimestamp).toBe(BASE_TIME + 16);
      expect(batch.producerId).toBe(-1);
      expect(batch.producerEpoch).toBe(-1);
      expect(batch.baseSequence).toBe(-1);
      expect(batch.partitionLeaderEpoch).toBe(-1);
      const records = [...readRecords(batch)];
      expect(records).toHaveLength(50);
      records.forEach((r, i) => {
        expect(r.offset).toBe(i);
        expect(r.timestamp).toBe(BASE_TIME + Math.floor(i / 3));
        expect(r.key).toBeNull();
        expect(r.headers).toEqual([]);
        expect(r.value!.length).toBe(100);
        expect(r.value!.readDoubleLE(0)).toBe(BASE_TIME + i / 4);
        expect(r.value!.subarray(8).equals(payload.subarray(8))).toBe(true);
      });
    },
  );

  it('closes a batch when the next record would not fit, and reuses its buffer', () => {
    const payload = makePayload(100);
    const writer = new RecordBatchWriter(1024);
    writer.reset(BASE_TIME);
    let count = 0;
    while (writer.tryAppend(0, payload, BASE_TIME)) count++;
    expect(count).toBe(8); // 61-byte header + 8 records of 110 bytes = 941; a 9th would pass 1024
    expect(writer.sizeInBytes).toBeLessThanOrEqual(1024);
    const first = writer.finish();
    expect(first.length).toBe(writer.sizeInBytes);
    expect(validateBatch(first, 0)).toBe(first.length);

    // The next batch overwrites the same buffer: a smaller one must still be right.
    writer.reset(BASE_TIME + 1000);
    writer.tryAppend(5, payload, NaN);
    const second = writer.finish();
    expect(second.buffer).toBe(first.buffer);
    validateBatch(second, 0);
    const [record] = [...readRecords(new RecordBatch(second))];
    expect(record!.timestamp).toBe(BASE_TIME + 1005);
    // NaN means no send time: the value is the payload itself.
    expect(record!.value!.equals(payload)).toBe(true);
  });

  it('gives a record bigger than the batch size a batch of its own', () => {
    const big = makePayload(5000);
    const writer = new RecordBatchWriter(1024, Codec.Lz4);
    writer.reset(BASE_TIME);
    expect(writer.tryAppend(0, big, BASE_TIME)).toBe(true);
    expect(writer.tryAppend(0, big, BASE_TIME)).toBe(false);
    const bytes = writer.finish();
    validateBatch(bytes, 0);
    expect([...readRecords(new RecordBatch(bytes))][0]!.value!.subarray(8)).toEqual(big.subarray(8));
  });

  it('writes values shorter than the stamp unchanged, and empty values', () => {
    const writer = new RecordBatchWriter(16384);
    writer.reset(BASE_TIME);
    writer.tryAppend(0, Buffer.from('abc'), BASE_TIME);
    writer.tryAppend(0, Buffer.alloc(0), BASE_TIME);
    const records = [...readRecords(new RecordBatch(writer.finish()))];
    expect(records.map((r) => r.value!.toString())).toEqual(['abc', '']);
  });

  it('handles offset deltas and timestamp deltas past one varint byte', () => {
    const writer = new RecordBatchWriter(1 << 20);
    const payload = makePayload(10);
    writer.reset(BASE_TIME);
    for (let i = 0; i < 300; i++) writer.tryAppend(i * 1000, payload, BASE_TIME + i);
    const bytes = writer.finish();
    validateBatch(bytes, 0);
    const records = [...readRecords(new RecordBatch(bytes))];
    expect(records.map((r) => r.offset)).toEqual(Array.from({ length: 300 }, (_, i) => i));
    expect(records[299]!.timestamp).toBe(BASE_TIME + 299_000);
    expect(new RecordBatch(bytes).maxTimestamp).toBe(BASE_TIME + 299_000);
  });
});

describe('RecordBatchWriter and the engine BatchBuilder', () => {
  /** The value the writer sends: the payload with `sendTime` in its first 8 bytes. */
  function stampedValue(payload: Buffer, sendTime: number): Buffer {
    const value = Buffer.from(payload);
    if (value.length >= STAMP_BYTES && sendTime === sendTime) value.writeDoubleLE(sendTime, 0);
    return value;
  }

  it.each([Codec.None, Codec.Gzip, Codec.Snappy, Codec.Lz4, Codec.Zstd])(
    'writes the bytes the builder and buildBatch write for the same records (codec %i)',
    (codec) => {
      const writer = new RecordBatchWriter(4096, codec);
      const builder = new BatchBuilder({ batchSize: 4096 });
      for (const [round, size] of [3, 100, 10, 0].entries()) {
        const payload = makePayload(size);
        const base = BASE_TIME + round * 10_000;
        writer.reset(base);
        builder.reset(base);
        const records: RecordInput[] = [];
        for (let i = 0; ; i++) {
          const delta = Math.floor(i / 4) * 7;
          const sendTime = i % 5 === 3 ? NaN : base + delta + 0.125;
          const value = stampedValue(payload, sendTime);
          const fits = writer.tryAppend(delta, payload, sendTime);
          expect(builder.tryAppend(base + delta, null, value)).toBe(fits);
          if (!fits) break;
          records.push({ key: null, value, timestamp: base + delta });
        }
        const bytes = writer.finish();
        expect(bytes.equals(builder.finish({ codec })), `round ${round}`).toBe(true);
        expect(bytes.equals(buildBatch({ records, codec, baseTimestamp: base })), `round ${round}`).toBe(
          true,
        );
      }
    },
  );

  it('writes the bytes it wrote before it was built on the engine builder', () => {
    const writer = new RecordBatchWriter(16384);
    writer.reset(BASE_TIME);
    writer.tryAppend(0, Buffer.from('0123456789'), BASE_TIME + 0.25);
    writer.tryAppend(3, Buffer.from('abc'), BASE_TIME + 1);
    writer.tryAppend(200, Buffer.from('ABCDEFGH'), NaN);
    expect(writer.finish().toString('hex')).toBe(
      '0000000000000000' +
        '0000005c' +
        'ffffffff' +
        '02' +
        '077c8e89' +
        '0000' +
        '00000002' +
        '0000018bcfe56800' +
        '0000018bcfe568c8' +
        'ffffffffffffffff' +
        'ffff' +
        'ffffffff' +
        '00000003' +
        '20000000011400048056febc784238390012000602010661626300' +
        '1e009003040110414243444546474800',
    );
  });
});
