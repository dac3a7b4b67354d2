// The deep iterator against record sets real clients sent to Kafka 2.4.1 (see the fixtures' README).
import { afterAll, describe, expect, it } from 'vitest';
import { iterateBatches } from '../../../engine/record/batch-iterator.js';
import { Codec, TimestampType } from '../../../engine/record/record-batch.js';
import { readRecords, readRecordsAsync } from '../../../engine/record/record-reader.js';
import { destroyWorkerPools } from '../../../engine/workers/worker-pool.js';
import { readProduceFixture } from '../../helpers/produce-request.js';

afterAll(async () => {
  await destroyWorkerPools();
});

const KCAT = [
  { file: '0007-Produce-v7-request.bin', name: 'none', codec: Codec.None },
  { file: '0011-Produce-v7-request.bin', name: 'gzip', codec: Codec.Gzip },
  { file: '0015-Produce-v7-request.bin', name: 'snappy', codec: Codec.Snappy },
  { file: '0019-Produce-v7-request.bin', name: 'lz4', codec: Codec.Lz4 },
  { file: '0023-Produce-v7-request.bin', name: 'zstd', codec: Codec.Zstd },
];

describe('golden Produce requests', () => {
  for (const { file, name, codec } of KCAT) {
    it(`kcat ${name}: one batch of 10 keyed records`, async () => {
      const request = readProduceFixture(`kafka-2.4.1/kcat/${file}`);
      expect(request.apiVersion).toBe(7);
      expect(request.partitions).toHaveLength(1);
      const { topic, partition, records } = request.partitions[0]!;
      expect(topic).toBe(`kcat-${name}`);
      expect(partition).toBe(0);

      const batches = [...iterateBatches(records)];
      expect(batches).toHaveLength(1);
      const batch = batches[0]!;
      expect(batch.codec).toBe(codec);
      expect(batch.timestampType).toBe(TimestampType.CreateTime);
      expect(batch.partitionLeaderEpoch).toBe(0); // librdkafka writes 0, not -1
      expect(batch.producerId).toBe(-1);

      const decoded = [...readRecords(batch)];
      expect(decoded.map((r) => r.offset)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(decoded.map((r) => r.key?.toString())).toEqual(decoded.map((_, i) => `key-${i}`));
      expect(decoded.map((r) => r.value?.toString())).toEqual(
        decoded.map((_, i) => `value-${name}-${i} hello hello hello kafka`),
      );
      expect(decoded.every((r) => r.timestamp === batch.baseTimestamp && r.headers.length === 0)).toBe(true);
      expect(batch.baseTimestamp).toBeGreaterThan(Date.UTC(2026, 0, 1));

      const viaAsync = await readRecordsAsync(batch);
      expect(viaAsync.map((r) => r.value?.toString())).toEqual(decoded.map((r) => r.value?.toString()));
    });
  }

  it('kafkajs gzip: 10 keyed records spread over 3 partitions', () => {
    const request = readProduceFixture('kafka-2.4.1/kafkajs/0012-Produce-v7-request.bin');
    expect(request.acks).toBe(-1);
    expect(request.partitions.map((p) => p.partition).sort()).toEqual([0, 1, 2]);
    const byKey = new Map<string, string>();
    for (const { records } of request.partitions) {
      for (const batch of iterateBatches(records)) {
        expect(batch.codec).toBe(Codec.Gzip);
        const decoded = [...readRecords(batch)];
        expect(decoded.map((r) => r.offset)).toEqual(decoded.map((_, i) => i));
        for (const r of decoded) byKey.set(r.key!.toString(), r.value!.toString());
      }
    }
    expect(byKey.size).toBe(10);
    for (let i = 0; i < 10; i++) {
      expect(byKey.get(`key-${i}`)).toBe(`kafkajs gzip message ${i} hello hello hello`);
    }
  });

  it('Java client Produce v8: uncompressed, leader epoch -1, per-record timestamps', () => {
    const request = readProduceFixture('kafka-2.4.1/java-kafka-clients-2.4.1/0016-Produce-v8-request.bin');
    expect(request.apiVersion).toBe(8);
    expect(request.acks).toBe(1);
    const byKey = new Map<string, string>();
    for (const { topic, records } of request.partitions) {
      expect(topic).toBe('java-data');
      for (const batch of iterateBatches(records)) {
        expect(batch.codec).toBe(Codec.None);
        expect(batch.partitionLeaderEpoch).toBe(-1);
        const decoded = [...readRecords(batch)];
        expect(decoded).toHaveLength(3);
        // Timestamps are base + delta; the last one is the batch's max.
        expect(decoded[0]!.timestamp).toBe(batch.baseTimestamp);
        expect(decoded[2]!.timestamp).toBe(batch.maxTimestamp);
        for (const r of decoded) byKey.set(r.key!.toString(), r.value!.toString());
      }
    }
    expect([...byKey.keys()].sort()).toEqual(['k0', 'k1', 'k2', 'k3', 'k4', 'k5']);
    for (const [key, value] of byKey) expect(value).toBe(`java console message ${key.slice(1)}`);
  });
});
