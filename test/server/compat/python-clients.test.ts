import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Codec, iterateBatches, readRecords } from '../../../engine/index.js';
import { startBroker, type RunningBroker } from '../../helpers/broker-fixture.js';

/** Debian's Python clients, unmodified, run with /usr/bin/python3 against a Kiln broker. */
const run = promisify(execFile);
const script = (name: string): string => fileURLToPath(new URL(`./python/${name}`, import.meta.url));

async function python(name: string, args: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await run('/usr/bin/python3', [script(name), ...args], { timeout: 60_000 });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
}

describe('Python clients against Kiln', () => {
  let kiln: RunningBroker;
  beforeAll(async () => {
    kiln = await startBroker();
  });
  afterAll(async () => {
    await kiln.stop();
  });

  it('confluent-kafka-python: an idempotent producer writes every message once, in order', async () => {
    const count = 500;
    const result = await python('confluent_produce_consume.py', [
      kiln.bootstrap,
      'confluent-idem',
      String(count),
    ]);
    expect(result.errors).toEqual([]);
    expect(result.unflushed).toBe(0);
    expect(result.seen).toEqual(Array.from({ length: count }, (_, i) => [i, `k${i}`, `v${i}`]));
    // The producer really was idempotent: its batches carry a producer id the partition tracked.
    expect(kiln.broker.logManager!.getLog('confluent-idem', 0)!.producers.size).toBe(1);
  });

  it('confluent-kafka-python AdminClient: creates, describes configs, deletes', async () => {
    const result = await python('confluent_admin.py', [kiln.bootstrap]);
    expect(result).toEqual({
      'admin-a': 'created',
      'admin-b': 'created',
      'admin-bad': 'INVALID_REPLICATION_FACTOR',
      'retention.ms': ['3600000', 1], // DYNAMIC_TOPIC_CONFIG
      'cleanup.policy': ['delete', 5], // DEFAULT_CONFIG
      partitions: 3,
      deleted: 'admin-b',
      topics_after: ['admin-a'],
    });
  });

  it('confluent-kafka-python: a consumer group reads, commits, and a new member resumes from the commit', async () => {
    await python('confluent_produce_consume.py', [kiln.bootstrap, 'confluent-group', '40']);
    const first = await python('confluent_group.py', [
      'consume',
      kiln.bootstrap,
      'cg',
      'confluent-group',
      '40',
    ]);
    expect((first.values as string[]).sort()).toEqual(Array.from({ length: 40 }, (_, i) => `v${i}`).sort());
    const committed = await python('confluent_group.py', [
      'committed',
      kiln.bootstrap,
      'cg',
      'confluent-group',
      '1',
    ]);
    expect(committed.committed).toEqual([40]);
  });

  it('kafka-python: produces and consumes', async () => {
    const count = 50;
    const result = await python('kafka_python_produce_consume.py', [
      kiln.bootstrap,
      'kafka-python-topic',
      String(count),
    ]);
    expect(result.offsets).toEqual(Array.from({ length: count }, (_, i) => i));
    expect(result.seen).toEqual(Array.from({ length: count }, (_, i) => [i, `k${i}`, `v${i}`]));
  });

  // kafka-python compresses with Debian's python3-snappy (xerial framing, as the Java client),
  // python3-lz4 (the LZ4 frame format with independent blocks, KIP-57's correct framing for v2
  // batches) and python3-zstandard; gzip is Python's own.
  const codecs = [
    ['gzip', Codec.Gzip],
    ['snappy', Codec.Snappy],
    ['lz4', Codec.Lz4],
    ['zstd', Codec.Zstd],
  ] as const;
  for (const [name, codec] of codecs) {
    it(`kafka-python: a ${name} producer's batches are stored as ${name}, read by Kiln and by a kafka-python consumer`, async () => {
      const count = 200;
      const topic = `kafka-python-${name}`;
      const result = await python('kafka_python_codecs.py', [kiln.bootstrap, topic, name, String(count)]);
      expect((result.available as Record<string, boolean>)[name]).toBe(true);
      expect(result.offsets).toEqual(Array.from({ length: count }, (_, i) => i));
      expect(result.seen).toEqual(Array.from({ length: count }, (_, i) => [i, `k${i}`, true]));
      // What the broker stored: every batch still carries the producer's codec, and the engine's
      // own decoder reads kafka-python's framing of it.
      const log = kiln.broker.logManager!.getLog(topic, 0)!;
      const read = await log.read(0, 16 * 1024 * 1024);
      const codecsSeen = new Set<Codec>();
      const keys: string[] = [];
      for (const batch of iterateBatches(read.records)) {
        codecsSeen.add(batch.codec);
        for (const record of readRecords(batch)) keys.push(record.key!.toString());
      }
      expect([...codecsSeen]).toEqual([codec]);
      expect(keys).toEqual(Array.from({ length: count }, (_, i) => `k${i}`));
    });
  }
});
