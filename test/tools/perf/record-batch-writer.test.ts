// The reusable batch writer: its batches must pass the engine's validation and read back, record
// by record, with the values, timestamps and offset deltas written.
import { describe, expect, it } from 'vitest';
import { Codec, RecordBatch, TimestampType, readRecords, validateBatch } from '../../../engine/index.js';
import { RecordBatchWriter, makePayload } from '../../../tools/perf/record-batch-writer.js';

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
