// A replicated cluster losing a broker for real: three broker processes on a real ZooKeeper,
// RF=3 and min.insync.replicas=2, idempotent producers of two real clients (librdkafka through
// confluent-kafka-python, and kafkajs) writing numbered records with acks=all while the leader is
// killed with SIGKILL. Every acknowledged record must be readable afterwards, exactly once and in
// order.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Connection } from '../../../../server/client/connection.js';
import { MetadataApi } from '../../../../server/protocol/apis/metadata.js';
import { spawnChildBroker, type ChildBroker } from '../../../fault/child-broker.js';
import { waitForBrokers } from '../../../helpers/cluster-ready.js';
import { makeTempDir, removeTempDir } from '../../../helpers/temp-dir.js';
import { waitFor } from '../../../helpers/wait-for.js';
import { freePort, startZooKeeper, type RunningZooKeeper } from '../../../helpers/zookeeper.js';

const run = promisify(execFile);
const python = fileURLToPath(
  new URL('../../../server/compat/python/confluent_produce_many.py', import.meta.url),
);
let zookeeper: RunningZooKeeper;
const dir = makeTempDir('kiln-failover-');
const ports = new Map<number, number>();
const running = new Map<number, ChildBroker>();
const children: ChildProcess[] = [];

async function startBroker(id: number): Promise<void> {
  const spawned = spawnChildBroker(ports.get(id)!, path.join(dir, `broker-${id}`), {
    'zookeeper.connect': `${zookeeper.connect}/failover`,
    'broker.id': String(id),
    'zookeeper.session.timeout.ms': '6000',
    'replica.lag.time.max.ms': '3000',
    'offsets.topic.replication.factor': '3',
  });
  children.push(spawned.child);
  running.set(id, await spawned.started);
}

const bootstrap = (): string => [...ports.values()].map((p) => `127.0.0.1:${p}`).join(',');

beforeAll(async () => {
  zookeeper = await startZooKeeper();
  for (const id of [1, 2, 3]) ports.set(id, await freePort());
  await Promise.all([1, 2, 3].map((id) => startBroker(id)));
  await waitForBrokers([...ports.values()]);
}, 60_000);

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await zookeeper?.stop();
  removeTempDir(dir);
});

async function leaderOf(topic: string, via: number): Promise<{ leader: number; isr: number[] }> {
  const c = await Connection.open('127.0.0.1', ports.get(via)!, 'failover-test');
  try {
    const answer = await c.request(MetadataApi, {
      topics: [{ name: topic, topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }],
      allowAutoTopicCreation: false,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    });
    const p = answer.topics[0]!.partitions[0]!;
    return { leader: p.leaderId, isr: [...p.isrNodes] };
  } finally {
    c.close();
  }
}

describe('killing the leader of a replicated partition', () => {
  it(
    'loses no record acknowledged with acks=all, and duplicates none (librdkafka and kafkajs idempotent producers); a consumer group goes on',
    { timeout: 180_000 },
    async () => {
      const kafka = new Kafka({
        clientId: 'failover-test',
        brokers: bootstrap().split(','),
        logLevel: logLevel.NOTHING,
      });
      const admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({
        waitForLeaders: true,
        topics: [
          // Broker 1 leads both partitions: the kill hits both producers.
          {
            topic: 'rdkafka',
            replicaAssignment: [{ partition: 0, replicas: [1, 2, 3] }],
            configEntries: [{ name: 'min.insync.replicas', value: '2' }],
          },
          {
            topic: 'kafkajs',
            replicaAssignment: [{ partition: 0, replicas: [1, 2, 3] }],
            configEntries: [{ name: 'min.insync.replicas', value: '2' }],
          },
        ],
      });
      await admin.disconnect();
      await waitFor(async () => (await leaderOf('rdkafka', 1)).isr.length === 3, {
        timeoutMs: 20_000,
        intervalMs: 100,
      });
      const { leader } = await leaderOf('rdkafka', 1);
      expect(leader).toBe(1);
      expect((await leaderOf('kafkajs', 1)).leader).toBe(1);
      const survivor = [1, 2, 3].find((id) => id !== leader)!;

      // A group of two kafkajs consumers reads the kafkajs topic throughout.
      const consumed = new Set<string>();
      const consumers = [
        kafka.consumer({ groupId: 'failover-group' }),
        kafka.consumer({ groupId: 'failover-group' }),
      ];
      for (const consumer of consumers) {
        await consumer.connect();
        await consumer.subscribe({ topic: 'kafkajs', fromBeginning: true });
        await consumer.run({
          eachMessage: async ({ message }) => void consumed.add(message.value!.toString()),
        });
      }

      // kafkajs: an idempotent producer sending numbered records one batch at a time, retrying.
      const jsProducer = kafka.producer({ idempotent: true, retry: { retries: 30, initialRetryTime: 200 } });
      await jsProducer.connect();
      const jsAcked: string[] = [];
      let stopJs = false;
      const jsLoop = (async () => {
        for (let i = 0; !stopJs && i < 100_000; i++) {
          const batch = Array.from({ length: 10 }, (_, j) => ({
            value: `j${String(i * 10 + j).padStart(7, '0')}`,
          }));
          await jsProducer.send({ topic: 'kafkajs', acks: -1, messages: batch });
          jsAcked.push(...batch.map((m) => m.value));
        }
      })();
      await waitFor(() => jsAcked.length > 100, { timeoutMs: 20_000, intervalMs: 100 });

      // librdkafka: an idempotent producer (acks=all) of 300,000 numbered keys, in the background.
      const count = 300_000;
      const producer = spawn('/usr/bin/python3', [python, bootstrap(), 'rdkafka', String(count)]);
      children.push(producer);
      let output = '';
      producer.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      producer.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const producerExit = new Promise((resolve) => producer.once('exit', resolve));
      await waitFor(() => output.includes('ready'), { timeoutMs: 30_000, intervalMs: 100 });
      await new Promise((resolve) => setTimeout(resolve, 300));

      expect(producer.exitCode).toBeNull(); // both still producing when the leader dies
      const jsAtKill = jsAcked.length;
      running.get(leader)!.child.kill('SIGKILL');
      await running.get(leader)!.exited;
      running.delete(leader);
      await waitFor(
        async () => {
          const now = await leaderOf('rdkafka', survivor);
          return now.leader !== leader && now.leader >= 0;
        },
        { timeoutMs: 30_000, intervalMs: 100 },
      );
      await producerExit;
      // kafkajs goes on through the new leader.
      await waitFor(() => jsAcked.length > jsAtKill + 1000, { timeoutMs: 60_000, intervalMs: 100 });
      stopJs = true;
      await jsLoop;
      await jsProducer.disconnect();

      // The group goes on after the kill: it reads every record acknowledged, before and after.
      await waitFor(() => jsAcked.every((v) => consumed.has(v)), { timeoutMs: 60_000, intervalMs: 200 });
      for (const consumer of consumers) await consumer.disconnect();

      const result = JSON.parse(output.trim().split('\n').at(-1)!) as { acked: string[]; errors: string[] };
      expect(result.errors).toEqual([]);
      expect(result.acked.length).toBe(count);
      for (const [topic, acked, format] of [
        ['rdkafka', result.acked, '%k\\n'],
        ['kafkajs', jsAcked, '%s\\n'],
      ] as const) {
        const { stdout } = await run(
          'kcat',
          ['-b', bootstrap(), '-C', '-t', topic, '-e', '-q', '-f', format],
          { timeout: 60_000, maxBuffer: 64 << 20 },
        );
        const stored = stdout.trim().split('\n');
        expect(new Set(stored).size).toBe(stored.length); // exactly once
        expect(stored).toEqual([...stored].sort()); // in order
        const have = new Set(stored);
        expect(acked.filter((k) => !have.has(k))).toEqual([]); // every acknowledged record
      }
    },
  );
});
