import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Connection } from '../../../server/client/connection.js';
import { buildBatch } from '../../../engine/index.js';
import { MetadataApi } from '../../../server/protocol/apis/metadata.js';
import { ProduceApi } from '../../../server/protocol/apis/produce.js';
import { CreateTopicsApi } from '../../../server/protocol/apis/create-topics.js';
import { InitProducerIdApi } from '../../../server/protocol/apis/init-producer-id.js';
import { ErrorCode } from '../../../server/protocol/error-codes.js';
import { startBroker, type RunningBroker } from '../../helpers/broker-fixture.js';
import { waitFor } from '../../helpers/wait-for.js';
import { startZooKeeper, type RunningZooKeeper } from '../../helpers/zookeeper.js';

const run = promisify(execFile);
let zookeeper: RunningZooKeeper;
const brokers: RunningBroker[] = [];
let kafka: Kafka;

beforeAll(async () => {
  zookeeper = await startZooKeeper();
  for (const id of [1, 2, 3]) {
    brokers.push(
      await startBroker({ 'zookeeper.connect': `${zookeeper.connect}/topics`, 'broker.id': String(id) }),
    );
  }
  kafka = new Kafka({
    clientId: 'cluster-test',
    brokers: brokers.map((b) => b.bootstrap),
    logLevel: logLevel.NOTHING,
  });
});

afterAll(async () => {
  for (const b of brokers) await b.stop().catch(() => {});
  await zookeeper?.stop();
});

async function leaders(topic: string): Promise<Map<number, number>> {
  const c = await Connection.open('127.0.0.1', brokers[0]!.broker.port, 'cluster-test');
  try {
    const answer = await c.request(MetadataApi, {
      topics: [{ name: topic, topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }],
      allowAutoTopicCreation: false,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    });
    return new Map(answer.topics[0]!.partitions.map((p) => [p.partitionIndex, p.leaderId]));
  } finally {
    c.close();
  }
}

describe('topics in a cluster of three brokers', () => {
  it("kafkajs's admin creates a topic whose partitions are spread over the brokers", async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      expect(await admin.createTopics({ topics: [{ topic: 'spread', numPartitions: 6 }] })).toBe(true);
      const led = await leaders('spread');
      expect(led.size).toBe(6);
      const perBroker = new Map<number, number>();
      for (const leader of led.values()) perBroker.set(leader, (perBroker.get(leader) ?? 0) + 1);
      expect([...perBroker.entries()].sort()).toEqual([
        [1, 2],
        [2, 2],
        [3, 2],
      ]);
      // Each broker holds only the logs of the partitions it leads.
      for (const b of brokers) {
        const held = [...b.broker.logManager!.allLogs()]
          .filter((l) => l.topic === 'spread')
          .map((l) => l.partition);
        expect(held.sort()).toEqual(
          [...led]
            .filter(([, leader]) => leader === b.broker.config.brokerId)
            .map(([p]) => p)
            .sort(),
        );
      }
      await expect(admin.createTopics({ topics: [{ topic: 'spread', numPartitions: 1 }] })).resolves.toBe(
        false,
      );
      const refused = await admin
        .createTopics({ topics: [{ topic: 'too-wide', numPartitions: 1, replicationFactor: 4 }] })
        .then(
          () => undefined,
          (err: { errors?: { type: string; message: string }[] }) => err.errors?.[0],
        );
      expect(refused).toMatchObject({ type: 'INVALID_REPLICATION_FACTOR' });
    } finally {
      await admin.disconnect();
    }
  });

  it('a kafkajs producer writes to every leader, and kcat reads every record back from all three', async () => {
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    try {
      const messages = Array.from({ length: 60 }, (_, i) => ({
        key: `k${i}`,
        value: `v${i}`,
        partition: i % 6,
      }));
      await producer.send({ topic: 'spread', acks: -1, messages });
    } finally {
      await producer.disconnect();
    }
    const { stdout } = await run(
      'kcat',
      ['-b', brokers.map((b) => b.bootstrap).join(','), '-C', '-t', 'spread', '-e', '-q', '-f', '%s\\n'],
      { timeout: 30_000 },
    );
    const values = stdout.trim().split('\n').sort();
    expect(values).toHaveLength(60);
    expect(new Set(values).size).toBe(60);
  });

  it('a broker that does not lead a partition refuses its produce with NOT_LEADER_OR_FOLLOWER', async () => {
    const led = await leaders('spread');
    const [partition, leader] = [...led].find(([, l]) => l !== 1)!;
    expect(leader).not.toBe(1);
    const c = await Connection.open('127.0.0.1', brokers[0]!.broker.port, 'cluster-test');
    try {
      const answer = await c.request(ProduceApi, {
        transactionalId: null,
        acks: 1,
        timeoutMs: 5000,
        topicData: [
          {
            name: 'spread',
            partitionData: [
              { index: partition, records: buildBatch({ records: [{ value: Buffer.from('x') }] }) },
            ],
          },
        ],
      });
      expect(answer.responses[0]!.partitionResponses[0]!.errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    } finally {
      c.close();
    }
  });

  it('auto-creates a topic a producer writes to, for the whole cluster', async () => {
    const producer = kafka.producer({ allowAutoTopicCreation: true });
    await producer.connect();
    try {
      await producer.send({ topic: 'made-on-the-fly', messages: [{ value: 'first' }] });
    } finally {
      await producer.disconnect();
    }
    expect((await leaders('made-on-the-fly')).size).toBe(1);
    for (const b of brokers) expect(b.broker.cluster!.metadata.partitions('made-on-the-fly')?.size).toBe(1);
  });

  it("kafkajs's admin deletes a topic: every replica drops its logs, ZooKeeper forgets it, and it can be made again", async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.deleteTopics({ topics: ['spread'] });
      for (const b of brokers) {
        expect(b.broker.cluster!.metadata.partitions('spread')).toBeUndefined();
        await waitFor(() => ![...b.broker.logManager!.allLogs()].some((l) => l.topic === 'spread'), {
          what: `broker ${b.broker.config.brokerId} to drop the logs`,
        });
        expect(b.broker.logManager!.getLog('spread', 0)).toBeUndefined();
      }
      const zk = brokers[0]!.broker.cluster!.zk;
      expect(await zk.exists('/brokers/topics/spread')).toBe(false);
      expect(await zk.exists('/config/topics/spread')).toBe(false);
      expect(await zk.children('/admin/delete_topics')).toEqual([]);
      expect(await admin.listTopics()).not.toContain('spread');
      // Made again, it starts empty.
      expect(await admin.createTopics({ topics: [{ topic: 'spread', numPartitions: 3 }] })).toBe(true);
      const offsets = await admin.fetchTopicOffsets('spread');
      expect(offsets.map((o) => Number(o.high))).toEqual([0, 0, 0]);
    } finally {
      await admin.disconnect();
    }
  });

  it('describeCluster lists the three brokers; createPartitions grows a topic on every broker; its configs change for the whole cluster', async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const cluster = await admin.describeCluster();
      expect(cluster.brokers.map((b) => b.nodeId).sort()).toEqual([1, 2, 3]);
      expect(cluster.controller).toBe(1);
      await admin.createPartitions({ topicPartitions: [{ topic: 'spread', count: 6 }] });
      for (const b of brokers) {
        await waitFor(() => b.broker.cluster!.metadata.partitions('spread')?.size === 6, {
          what: 'six partitions',
        });
      }
      const led = await leaders('spread');
      expect([...led.keys()].sort()).toEqual([0, 1, 2, 3, 4, 5]);
      expect(new Set(led.values()).size).toBe(3);
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({ topic: 'spread', messages: [{ value: 'in a new partition', partition: 5 }] });
      await producer.disconnect();
      const shrink = await admin.createPartitions({ topicPartitions: [{ topic: 'spread', count: 2 }] }).then(
        () => 'done',
        (err: Error) => err.message,
      );
      expect(shrink).not.toBe('done');
      const alter = await admin
        .alterConfigs({
          validateOnly: false,
          resources: [{ type: 2, name: 'spread', configEntries: [{ name: 'retention.ms', value: '1000' }] }],
        })
        .then(
          () => 'done',
          (err: Error) => err.message,
        );
      expect(alter).toBe('done');
      const described = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: 2, name: 'spread', configNames: ['retention.ms'] }],
      });
      expect(described.resources[0]!.configEntries).toMatchObject([{ configValue: '1000' }]);
    } finally {
      await admin.disconnect();
    }
  });

  it('two CreateTopics for one new name at once: one creates it, the other is told TOPIC_ALREADY_EXISTS (it was UNKNOWN_SERVER_ERROR)', async () => {
    for (let round = 0; round < 5; round++) {
      const name = `race-${round}`;
      const codes = await Promise.all(
        brokers.slice(0, 2).map(async (b) => {
          const c = await Connection.open('127.0.0.1', b.broker.port, 'cluster-test');
          try {
            const answer = await c.request(CreateTopicsApi, {
              topics: [{ name, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
              timeoutMs: 10_000,
              validateOnly: false,
            });
            return answer.topics[0]!.errorCode;
          } finally {
            c.close();
          }
        }),
      );
      expect(codes.sort((a, b) => a - b)).toEqual([ErrorCode.NONE, ErrorCode.TOPIC_ALREADY_EXISTS]);
    }
  });

  it('every broker hands out different producer ids (each counted from 0 on its own before)', async () => {
    const ids = await Promise.all(
      brokers.map(async (b) => {
        const c = await Connection.open('127.0.0.1', b.broker.port, 'cluster-test');
        try {
          const answer = await c.request(InitProducerIdApi, {
            transactionalId: null,
            transactionTimeoutMs: 60_000,
            producerId: -1,
            producerEpoch: -1,
          });
          expect(answer.errorCode).toBe(ErrorCode.NONE);
          return answer.producerId;
        } finally {
          c.close();
        }
      }),
    );
    expect(new Set(ids).size).toBe(3);
  });
});
