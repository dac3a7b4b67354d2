import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Connection } from '../../../server/client/connection.js';
import { FindCoordinatorApi } from '../../../server/protocol/apis/find-coordinator.js';
import { HeartbeatApi } from '../../../server/protocol/apis/heartbeat.js';
import { ErrorCode } from '../../../server/protocol/error-codes.js';
import { startBroker, type RunningBroker } from '../../helpers/broker-fixture.js';
import { waitFor } from '../../helpers/wait-for.js';
import { startZooKeeper, type RunningZooKeeper } from '../../helpers/zookeeper.js';

let zookeeper: RunningZooKeeper;
const brokers: RunningBroker[] = [];

beforeAll(async () => {
  zookeeper = await startZooKeeper();
  for (const id of [1, 2, 3]) {
    brokers.push(
      await startBroker({
        'zookeeper.connect': `${zookeeper.connect}/groups`,
        'broker.id': String(id),
        'offsets.topic.num.partitions': '6',
        'offsets.topic.replication.factor': '1',
      }),
    );
  }
});

afterAll(async () => {
  for (const b of brokers) await b.stop().catch(() => {});
  await zookeeper?.stop();
});

async function findCoordinator(
  b: RunningBroker,
  group: string,
): Promise<{ errorCode: number; nodeId: number }> {
  const c = await Connection.open('127.0.0.1', b.broker.port, 'group-test');
  try {
    const answer = await c.request(FindCoordinatorApi, { key: group, keyType: 0, coordinatorKeys: [group] });
    const found = answer.coordinators[0] ?? answer;
    return { errorCode: found.errorCode, nodeId: found.nodeId };
  } finally {
    c.close();
  }
}

describe('consumer groups in a cluster: the coordinator is the leader of the group partition', () => {
  it('every broker names the same coordinator, once __consumer_offsets is made in ZooKeeper', async () => {
    for (const b of brokers) {
      await waitFor(async () => (await findCoordinator(b, 'g1')).errorCode === ErrorCode.NONE, {
        what: 'the coordinator',
      });
    }
    const answers = await Promise.all(brokers.map((b) => findCoordinator(b, 'g1')));
    expect(new Set(answers.map((a) => a.nodeId)).size).toBe(1);
    const coordinator = answers[0]!.nodeId;
    // Another broker refuses the group's requests: the client must go to the coordinator.
    const other = brokers.find((b) => b.broker.config.brokerId !== coordinator)!;
    const c = await Connection.open('127.0.0.1', other.broker.port, 'group-test');
    try {
      const answer = await c.request(HeartbeatApi, {
        groupId: 'g1',
        generationId: 1,
        memberId: 'm',
        groupInstanceId: null,
      });
      expect(answer.errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    } finally {
      c.close();
    }
  });

  it('a kafkajs consumer group of two reads every record of a topic spread over three brokers, and commits', async () => {
    const kafka = new Kafka({
      clientId: 'group-test',
      brokers: [brokers[1]!.bootstrap],
      logLevel: logLevel.NOTHING,
    });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'work', numPartitions: 6 }] });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: 'work',
      messages: Array.from({ length: 60 }, (_, i) => ({ value: `m${i}`, partition: i % 6 })),
    });
    await producer.disconnect();
    const seen = new Set<string>();
    const consumers = [kafka.consumer({ groupId: 'workers' }), kafka.consumer({ groupId: 'workers' })];
    try {
      for (const consumer of consumers) {
        await consumer.connect();
        await consumer.subscribe({ topic: 'work', fromBeginning: true });
        await consumer.run({ eachMessage: async ({ message }) => void seen.add(message.value!.toString()) });
      }
      await waitFor(() => seen.size === 60, { timeoutMs: 30_000, what: 'every record' });
    } finally {
      for (const consumer of consumers) await consumer.disconnect();
    }
    const committed = await admin.fetchOffsets({ groupId: 'workers', topics: ['work'] });
    expect(committed[0]!.partitions.map((p) => Number(p.offset)).reduce((a, b) => a + b, 0)).toBe(60);
    await admin.disconnect();
  });

  it('a coordinator that holds no replica of the topic keeps the commits (it answered UNKNOWN_TOPIC_OR_PARTITION)', async () => {
    const kafka = new Kafka({
      clientId: 'group-test',
      brokers: [brokers[0]!.bootstrap],
      logLevel: logLevel.NOTHING,
    });
    const admin = kafka.admin();
    await admin.connect();
    try {
      // A group whose coordinator is not the leader of the one-partition topic it commits for.
      await admin.createTopics({ topics: [{ topic: 'single', numPartitions: 1 }] });
      const leader = (await admin.fetchTopicMetadata({ topics: ['single'] })).topics[0]!.partitions[0]!
        .leader;
      let group = '';
      for (let i = 0; group === ''; i++) {
        const candidate = `elsewhere-${i}`;
        await waitFor(
          async () => (await findCoordinator(brokers[0]!, candidate)).errorCode === ErrorCode.NONE,
        );
        if ((await findCoordinator(brokers[0]!, candidate)).nodeId !== leader) group = candidate;
      }
      await admin.setOffsets({
        groupId: group,
        topic: 'single',
        partitions: [{ partition: 0, offset: '0' }],
      });
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({ topic: 'single', messages: [{ value: 'a' }, { value: 'b' }, { value: 'c' }] });
      await producer.disconnect();
      const consumer = kafka.consumer({ groupId: group });
      let seen = 0;
      try {
        await consumer.connect();
        await consumer.subscribe({ topic: 'single', fromBeginning: true });
        await consumer.run({ eachMessage: async () => void seen++ });
        await waitFor(() => seen === 3, { timeoutMs: 30_000, what: 'the three records' });
      } finally {
        await consumer.disconnect();
      }
      const committed = await admin.fetchOffsets({ groupId: group, topics: ['single'] });
      expect(committed[0]!.partitions[0]!.offset).toBe('3');
    } finally {
      await admin.disconnect();
    }
  });
});
