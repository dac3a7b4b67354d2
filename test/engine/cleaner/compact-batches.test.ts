import { describe, expect, it } from 'vitest';
import { compactBatches, mapKeys } from '../../../engine/cleaner/compact-batches.js';
import { OffsetMap } from '../../../engine/cleaner/offset-map.js';
import { buildBatch, rebuildBatchSync } from '../../../engine/record/batch-builder.js';
import { Codec, RecordBatch, TimestampType, setBaseOffset } from '../../../engine/record/record-batch.js';
import { readRecords } from '../../../engine/record/record-reader.js';
import { decodeRecords } from '../../helpers/log-fixtures.js';
import { seededRandom } from '../../helpers/seeded-random.js';

const NOW = 1_800_000_000_000;
const DAY = 86_400_000;

/** Batches with offsets assigned, as they sit in a log. */
function logOf(
  batches: { key: string | null; value: string | null; timestamp?: number }[][],
  codec = Codec.None,
): Buffer {
  let offset = 0;
  const out: Buffer[] = [];
  for (const records of batches) {
    const batch = buildBatch({
      records: records.map((r) => ({ ...r, timestamp: r.timestamp ?? NOW })),
      codec,
      producerId: 5,
      producerEpoch: 1,
      baseSequence: offset,
    });
    setBaseOffset(batch, 0, offset);
    offset += records.length;
    out.push(batch);
  }
  return Buffer.concat(out);
}

async function compact(log: Buffer, deleteRetentionMs = DAY): Promise<Buffer> {
  const map = await OffsetMap.create(1024);
  expect(mapKeys(log, map)).toBe(true);
  return Buffer.concat(compactBatches(log, map, { now: NOW, deleteRetentionMs }).batches);
}

describe('compactBatches', () => {
  it('keeps the latest record per key, at its original offset', async () => {
    const log = logOf([
      [
        { key: 'a', value: '1' },
        { key: 'b', value: '1' },
      ],
      [
        { key: 'a', value: '2' },
        { key: 'c', value: '1' },
      ],
      [{ key: 'b', value: '2' }],
    ]);
    const records = decodeRecords(await compact(log));
    expect(records.map((r) => [r.offset, r.key, r.value])).toEqual([
      [2, 'a', '2'],
      [3, 'c', '1'],
      [4, 'b', '2'],
    ]);
  });

  it('keeps a rebuilt batch’s span, codec and producer fields, and untouched batches byte for byte', async () => {
    const log = logOf(
      [
        [
          { key: 'a', value: '1' },
          { key: 'b', value: '1' },
          { key: 'x', value: '1' },
        ],
        [{ key: 'a', value: '2' }],
      ],
      Codec.Zstd,
    );
    const compacted = await compact(log);
    const first = new RecordBatch(compacted);
    expect([first.baseOffset, first.lastOffset, first.recordCount, first.codec]).toEqual([
      0,
      2,
      2,
      Codec.Zstd,
    ]);
    expect([first.producerId, first.producerEpoch, first.baseSequence]).toEqual([5, 1, 0]);
    expect(first.isCrcValid()).toBe(true);
    const second = new RecordBatch(compacted, first.sizeInBytes);
    expect(second.bytes.equals(new RecordBatch(log, new RecordBatch(log).sizeInBytes).bytes)).toBe(true);
  });

  it('drops a latest tombstone only after delete.retention.ms; keeps records without a key', async () => {
    const log = logOf([
      [
        { key: 'old', value: '1', timestamp: NOW - 3 * DAY },
        { key: 'old', value: null, timestamp: NOW - 2 * DAY },
        { key: 'new', value: '1' },
        { key: 'new', value: null },
        { key: null, value: 'keyless' },
      ],
    ]);
    const records = decodeRecords(await compact(log));
    expect(records.map((r) => [r.offset, r.key, r.value])).toEqual([
      [3, 'new', null],
      [4, null, 'keyless'],
    ]);
  });

  it('agrees with a model (latest value per key) over random workloads', async () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const random = seededRandom(seed);
      const batches = Array.from({ length: 40 }, () =>
        Array.from({ length: 1 + Math.floor(random() * 6) }, () => ({
          key: `k${Math.floor(random() * 15)}`,
          value: random() < 0.1 ? null : `v${Math.floor(random() * 1000)}`,
        })),
      );
      const log = logOf(batches, [Codec.None, Codec.Gzip, Codec.Lz4][seed % 3]);
      const model = new Map<string, { offset: number; value: string | null }>();
      batches.flat().forEach((r, offset) => model.set(r.key, { offset, value: r.value }));
      const expected = [...model.entries()]
        .map(([key, v]) => [v.offset, key, v.value])
        .sort((x, y) => (x[0] as number) - (y[0] as number));
      const records = decodeRecords(await compact(log));
      expect(records.map((r) => [r.offset, r.key, r.value])).toEqual(expected);
    }
  });
  it('writes a rebuilt batch as rebuildBatchSync would from the kept records', async () => {
    for (const codec of [Codec.None, Codec.Snappy]) {
      for (const timestampType of [TimestampType.CreateTime, TimestampType.LogAppendTime]) {
        const batch = buildBatch({
          records: [
            { key: 'a', value: '1', headers: [{ key: 'h', value: 'x' }], timestamp: NOW - 5 },
            { key: 'b', value: '1', timestamp: NOW + 7, offsetDelta: 2 },
            { key: 'a', value: '2', timestamp: NOW - 9, offsetDelta: 5 },
            {
              key: null,
              value: 'keyless',
              headers: [{ key: 'n', value: null }],
              timestamp: NOW,
              offsetDelta: 6,
            },
          ],
          lastOffsetDelta: 9,
          codec,
          timestampType,
          producerId: 3,
          transactional: true,
          partitionLeaderEpoch: 4,
        });
        setBaseOffset(batch, 0, 100);
        const original = new RecordBatch(batch);
        const kept = [...readRecords(original)]
          .filter((r) => r.offset !== 100)
          .map((r) => ({ ...r, offsetDelta: r.offset - 100 }));
        const compacted = await compact(batch);
        expect(compacted.equals(rebuildBatchSync(original, kept)), `${codec} ${timestampType}`).toBe(true);
      }
    }
  });
});
