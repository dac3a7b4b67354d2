// Offset commits replicated before they are acknowledged, on three in-process brokers and a real
// ZooKeeper, with __consumer_offsets at replication factor 3 and min.insync.replicas 2: a commit
// survives its coordinator, and one the followers cannot copy is refused and never fetched.
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PartitionLog } from '../../../engine/index.js';
import { Connection } from '../../../server/client/connection.js';
import { OFFSETS_TOPIC, partitionForGroup } from '../../../server/group/offset-store.js';
import { FindCoordinatorApi } from '../../../server/protocol/apis/find-coordinator.js';
import { MetadataApi } from '../../../server/protocol/apis/metadata.js';
import { OffsetCommitApi } from '../../../server/protocol/apis/offset-commit.js';
import { OffsetFetchApi } from '../../../server/protocol/apis/offset-fetch.js';
import { ErrorCode } from '../../../server/protocol/error-codes.js';
import { startBroker, type RunningBroker } from '../../helpers/broker-fixture.js';
import { waitForBrokers } from '../../helpers/cluster-ready.js';
import { waitFor } from '../../helpers/wait-for.js';
import { startZooKeeper, type RunningZooKeeper } from '../../helpers/zookeeper.js';

const GROUP = 'replicated';
const TOPIC = 'orders';
const OFFSETS_PARTITIONS = 3;
let zookeeper: RunningZooKeeper;
const brokers = new Map<number, RunningBroker>();

beforeAll(async () => {
  zookeeper = await startZooKeeper();
  for (const id of [1, 2, 3]) {
    brokers.set(
      id,
      await startBroker({
        'zookeeper.connect': `${zookeeper.connect}/offsets-replication`,
        'broker.id': String(id),
        'zookeeper.session.timeout.ms': '6000',
        'offsets.topic.num.partitions': String(OFFSETS_PARTITIONS),
        'offsets.topic.replication.factor': '3',
        'min.insync.replicas': '2',
        // A follower that stops fetching leaves the ISR well before a commit gives up waiting.
        'replica.lag.time.max.ms': '3000',
        'offsets.commit.timeout.ms': '60000',
        'replica.fetch.backoff.ms': '100',
      }),
    );
  }
  await waitForBrokers([...brokers.values()].map((b) => b.broker.port));
}, 60_000);

afterAll(async () => {
  for (const b of brokers.values()) await b.stop().catch(() => {});
  await zookeeper?.stop();
});

async function connect(id: number): Promise<Connection> {
  return Connection.open('127.0.0.1', brokers.get(id)!.broker.port, 'offsets-replication-test');
}

/** The group's coordinator as broker `via` names it, once it names one. */
async function coordinatorOf(via: number): Promise<number> {
  let nodeId = -1;
  await waitFor(
    async () => {
      const c = await connect(via);
      try {
        const answer = await c.request(FindCoordinatorApi, {
          key: GROUP,
          keyType: 0,
          coordinatorKeys: [GROUP],
        });
        const found = answer.coordinators[0] ?? answer;
        nodeId = found.errorCode === ErrorCode.NONE && brokers.has(found.nodeId) ? found.nodeId : -1;
        return nodeId >= 0;
      } finally {
        c.close();
      }
    },
    { timeoutMs: 30_000, intervalMs: 100, what: 'the group coordinator' },
  );
  return nodeId;
}

/** The ISR of the group's __consumer_offsets partition, as broker `via` knows it. */
async function offsetsIsr(via: number): Promise<number[]> {
  const c = await connect(via);
  try {
    const answer = await c.request(MetadataApi, {
      topics: [{ name: OFFSETS_TOPIC, topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }],
      allowAutoTopicCreation: false,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    });
    const partition = partitionForGroup(GROUP, OFFSETS_PARTITIONS);
    const p = answer.topics[0]!.partitions.find((q) => q.partitionIndex === partition);
    return [...(p?.isrNodes ?? [])].sort();
  } finally {
    c.close();
  }
}

/** A commit of `offset` for orders-0 outside any generation (the group is Empty): its error code. */
async function commit(coordinator: number, offset: number): Promise<number> {
  const c = await connect(coordinator);
  try {
    const answer = await c.request(OffsetCommitApi, {
      groupId: GROUP,
      generationIdOrMemberEpoch: -1,
      memberId: '',
      groupInstanceId: null,
      retentionTimeMs: -1,
      topics: [
        {
          name: TOPIC,
          partitions: [
            { partitionIndex: 0, committedOffset: offset, committedLeaderEpoch: -1, committedMetadata: '' },
          ],
        },
      ],
    });
    return answer.topics[0]!.partitions[0]!.errorCode;
  } finally {
    c.close();
  }
}

/** The committed offset of orders-0 that `coordinator` returns, once it has loaded the group. */
async function fetchCommitted(coordinator: number): Promise<number> {
  let committed = -1;
  await waitFor(
    async () => {
      const c = await connect(coordinator);
      try {
        const topics = [{ name: TOPIC, partitionIndexes: [0] }];
        const response = await c.request(OffsetFetchApi, {
          groupId: GROUP,
          topics,
          groups: [{ groupId: GROUP, topics }],
          requireStable: false,
        });
        // v8+ answers per group; older versions at the top level.
        const answer = response.groups[0] ?? response;
        if (answer.errorCode !== ErrorCode.NONE) return false;
        committed = answer.topics[0]!.partitions[0]!.committedOffset;
        return true;
      } finally {
        c.close();
      }
    },
    { timeoutMs: 30_000, intervalMs: 100, what: 'the committed offsets' },
  );
  return committed;
}

function offsetsLog(id: number): PartitionLog {
  return brokers
    .get(id)!
    .broker.logManager!.getLog(OFFSETS_TOPIC, partitionForGroup(GROUP, OFFSETS_PARTITIONS))!;
}

describe('__consumer_offsets replicated before a commit is acknowledged', () => {
  it('a kafkajs consumer commit outlives its coordinator: the next one returns it', async () => {
    const kafka = new Kafka({
      clientId: 'offsets-replication-test',
      brokers: [...brokers.values()].map((b) => b.bootstrap),
      logLevel: logLevel.NOTHING,
    });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic: TOPIC, numPartitions: 1, replicationFactor: 3 }],
    });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: TOPIC,
      messages: Array.from({ length: 7 }, (_, i) => ({ value: `m${i}` })),
    });
    await producer.disconnect();
    const consumer = kafka.consumer({ groupId: GROUP });
    let seen = 0;
    try {
      await consumer.connect();
      await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
      // Its rebalance's group metadata is replicated before SyncGroup answers.
      await consumer.run({ autoCommit: false, eachMessage: async () => void seen++ });
      await waitFor(() => seen === 7, { timeoutMs: 30_000, what: 'the seven records' });
      // Throws unless acknowledged.
      await consumer.commitOffsets([{ topic: TOPIC, partition: 0, offset: '7' }]);
    } finally {
      await consumer.disconnect();
    }
    const first = await coordinatorOf(1);
    expect(await fetchCommitted(first)).toBe(7);
    await brokers.get(first)!.stop();
    brokers.delete(first);
    const next = await coordinatorOf([...brokers.keys()][0]!);
    expect(next).not.toBe(first);
    expect(await fetchCommitted(next)).toBe(7);
  }, 120_000);

  it('a commit its followers cannot copy is COORDINATOR_NOT_AVAILABLE, and OffsetFetch does not return it', async () => {
    const coordinator = await coordinatorOf([...brokers.keys()][0]!);
    const follower = [...brokers.keys()].find((id) => id !== coordinator)!;
    await waitFor(async () => (await offsetsIsr(coordinator)).length === 2, {
      timeoutMs: 30_000,
      intervalMs: 100,
      what: 'an ISR of the two brokers left',
    });
    expect(await fetchCommitted(coordinator)).toBe(7);
    // The last follower stops copying: it drops its replicas' roles (as when its ZooKeeper
    // session expires) and the controller does not give them back.
    brokers.get(follower)!.broker.replicaManager!.suspend();
    const end = offsetsLog(coordinator).logEndOffset;
    // Written to the leader with the ISR at two, then the follower falls out of it: the write
    // ends below min.insync.replicas (NOT_ENOUGH_REPLICAS_AFTER_APPEND).
    expect(await commit(coordinator, 99)).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    expect(offsetsLog(coordinator).logEndOffset).toBeGreaterThan(end);
    expect(await fetchCommitted(coordinator)).toBe(7);
    // The leader's ISR is now itself alone, too small before the append (NOT_ENOUGH_REPLICAS):
    // nothing is written.
    const after = offsetsLog(coordinator).logEndOffset;
    expect(await commit(coordinator, 100)).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    expect(offsetsLog(coordinator).logEndOffset).toBe(after);
    expect(await fetchCommitted(coordinator)).toBe(7);
  }, 120_000);
});
