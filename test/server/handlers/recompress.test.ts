import { describe, expect, it } from 'vitest';
import { Codec, RecordBatch, buildBatch, readRecords } from '../../../engine/index.js';
import { toTopicCodec } from '../../../server/handlers/recompress.js';

const records = [
  { key: 'a', value: 'one', timestamp: 1_700_000_000_000, headers: [{ key: 'h', value: 'x' }] },
  { key: null, value: 'two', timestamp: 1_700_000_000_005 },
];

describe('compression.type', () => {
  it('keeps a batch as sent under "producer" and when it already has the topic codec', async () => {
    const batch = buildBatch({ records, codec: Codec.Lz4 });
    expect(await toTopicCodec(batch, 'producer')).toBe(batch);
    expect(await toTopicCodec(batch, 'lz4')).toBe(batch);
  });

  it.each([
    ['zstd', Codec.Zstd],
    ['gzip', Codec.Gzip],
    ['snappy', Codec.Snappy],
    ['uncompressed', Codec.None],
  ])('rebuilds a batch in %s, keeping records and producer fields', async (name, codec) => {
    const sent = buildBatch({
      records,
      codec: Codec.Lz4,
      producerId: 42,
      producerEpoch: 3,
      baseSequence: 17,
    });
    const stored = new RecordBatch(await toTopicCodec(sent, name));
    expect(stored.codec).toBe(codec);
    expect(stored.isCrcValid()).toBe(true);
    expect([stored.producerId, stored.producerEpoch, stored.baseSequence, stored.recordCount]).toEqual([
      42, 3, 17, 2,
    ]);
    const decoded = [...readRecords(stored)].map((r) => [
      r.key?.toString() ?? null,
      r.value?.toString(),
      r.timestamp,
      r.headers.length,
    ]);
    expect(decoded).toEqual([
      ['a', 'one', 1_700_000_000_000, 1],
      [null, 'two', 1_700_000_000_005, 0],
    ]);
  });
});
