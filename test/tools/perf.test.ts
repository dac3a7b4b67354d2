// kiln perf produce and kiln perf consume against a real broker: counts, bytes, every partition
// written, and the records the broker holds read back with the engine's reader. No timing
// assertions: only that the figures are consistent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { iterateBatches, readRecords, Codec } from '../../engine/index.js';
import { KafkaClient } from '../../tools/client/kafka-client.js';
import { makePayload } from '../../tools/perf/record-batch-writer.js';
import type { LatencySummary } from '../../tools/perf/latency-histogram.js';
import { startBroker, type RunningBroker } from '../helpers/broker-fixture.js';
import { kiln } from './run-command.js';

let broker: RunningBroker;
let bs: string[];

beforeAll(async () => {
  broker = await startBroker();
  bs = ['--bootstrap-server', broker.bootstrap];
});
afterAll(async () => {
  await broker.stop();
});

/** Runs a perf command with --json and returns its one JSON object. */
async function perfJson(...argv: string[]): Promise<Record<string, unknown>> {
  const result = await kiln('perf', ...argv, '--json', '--reporting-interval', '0');
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  const lines = result.stdout.trim().split('\n');
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0]!) as Record<string, unknown>;
}

function checkLatency(latency: unknown): void {
  const l = latency as LatencySummary;
  expect(l).not.toBeNull();
  expect(l.p50).toBeGreaterThanOrEqual(0);
  expect(l.p50).toBeLessThanOrEqual(l.p95 * 1.01);
  expect(l.p95).toBeLessThanOrEqual(l.p99 * 1.01);
  expect(l.p99).toBeLessThanOrEqual(l.p999 * 1.01);
  expect(l.p999).toBeLessThanOrEqual(l.max);
  expect(l.avg).toBeLessThanOrEqual(l.max);
}

/** Every record of topic-partition, read from the broker's log. */
async function logRecords(topic: string, partition: number) {
  const log = broker.broker.logManager!.getLog(topic, partition)!;
  const records = [];
  const codecs = new Set<Codec>();
  let offset = 0;
  while (offset < log.logEndOffset) {
    const read = await log.read(offset, 1 << 20);
    for (const batch of iterateBatches(read.records)) {
      codecs.add(batch.codec);
      for (const r of readRecords(batch)) if (r.offset >= offset) records.push(r);
      offset = batch.lastOffset + 1;
    }
  }
  return { records, codecs };
}

describe('kiln perf', () => {
  it('produces with acks=1 + lz4 and acks=-1 + none, then consumes all of it', async () => {
    const started = Date.now();
    const first = await perfJson(
      'produce',
      ...bs,
      '--topic',
      'load',
      '--num-records',
      '20000',
      '--record-size',
      '100',
      '--create-topic-partitions',
      '3',
      '--acks',
      '1',
      '--compression',
      'lz4',
    );
    expect(first).toMatchObject({
      mode: 'produce',
      topic: 'load',
      records: 20000,
      bytes: 2_000_000,
      errors: 0,
      retries: 0,
      failedRecords: 0,
    });
    expect(first.requests as number).toBeGreaterThan(0);
    expect(first.recordsPerSec as number).toBeGreaterThan(0);
    expect(first.mbPerSec as number).toBeCloseTo(((first.recordsPerSec as number) * 100) / 1e6, 2);
    expect(first.config).toMatchObject({ acks: 1, compression: 'lz4', batchSize: 16384, partitions: 'all' });
    checkLatency(first.latencyMs);

    const second = await perfJson(
      'produce',
      ...bs,
      '--topic',
      'load',
      '--num-records',
      '20000',
      '--acks',
      '-1',
      '--compression',
      'none',
    );
    expect(second).toMatchObject({ records: 20000, bytes: 2_000_000, errors: 0 });
    checkLatency(second.latencyMs);
    const finished = Date.now();

    const consumed = await perfJson('consume', ...bs, '--topic', 'load', '--num-records', '40000');
    expect(consumed).toMatchObject({ mode: 'consume', topic: 'load', records: 40000, bytes: 4_000_000 });
    expect(consumed.batchBytes as number).toBeGreaterThan(0);
    expect(consumed.fetches as number).toBeGreaterThan(0);
    checkLatency(consumed.latencyMs);

    // What the broker holds is what was sent: keyless 100-byte values, the payload after a send
    // time stamp, consecutive offsets, CreateTime timestamps of the run; both codecs; every
    // partition written.
    const payloadTail = makePayload(100).subarray(8);
    let total = 0;
    for (let partition = 0; partition < 3; partition++) {
      const { records, codecs } = await logRecords('load', partition);
      expect(records.length).toBeGreaterThan(0);
      expect([...codecs].sort()).toEqual([Codec.None, Codec.Lz4]);
      records.forEach((r, i) => {
        expect(r.offset).toBe(i);
        expect(r.key).toBeNull();
        expect(r.headers).toEqual([]);
        expect(r.value!.length).toBe(100);
        expect(r.value!.subarray(8).equals(payloadTail)).toBe(true);
        const sent = r.value!.readDoubleLE(0);
        expect(sent).toBeGreaterThanOrEqual(started - 1);
        expect(sent).toBeLessThanOrEqual(finished + 1);
        expect(r.timestamp).toBeGreaterThanOrEqual(started - 1);
        expect(r.timestamp).toBeLessThanOrEqual(finished + 1);
      });
      total += records.length;
    }
    expect(total).toBe(40000);
  });

  it('writes only the chosen partitions, throttled, and with acks=0', async () => {
    const throttled = await perfJson(
      'produce',
      ...bs,
      '--topic',
      'chosen',
      '--create-topic-partitions',
      '3',
      '--num-records',
      '2000',
      '--throughput',
      '40000',
      '--partitions',
      '1',
      '--record-size',
      '20',
      '--linger-ms',
      '2',
    );
    expect(throttled).toMatchObject({ records: 2000, bytes: 40_000, errors: 0 });
    const unacked = await perfJson(
      'produce',
      ...bs,
      '--topic',
      'chosen',
      '--num-records',
      '3000',
      '--acks',
      '0',
      '--partitions',
      '1,2',
      '--batch-size',
      '1000',
      '--max-in-flight',
      '2',
      '--compression',
      'zstd',
      '--record-size',
      '4',
    );
    expect(unacked).toMatchObject({ records: 3000, bytes: 12_000, latencyMs: null, errors: 0 });

    const fromPartition1 = await perfJson(
      'consume',
      ...bs,
      '--topic',
      'chosen',
      '--partitions',
      '1',
      '--timeout-ms',
      '1000',
    );
    expect(fromPartition1.records as number).toBeGreaterThan(2000);
    // acks=0 completes when written: wait until the broker has appended all of it.
    let counts: number[] = [];
    for (let i = 0; i < 50; i++) {
      counts = [0, 1, 2].map((p) => broker.broker.logManager!.getLog('chosen', p)?.logEndOffset ?? 0);
      if (counts[1]! + counts[2]! === 5000) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(counts[0]).toBe(0);
    expect(counts[1]! + counts[2]!).toBe(5000);
    // 4-byte values carry no send time: no latency.
    const tiny = await perfJson(
      'consume',
      ...bs,
      '--topic',
      'chosen',
      '--partitions',
      '2',
      '--timeout-ms',
      '500',
    );
    expect(tiny.latencyMs).toBeNull();
    expect(tiny.bytes).toBe((tiny.records as number) * 4);
  });

  it('consumes as a group member and commits what it read', async () => {
    await perfJson(
      'produce',
      ...bs,
      '--topic',
      'grouped',
      '--create-topic-partitions',
      '2',
      '--num-records',
      '5000',
    );
    const first = await perfJson(
      'consume',
      ...bs,
      '--topic',
      'grouped',
      '--group',
      'perf-g',
      '--num-records',
      '3000',
    );
    expect(first.records).toBe(3000);
    const described = JSON.parse(
      (await kiln('groups', ...bs, '--describe', '--group', 'perf-g', '--json')).stdout,
    ) as { partitions: { partition: number; committed: number; logEnd: number }[] };
    const committed = described.partitions.reduce((sum, o) => sum + o.committed, 0);
    expect(committed).toBe(3000);
    // The next member resumes from the commits and finds the other 2000.
    const rest = await perfJson(
      'consume',
      ...bs,
      '--topic',
      'grouped',
      '--group',
      'perf-g',
      '--timeout-ms',
      '1000',
    );
    expect(rest.records).toBe(2000);
  });

  it('resets an out-of-range position per --from, and copes with small partition budgets', async () => {
    // A commit past the log end: the first Fetch answers OFFSET_OUT_OF_RANGE.
    const client = await KafkaClient.connect(broker.bootstrap);
    try {
      await client.commitOffsets('perf-reset', 'load', new Map([[0, 10_000_000]]));
    } finally {
      client.close();
    }
    const result = await kiln(
      'perf',
      'consume',
      ...bs,
      '--topic',
      'load',
      '--group',
      'perf-reset',
      '--num-records',
      '40000',
      '--reporting-interval',
      '0',
      '--json',
    );
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/offset 10000000 of load-0 is out of range; reset to 0 \(beginning\)/);
    expect(JSON.parse(result.stdout)).toMatchObject({ records: 40000, bytes: 4_000_000 });

    // Budgets below a batch's size: the broker may cut batches short; only whole ones count.
    const small = await perfJson(
      'consume',
      ...bs,
      '--topic',
      'load',
      '--num-records',
      '40000',
      '--max-partition-fetch-bytes',
      '5000',
      '--fetch-max-bytes',
      '30000',
    );
    expect(small).toMatchObject({ records: 40000, bytes: 4_000_000 });
  });

  it('reads nothing from the end, and names an unknown topic', async () => {
    const none = await perfJson('consume', ...bs, '--topic', 'load', '--from', 'end', '--timeout-ms', '300');
    expect(none).toMatchObject({ records: 0, bytes: 0, latencyMs: null });
    const missing = await kiln('perf', 'consume', ...bs, '--topic', 'no-such-topic', '--timeout-ms', '300');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/topic no-such-topic: UNKNOWN_TOPIC_OR_PARTITION/);
    const produce = await kiln('perf', 'produce', ...bs, '--topic', 'no-such-topic', '--num-records', '1');
    expect(produce.code).toBe(1);
    expect(produce.stderr).toMatch(/--create-topic-partitions/);
  });

  it('exits 1 and names the error when the broker refuses the batches', async () => {
    const result = await kiln(
      'perf',
      'produce',
      ...bs,
      '--topic',
      'huge',
      '--create-topic-partitions',
      '1',
      '--num-records',
      '2',
      '--record-size',
      '1200000',
      '--reporting-interval',
      '0',
      '--json',
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/MESSAGE_TOO_LARGE/);
    expect(JSON.parse(result.stdout)).toMatchObject({ records: 0, errors: 2, failedRecords: 2 });
  });
});
