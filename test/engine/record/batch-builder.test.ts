import { afterAll, describe, expect, it } from 'vitest';
import { InvalidRecordError } from '../../../engine/errors.js';
import { buildBatch, buildBatchAsync } from '../../../engine/record/batch-builder.js';
import { validateBatch } from '../../../engine/record/batch-validate.js';
import { Codec, RecordBatch, TimestampType } from '../../../engine/record/record-batch.js';
import { readRecords } from '../../../engine/record/record-reader.js';
import { destroyWorkerPools, workerThreadCount } from '../../../engine/workers/worker-pool.js';

afterAll(async () => {
  await destroyWorkerPools();
});

describe('buildBatch', () => {
  it('fills every header field', () => {
    const buf = buildBatch({
      records: [
        { value: 'a', timestamp: 1000 },
        { value: 'b', timestamp: 3000 },
        { value: 'c', timestamp: 2000 },
      ],
      baseOffset: 42,
      codec: Codec.Gzip,
      producerId: 7_000_000_000,
      producerEpoch: 3,
      baseSequence: 11,
      transactional: true,
      partitionLeaderEpoch: 5,
    });
    expect(validateBatch(buf, 0)).toBe(buf.length);
    const batch = new RecordBatch(buf);
    expect(batch.sizeInBytes).toBe(buf.length);
    expect(batch.baseOffset).toBe(42);
    expect(batch.lastOffset).toBe(44);
    expect(batch.lastOffsetDelta).toBe(2);
    expect(batch.recordCount).toBe(3);
    expect(batch.magic).toBe(2);
    expect(batch.codec).toBe(Codec.Gzip);
    expect(batch.timestampType).toBe(TimestampType.CreateTime);
    expect(batch.isTransactional).toBe(true);
    expect(batch.isControl).toBe(false);
    expect(batch.baseTimestamp).toBe(1000);
    expect(batch.maxTimestamp).toBe(3000);
    expect(batch.producerId).toBe(7_000_000_000);
    expect(batch.producerEpoch).toBe(3);
    expect(batch.baseSequence).toBe(11);
    expect(batch.partitionLeaderEpoch).toBe(5);
    expect(batch.isCrcValid()).toBe(true);
  });

  it('defaults to a plain, non-idempotent batch at offset 0 stamped now', () => {
    const before = Date.now();
    const batch = new RecordBatch(buildBatch({ records: [{ value: 'x' }, { value: 'y' }] }));
    const after = Date.now();
    expect(batch.baseOffset).toBe(0);
    expect(batch.codec).toBe(Codec.None);
    expect(batch.producerId).toBe(-1);
    expect(batch.producerEpoch).toBe(-1);
    expect(batch.baseSequence).toBe(-1);
    expect(batch.partitionLeaderEpoch).toBe(-1);
    expect(batch.attributes).toBe(0);
    expect(batch.baseTimestamp).toBeGreaterThanOrEqual(before);
    expect(batch.maxTimestamp).toBeLessThanOrEqual(after);
    const timestamps = [...readRecords(batch)].map((r) => r.timestamp);
    expect(timestamps).toEqual([batch.baseTimestamp, batch.baseTimestamp]);
  });

  it('encodes a record byte-for-byte as the format says', () => {
    const buf = buildBatch({ records: [{ key: 'k', value: 'vv', timestamp: 5 }], baseTimestamp: 5 });
    // length 9, attributes 0, timestampDelta 0, offsetDelta 0, key len 1 'k', value len 2 'vv', 0 headers
    expect(new RecordBatch(buf).recordsBytes.toString('hex')).toBe(
      '12' + '00' + '00' + '00' + '02' + '6b' + '04' + '7676' + '00',
    );
  });

  it('honours an explicit baseTimestamp with signed deltas', () => {
    const buf = buildBatch({
      records: [
        { value: 'a', timestamp: 90 },
        { value: 'b', timestamp: 130 },
      ],
      baseTimestamp: 100,
    });
    expect([...readRecords(new RecordBatch(buf))].map((r) => r.timestamp)).toEqual([90, 130]);
  });

  it('rejects an empty batch', () => {
    expect(() => buildBatch({ records: [] })).toThrow(InvalidRecordError);
  });

  it('buildBatchAsync gives the same batch, compressing big ones in the pool', async () => {
    const records = Array.from({ length: 300 }, (_, i) => ({
      key: `key-${i}`,
      value: Buffer.from(Array.from({ length: 1000 }, (_, j) => (i * 7919 + j * j * 31) & 0xff)),
      timestamp: 1_700_000_000_000 + i,
    }));
    for (const codec of [Codec.None, Codec.Gzip, Codec.Snappy, Codec.Lz4, Codec.Zstd]) {
      const sync = buildBatch({ records, codec, baseOffset: 9 });
      const async = await buildBatchAsync({ records, codec, baseOffset: 9 });
      expect(async.equals(sync), Codec[codec]).toBe(true);
    }
    expect(workerThreadCount()).toBeGreaterThan(0);
  });
});
