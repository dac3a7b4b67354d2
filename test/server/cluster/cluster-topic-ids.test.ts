// Topic ids in a cluster of three brokers. Every broker must answer Metadata with the id ZooKeeper
// holds for a topic (the topic_id of /brokers/topics/<t>), whether or not it holds a replica of
// it, so a consumer that names the topic by id (Fetch v13+) reaches every partition's leader with
// an id that leader knows. A broker holding no replica used to answer the zero id, and fetches by
// it failed UNKNOWN_TOPIC_ID.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBatch, iterateBatches, readRecords } from '../../../engine/index.js';
import { Connection } from '../../../server/client/connection.js';
import { CreateTopicsApi } from '../../../server/protocol/apis/create-topics.js';
import { DeleteTopicsApi } from '../../../server/protocol/apis/delete-topics.js';
import { FetchApi } from '../../../server/protocol/apis/fetch.js';
import { MetadataApi } from '../../../server/protocol/apis/metadata.js';
import { ProduceApi } from '../../../server/protocol/apis/produce.js';
import { ErrorCode } from '../../../server/protocol/error-codes.js';
import { topicAssignment } from '../../../server/cluster/zookeeper/zk-topics.js';
import { startBroker, type RunningBroker } from '../../helpers/broker-fixture.js';
import { waitForBrokers } from '../../helpers/cluster-ready.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';
import { waitFor } from '../../helpers/wait-for.js';
import { startZooKeeper, type RunningZooKeeper } from '../../helpers/zookeeper.js';

const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';
const IDS = [1, 2, 3];

let zookeeper: RunningZooKeeper;
const brokers = new Map<number, RunningBroker>();
const dataDirs = new Map<number, string>();

async function start(id: number): Promise<void> {
  brokers.set(
    id,
    await startBroker({
      'zookeeper.connect': `${zookeeper.connect}/topic-ids`,
      'broker.id': String(id),
      'log.dirs': dataDirs.get(id)!,
      'offsets.topic.replication.factor': '1',
    }),
  );
}

async function stop(id: number): Promise<void> {
  await brokers.get(id)!.stop();
  brokers.delete(id);
}

beforeAll(async () => {
  zookeeper = await startZooKeeper();
  for (const id of IDS) {
    dataDirs.set(id, makeTempDir(`kiln-ids-${id}-`));
    await start(id);
  }
  await waitForBrokers([...brokers.values()].map((b) => b.broker.port));
});

afterAll(async () => {
  for (const b of brokers.values()) await b.stop().catch(() => {});
  for (const dir of dataDirs.values()) removeTempDir(dir);
  await zookeeper?.stop();
});

async function withBroker<T>(id: number, work: (c: Connection) => Promise<T>): Promise<T> {
  const c = await Connection.open('127.0.0.1', brokers.get(id)!.broker.port, 'topic-ids-test');
  try {
    return await work(c);
  } finally {
    c.close();
  }
}

async function zkTopicId(topic: string): Promise<string> {
  const zk = [...brokers.values()][0]!.broker.cluster!.zk;
  const id = (await topicAssignment(zk, topic))?.topicId;
  expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
  return id!;
}

interface Described {
  errorCode: number;
  name: string | null;
  topicId: string;
  leaders: Map<number, number>;
}

/** Broker `id`'s Metadata for one topic, asked by name or (name null) by topic id. */
async function metadataOf(id: number, ref: { name: string } | { topicId: string }): Promise<Described> {
  return withBroker(id, async (c) => {
    const answer = await c.request(MetadataApi, {
      topics: ['name' in ref ? { name: ref.name, topicId: ZERO_UUID } : { name: null, topicId: ref.topicId }],
      allowAutoTopicCreation: false,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    });
    const t = answer.topics[0]!;
    return {
      errorCode: t.errorCode,
      name: t.name,
      topicId: t.topicId,
      leaders: new Map(t.partitions.map((p) => [p.partitionIndex, p.leaderId])),
    };
  });
}

/** Waits until every running broker knows a live leader for each of the topic's `count` partitions. */
async function waitForLeaders(topic: string, count: number): Promise<void> {
  await waitFor(
    async () => {
      for (const id of brokers.keys()) {
        const d = await metadataOf(id, { name: topic });
        if (d.leaders.size !== count || [...d.leaders.values()].some((l) => l < 0)) return false;
      }
      return true;
    },
    { timeoutMs: 30_000, intervalMs: 50, what: `every broker to know the leaders of ${topic}` },
  );
}

async function createTopic(
  topic: string,
  spec: { assignment: number[][] } | { partitions: number; replicationFactor: number },
): Promise<void> {
  const via = [...brokers.keys()][0]!;
  const answer = await withBroker(via, (c) =>
    c.request(CreateTopicsApi, {
      topics: [
        'assignment' in spec
          ? {
              name: topic,
              numPartitions: -1,
              replicationFactor: -1,
              assignments: spec.assignment.map((brokerIds, partitionIndex) => ({
                partitionIndex,
                brokerIds,
              })),
              configs: [],
            }
          : {
              name: topic,
              numPartitions: spec.partitions,
              replicationFactor: spec.replicationFactor,
              assignments: [],
              configs: [],
            },
      ],
      timeoutMs: 10_000,
      validateOnly: false,
    }),
  );
  expect(answer.topics[0]!.errorCode).toBe(ErrorCode.NONE);
  const count = 'assignment' in spec ? spec.assignment.length : spec.partitions;
  await waitForLeaders(topic, count);
}

/** Produces `values` (acks=all) to the partition's leader. */
async function produce(topic: string, partition: number, values: string[]): Promise<void> {
  const leader = (await metadataOf([...brokers.keys()][0]!, { name: topic })).leaders.get(partition)!;
  const answer = await withBroker(leader, (c) =>
    c.request(ProduceApi, {
      transactionalId: null,
      acks: -1,
      timeoutMs: 10_000,
      topicData: [
        {
          name: topic,
          partitionData: [
            {
              index: partition,
              records: buildBatch({ records: values.map((v) => ({ value: Buffer.from(v) })) }),
            },
          ],
        },
      ],
    }),
  );
  expect(answer.responses[0]!.partitionResponses[0]!.errorCode).toBe(ErrorCode.NONE);
}

/** A consumer's Fetch by topic id (v13+) to broker `id`, from offset 0: the error and the values. */
async function fetchById(
  id: number,
  topicId: string,
  partition: number,
): Promise<{ errorCode: number; values: string[] }> {
  return withBroker(id, async (c) => {
    expect(c.version(FetchApi.key)).toBeGreaterThanOrEqual(13);
    const answer = await c.request(FetchApi, {
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 1 << 20,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [
        { topic: '', topicId, partitions: [{ partition, fetchOffset: 0, partitionMaxBytes: 1 << 20 }] },
      ],
      forgottenTopicsData: [],
      rackId: '',
    });
    expect(answer.errorCode).toBe(ErrorCode.NONE);
    const p = answer.responses[0]!.partitions[0]!;
    const values: string[] = [];
    for (const batch of iterateBatches(p.records ?? Buffer.alloc(0)))
      for (const r of readRecords(batch)) values.push(r.value?.toString() ?? '');
    return { errorCode: p.errorCode, values };
  });
}

/** Every running broker answers the topic with ZooKeeper's id, by name and by that id. */
async function expectZooKeeperIdEverywhere(topic: string): Promise<string> {
  const topicId = await zkTopicId(topic);
  for (const id of brokers.keys()) {
    const byName = await metadataOf(id, { name: topic });
    expect({ broker: id, errorCode: byName.errorCode, topicId: byName.topicId }).toEqual({
      broker: id,
      errorCode: ErrorCode.NONE,
      topicId,
    });
    const byId = await metadataOf(id, { topicId });
    expect({ broker: id, errorCode: byId.errorCode, name: byId.name }).toEqual({
      broker: id,
      errorCode: ErrorCode.NONE,
      name: topic,
    });
  }
  return topicId;
}

/**
 * With the id each broker gives, a Fetch by id to each partition's leader returns `expected`
 * (partition -> the values produced to it, in order).
 */
async function expectFetchByIdFromEveryLeader(topic: string, expected: Map<number, string[]>): Promise<void> {
  for (const asked of brokers.keys()) {
    const { topicId, leaders } = await metadataOf(asked, { name: topic });
    for (const [partition, values] of expected) {
      const leader = leaders.get(partition)!;
      const fetched = await fetchById(leader, topicId, partition);
      expect({ asked, leader, partition, ...fetched }).toEqual({
        asked,
        leader,
        partition,
        errorCode: ErrorCode.NONE,
        values,
      });
    }
  }
}

const records = (topic: string, partition: number, n: number): string[] =>
  Array.from({ length: n }, (_, i) => `${topic}-${partition}-${i}`);

describe('topic ids in a cluster of three brokers', () => {
  it('every broker answers Metadata with the topic id ZooKeeper holds, also one holding no replica of the topic (it answered the zero id)', async () => {
    await createTopic('led-by-each', { assignment: [[1], [2], [3]] });
    await createTopic('not-on-three', {
      assignment: [
        [1, 2],
        [2, 1],
      ],
    });
    await expectZooKeeperIdEverywhere('led-by-each');
    await expectZooKeeperIdEverywhere('not-on-three');
  });

  it('a consumer fetching by topic id (Fetch v13+) gets every partition from its leader, whichever broker gave it the id (partitions led by broker 3 failed UNKNOWN_TOPIC_ID)', async () => {
    const expected = new Map<number, string[]>();
    for (const partition of [0, 1, 2]) {
      expected.set(partition, records('led-by-each', partition, 5));
      await produce('led-by-each', partition, expected.get(partition)!);
    }
    await expectFetchByIdFromEveryLeader('led-by-each', expected);
    const elsewhere = new Map([0, 1].map((p) => [p, records('not-on-three', p, 3)]));
    for (const [partition, values] of elsewhere) await produce('not-on-three', partition, values);
    await expectFetchByIdFromEveryLeader('not-on-three', elsewhere);
  });

  it('DeleteTopics by id, sent to a broker holding no replica of the topic, deletes it (it answered UNKNOWN_TOPIC_ID)', async () => {
    const topicId = await zkTopicId('not-on-three');
    const answer = await withBroker(3, (c) =>
      c.request(DeleteTopicsApi, { topics: [{ name: null, topicId }], topicNames: [], timeoutMs: 10_000 }),
    );
    expect(answer.responses[0]).toMatchObject({ name: 'not-on-three', errorCode: ErrorCode.NONE });
    for (const id of brokers.keys())
      expect((await metadataOf(id, { topicId })).errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_ID);
  });

  it('a topic created while broker 3 was down has the ZooKeeper id on broker 3 once it is back', async () => {
    await stop(3);
    await waitFor(
      async () => {
        const answer = await withBroker(1, (c) =>
          c.request(MetadataApi, {
            topics: [],
            allowAutoTopicCreation: false,
            includeClusterAuthorizedOperations: false,
            includeTopicAuthorizedOperations: false,
          }),
        );
        return answer.brokers.length === 2;
      },
      { timeoutMs: 20_000, intervalMs: 50, what: 'broker 1 to see broker 3 gone' },
    );
    await createTopic('made-while-down', { partitions: 2, replicationFactor: 2 });
    const expected = new Map([0, 1].map((p) => [p, records('made-while-down', p, 4)]));
    for (const [partition, values] of expected) await produce('made-while-down', partition, values);
    await start(3);
    await waitForBrokers([...brokers.values()].map((b) => b.broker.port));
    await waitForLeaders('made-while-down', 2);
    await expectZooKeeperIdEverywhere('made-while-down');
    await expectFetchByIdFromEveryLeader('made-while-down', expected);
  });

  it('a broker restarted after the topic was created answers the same id, and its partition is fetched by id again', async () => {
    const before = await zkTopicId('led-by-each');
    await stop(3);
    await start(3);
    await waitForBrokers([...brokers.values()].map((b) => b.broker.port));
    await waitForLeaders('led-by-each', 3);
    expect(await expectZooKeeperIdEverywhere('led-by-each')).toBe(before);
    const more = records('led-by-each-again', 2, 2);
    await produce('led-by-each', 2, more);
    await expectFetchByIdFromEveryLeader(
      'led-by-each',
      new Map([
        [0, records('led-by-each', 0, 5)],
        [1, records('led-by-each', 1, 5)],
        [2, [...records('led-by-each', 2, 5), ...more]],
      ]),
    );
  });
});
