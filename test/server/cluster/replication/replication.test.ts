// Leader-follower replication in a cluster of three in-process brokers on a real ZooKeeper: what
// followers copy, what the high watermark and ISR do, and what acks=all waits for.
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBatch, type PartitionLog } from '../../../../engine/index.js';
import { Connection } from '../../../../server/client/connection.js';
import { MetadataApi } from '../../../../server/protocol/apis/metadata.js';
import { ProduceApi } from '../../../../server/protocol/apis/produce.js';
import { ErrorCode } from '../../../../server/protocol/error-codes.js';
import { startBroker, type RunningBroker } from '../../../helpers/broker-fixture.js';
import { waitForBrokers } from '../../../helpers/cluster-ready.js';
import { waitFor } from '../../../helpers/wait-for.js';
import { startZooKeeper, type RunningZooKeeper } from '../../../helpers/zookeeper.js';

let zookeeper: RunningZooKeeper;
const brokers = new Map<number, RunningBroker>();
let kafka: Kafka;
const chroot = '/replication';

async function start(id: number): Promise<RunningBroker> {
  const b = await startBroker({
    'zookeeper.connect': `${zookeeper.connect}${chroot}`,
    'broker.id': String(id),
    'zookeeper.session.timeout.ms': '6000',
    'replica.lag.time.max.ms': '1500',
    'replica.fetch.wait.max.ms': '200',
    'replica.fetch.backoff.ms': '100',
  });
  brokers.set(id, b);
  return b;
}

beforeAll(async () => {
  zookeeper = await startZooKeeper();
  for (const id of [1, 2, 3]) await start(id);
  await waitForBrokers([...brokers.values()].map((b) => b.broker.port));
  kafka = new Kafka({
    clientId: 'replication-test',
    brokers: [...brokers.values()].map((b) => b.bootstrap),
    logLevel: logLevel.NOTHING,
  });
});

afterAll(async () => {
  for (const b of brokers.values()) await b.stop().catch(() => {});
  await zookeeper?.stop();
});

async function metadata(
  topic: string,
): Promise<Map<number, { leader: number; isr: number[]; replicas: number[]; offline: number[] }>> {
  const b = [...brokers.values()][0]!;
  const c = await Connection.open('127.0.0.1', b.broker.port, 'replication-test');
  try {
    const answer = await c.request(MetadataApi, {
      topics: [{ name: topic, topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }],
      allowAutoTopicCreation: false,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    });
    return new Map(
      answer.topics[0]!.partitions.map((p) => [
        p.partitionIndex,
        {
          leader: p.leaderId,
          isr: [...p.isrNodes].sort(),
          replicas: p.replicaNodes,
          offline: p.offlineReplicas,
        },
      ]),
    );
  } finally {
    c.close();
  }
}

function logOf(id: number, topic: string, partition: number): PartitionLog | undefined {
  return brokers.get(id)?.broker.logManager?.getLog(topic, partition);
}

async function bytesOf(log: PartitionLog): Promise<Buffer> {
  const read = await log.read(log.logStartOffset, 64 << 20, { upTo: log.logEndOffset });
  return Buffer.from(read.records);
}

async function createTopic(
  topic: string,
  partitions: number,
  configs: Record<string, string> = {},
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic,
          numPartitions: partitions,
          replicationFactor: 3,
          configEntries: Object.entries(configs).map(([name, value]) => ({ name, value })),
        },
      ],
    });
  } finally {
    await admin.disconnect();
  }
}

describe('replication across three brokers', () => {
  it('followers copy every record byte for byte, the ISR is all three, and acks=all is answered once replicated', async () => {
    await createTopic('copied', 2, { 'min.insync.replicas': '2' });
    await waitFor(async () => [...(await metadata('copied')).values()].every((p) => p.isr.length === 3), {
      timeoutMs: 15_000,
      intervalMs: 100,
    });
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    try {
      for (let round = 0; round < 5; round++) {
        const messages = Array.from({ length: 40 }, (_, i) => ({
          value: `r${round}-${i}`,
          partition: i % 2,
        }));
        await producer.send({ topic: 'copied', acks: -1, messages });
      }
    } finally {
      await producer.disconnect();
    }
    for (const partition of [0, 1]) {
      const leader = (await metadata('copied')).get(partition)!.leader;
      const leaderLog = logOf(leader, 'copied', partition)!;
      expect(leaderLog.logEndOffset).toBe(100);
      // acks=all answered: the high watermark had passed every record.
      expect(leaderLog.highWatermark).toBe(100);
      const expected = await bytesOf(leaderLog);
      for (const id of [1, 2, 3]) {
        const log = logOf(id, 'copied', partition)!;
        await waitFor(() => log.logEndOffset === 100 && log.highWatermark === 100, {
          timeoutMs: 10_000,
          intervalMs: 100,
        });
        expect((await bytesOf(log)).equals(expected)).toBe(true);
      }
    }
  });

  it('a follower that stops fetching leaves the ISR; acks=all then gets NOT_ENOUGH_REPLICAS below min.insync.replicas, and nothing is lost', async () => {
    await createTopic('shrinking', 1, { 'min.insync.replicas': '3' });
    await waitFor(async () => (await metadata('shrinking')).get(0)!.isr.length === 3, {
      timeoutMs: 15_000,
      intervalMs: 100,
    });
    const { leader } = (await metadata('shrinking')).get(0)!;
    const follower = [1, 2, 3].find((id) => id !== leader)!;
    const c = await Connection.open('127.0.0.1', brokers.get(leader)!.broker.port, 'replication-test');
    const produce = async (value: string): Promise<number> => {
      const answer = await c.request(ProduceApi, {
        transactionalId: null,
        acks: -1,
        timeoutMs: 5000,
        topicData: [
          {
            name: 'shrinking',
            partitionData: [{ index: 0, records: buildBatch({ records: [{ value: Buffer.from(value) }] }) }],
          },
        ],
      });
      return answer.responses[0]!.partitionResponses[0]!.errorCode;
    };
    try {
      expect(await produce('before')).toBe(ErrorCode.NONE);
      // The follower stops (a clean stop: it leaves ZooKeeper too, and the leader stops hearing from it).
      await brokers.get(follower)!.stop();
      brokers.delete(follower);
      await waitFor(async () => (await metadata('shrinking')).get(0)!.isr.length === 2, {
        timeoutMs: 15_000,
        intervalMs: 100,
      });
      expect(await produce('refused')).toBe(ErrorCode.NOT_ENOUGH_REPLICAS);
      const leaderLog = logOf(leader, 'shrinking', 0)!;
      expect(leaderLog.logEndOffset).toBe(1);
      // It comes back, catches up and rejoins; writes go on.
      await start(follower);
      await waitFor(async () => (await metadata('shrinking')).get(0)!.isr.length === 3, {
        timeoutMs: 20_000,
        intervalMs: 100,
      });
      expect(await produce('after')).toBe(ErrorCode.NONE);
      expect(leaderLog.highWatermark).toBe(2);
      await waitFor(() => logOf(follower, 'shrinking', 0)?.logEndOffset === 2, {
        timeoutMs: 10_000,
        intervalMs: 100,
      });
    } finally {
      c.close();
    }
  });
});
