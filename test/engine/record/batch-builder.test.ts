import { afterAll, describe, expect, it } from 'vitest';
import { InvalidRecordError } from '../../../engine/errors.js';
import {
  BatchBuilder,
  type RecordInput,
  buildBatch,
  buildBatchAsync,
  rebuildBatchSync,
  rebuildHeader,
} from '../../../engine/record/batch-builder.js';
import { validateBatch } from '../../../engine/record/batch-validate.js';
import { POOL_THRESHOLD_BYTES } from '../../../engine/record/compression.js';
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

const CODECS = [Codec.None, Codec.Gzip, Codec.Snappy, Codec.Lz4, Codec.Zstd];
const T = 1_700_000_000_000;

/** Records covering every field shape: null and empty keys and values, strings, headers. */
const MIXED: RecordInput[] = [
  { key: 'k1', value: 'hello', timestamp: T },
  { key: null, value: null, timestamp: T + 5 },
  { key: Buffer.from([0, 1, 2]), value: Buffer.alloc(0), timestamp: T - 3 },
  {
    key: 'clé',
    value: 'välue ✓',
    headers: [
      { key: 'h', value: 'x' },
      { key: 'bin', value: Buffer.from([0xff, 0]) },
      { key: 'ünull', value: null },
    ],
    timestamp: T + 70_000_000_000,
  },
  { value: Buffer.alloc(300, 7), headers: [], timestamp: T + 1 },
];

function appendAll(builder: BatchBuilder, records: RecordInput[]): void {
  for (const r of records) builder.append(r.timestamp!, r.key, r.value, r.headers, r.offsetDelta);
}

function asBuffer(bytes: RecordInput['key']): Buffer | null {
  if (bytes === null || bytes === undefined) return null;
  return typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
}

describe('BatchBuilder', () => {
  it.each(CODECS)(
    'round-trips records with and without headers, null keys and values (codec %i)',
    (codec) => {
      const builder = new BatchBuilder();
      appendAll(builder.reset(), MIXED);
      const bytes = builder.finish({ codec, baseOffset: 100 });
      expect(validateBatch(bytes, 0)).toBe(bytes.length);
      const batch = new RecordBatch(bytes);
      expect(batch.codec).toBe(codec);
      expect(batch.recordCount).toBe(MIXED.length);
      expect(batch.lastOffsetDelta).toBe(MIXED.length - 1);
      expect(batch.baseTimestamp).toBe(T); // the first record's
      expect(batch.maxTimestamp).toBe(T + 70_000_000_000);
      const records = [...readRecords(batch)];
      records.forEach((r, i) => {
        const input = MIXED[i]!;
        expect(r.offset).toBe(100 + i);
        expect(r.timestamp).toBe(input.timestamp);
        expect(r.key).toEqual(asBuffer(input.key));
        expect(r.value).toEqual(asBuffer(input.value));
        expect(r.headers).toEqual(
          (input.headers ?? []).map((h) => ({ key: h.key, value: asBuffer(h.value) })),
        );
      });
      // The one-shot function writes the same bytes.
      expect(bytes.equals(buildBatch({ records: MIXED, codec, baseOffset: 100 }))).toBe(true);
    },
  );

  it('fills in every header field it is given', () => {
    const builder = new BatchBuilder();
    builder.reset(T).append(T + 10, 'k', 'v');
    const header = {
      baseOffset: 7_000_000_000,
      codec: Codec.Lz4,
      timestampType: TimestampType.LogAppendTime,
      producerId: 9_000_000_000,
      producerEpoch: 4,
      baseSequence: 99,
      transactional: true,
      control: true,
      partitionLeaderEpoch: 12,
    };
    const batch = new RecordBatch(builder.finish(header));
    expect(batch.isCrcValid()).toBe(true);
    expect(batch.baseOffset).toBe(7_000_000_000);
    expect(batch.codec).toBe(Codec.Lz4);
    expect(batch.timestampType).toBe(TimestampType.LogAppendTime);
    expect(batch.isTransactional).toBe(true);
    expect(batch.isControl).toBe(true);
    expect(batch.producerId).toBe(9_000_000_000);
    expect(batch.producerEpoch).toBe(4);
    expect(batch.baseSequence).toBe(99);
    expect(batch.partitionLeaderEpoch).toBe(12);
    expect(batch.baseTimestamp).toBe(T);
    expect(batch.maxTimestamp).toBe(T + 10);
    // Defaults: a plain batch, as buildBatch makes.
    const plain = new RecordBatch(builder.finish());
    expect(plain.attributes).toBe(0);
    expect([plain.baseOffset, plain.partitionLeaderEpoch, plain.producerId]).toEqual([0, -1, -1]);
    expect([plain.producerEpoch, plain.baseSequence]).toEqual([-1, -1]);
  });

  it('keeps offset delta gaps and a last offset delta override (the cleaner keeps its span)', () => {
    const builder = new BatchBuilder();
    builder.reset(T);
    builder.append(T, 'a', '1', undefined, 0);
    builder.append(T + 1, 'b', '2', undefined, 3);
    builder.append(T + 2, 'c', '3', undefined, 200);
    const gaps = new RecordBatch(builder.finishCopy({ baseOffset: 50 }));
    expect(gaps.lastOffsetDelta).toBe(200);
    expect([...readRecords(gaps)].map((r) => r.offset)).toEqual([50, 53, 250]);

    const spanned = new RecordBatch(builder.finishCopy({ baseOffset: 50, lastOffsetDelta: 300 }));
    expect(validateBatch(spanned.bytes, 0)).toBe(spanned.sizeInBytes);
    expect(spanned.lastOffset).toBe(350);
    expect(spanned.recordCount).toBe(3);
    expect([...readRecords(spanned)].map((r) => r.offset)).toEqual([50, 53, 250]);
  });

  it('takes deltas from a base timestamp given to reset, below or above the records', () => {
    const builder = new BatchBuilder();
    builder.reset(T + 100).append(T + 90, null, 'a');
    builder.append(T + 130, null, 'b');
    const batch = new RecordBatch(builder.finish());
    expect(batch.baseTimestamp).toBe(T + 100);
    expect(builder.baseTimestamp).toBe(T + 100);
    expect([...readRecords(batch)].map((r) => r.timestamp)).toEqual([T + 90, T + 130]);
  });

  it('encodes a record byte for byte as the format says', () => {
    const builder = new BatchBuilder();
    builder.reset().append(5, 'k', 'vv');
    // length 9, attributes 0, timestampDelta 0, offsetDelta 0, key len 1 'k', value len 2 'vv', 0 headers
    expect(new RecordBatch(builder.finish()).recordsBytes.toString('hex')).toBe(
      '12' + '00' + '00' + '00' + '02' + '6b' + '04' + '7676' + '00',
    );
  });

  it('is reused after finish: each batch is right, and copies stay independent', () => {
    const builder = new BatchBuilder({ capacity: 64 }); // small, so the first batch grows it
    const expected: Buffer[] = [];
    const copies: Buffer[] = [];
    for (let round = 0; round < 4; round++) {
      const records = Array.from({ length: 40 - round * 10 }, (_, i) => ({
        key: `r${round}-${i}`,
        value: Buffer.alloc(i * round, round),
        timestamp: T + round * 1000 + i,
      }));
      const codec = CODECS[round % CODECS.length]!;
      builder.reset();
      appendAll(builder, records);
      const view = builder.finish({ codec, baseOffset: round });
      const want = buildBatch({ records, codec, baseOffset: round });
      expect(view.equals(want), `round ${round}`).toBe(true);
      expect(builder.finishCopy({ codec, baseOffset: round }).equals(want)).toBe(true);
      expected.push(want);
      copies.push(Buffer.from(view));
    }
    copies.forEach((copy, i) => expect(copy.equals(expected[i]!)).toBe(true));
    // finish() hands out views of the buffer it reuses; finishCopy() buffers of their own.
    builder.reset(T).append(T, null, 'one');
    const first = builder.finish();
    const owned = builder.finishCopy();
    builder.reset(T).append(T, null, 'two');
    const second = builder.finish();
    expect(second.buffer).toBe(first.buffer);
    expect(owned.buffer).not.toBe(first.buffer);
    expect([...readRecords(new RecordBatch(owned))][0]!.value!.toString()).toBe('one');
    expect([...readRecords(new RecordBatch(second))][0]!.value!.toString()).toBe('two');
  });

  it('bounds tryAppend by the batch size unless the batch is empty; append grows past it', () => {
    const value = Buffer.alloc(100, 1);
    const builder = new BatchBuilder({ batchSize: 1024 });
    builder.reset(T);
    let count = 0;
    while (builder.tryAppend(T, null, value)) count++;
    // 61-byte header + 8 records of 2 + 107 bytes = 933; a 9th would pass 1024.
    expect(count).toBe(8);
    expect(builder.recordCount).toBe(8);
    expect(builder.sizeInBytes).toBe(933);
    const bytes = builder.finish();
    expect(bytes.length).toBe(933);
    expect(validateBatch(bytes, 0)).toBe(933);

    const big = Buffer.alloc(5000, 2);
    builder.reset(T);
    expect(builder.tryAppend(T, null, big)).toBe(true);
    expect(builder.tryAppend(T, null, value)).toBe(false);
    builder.append(T, null, value);
    const records = [...readRecords(new RecordBatch(builder.finish()))];
    expect(records.map((r) => r.value!.length)).toEqual([5000, 100]);
  });

  it('lets the caller write over the last value in place before finishing', () => {
    const builder = new BatchBuilder();
    builder.reset(T).append(T, 'k', Buffer.alloc(8));
    builder.buffer.writeDoubleLE(1234.5, builder.valueAt);
    builder.append(T, 'n', null);
    expect(builder.valueAt).toBe(-1);
    const batch = new RecordBatch(builder.finish({ codec: Codec.Zstd }));
    expect(batch.isCrcValid()).toBe(true);
    expect([...readRecords(batch)][0]!.value!.readDoubleLE(0)).toBe(1234.5);
  });

  it('refuses to finish an empty batch', async () => {
    const builder = new BatchBuilder();
    builder.reset(T);
    expect(() => builder.finish()).toThrow(InvalidRecordError);
    expect(() => builder.finishCopy()).toThrow(InvalidRecordError);
    await expect(builder.finishAsync()).rejects.toThrow(InvalidRecordError);
  });

  it('finishAsync gives the bytes finishCopy gives, big sections compressed in the pool', async () => {
    const builder = new BatchBuilder();
    builder.reset(T);
    for (let i = 0; i < 200; i++) {
      builder.append(T + i, `key-${i}`, Buffer.from(Array.from({ length: 600 }, (_, j) => (i * j) & 0xff)));
    }
    expect(builder.sizeInBytes).toBeGreaterThan(POOL_THRESHOLD_BYTES);
    for (const codec of CODECS) {
      const header = { codec, baseOffset: 3, producerId: 8 };
      expect((await builder.finishAsync(header)).equals(builder.finishCopy(header)), Codec[codec]).toBe(true);
    }
  });

  it('rebuilds a batch from kept records as rebuildBatchSync does', () => {
    const original = new RecordBatch(
      buildBatch({ records: MIXED, baseOffset: 40, producerId: 6, transactional: true, codec: Codec.Gzip }),
    );
    const kept = [...readRecords(original)].filter((_, i) => i % 2 === 0);
    const builder = new BatchBuilder();
    builder.reset(original.baseTimestamp);
    for (const r of kept)
      builder.append(r.timestamp, r.key, r.value, r.headers, r.offset - original.baseOffset);
    const rebuilt = builder.finishCopy(rebuildHeader(original));
    const inputs = kept.map((r) => ({ ...r, offsetDelta: r.offset - original.baseOffset }));
    expect(rebuilt.equals(rebuildBatchSync(original, inputs))).toBe(true);
    const batch = new RecordBatch(rebuilt);
    expect([batch.baseOffset, batch.lastOffsetDelta, batch.recordCount]).toEqual([40, MIXED.length - 1, 3]);
    expect([batch.producerId, batch.isTransactional, batch.codec]).toEqual([6, true, Codec.Gzip]);
  });
});
