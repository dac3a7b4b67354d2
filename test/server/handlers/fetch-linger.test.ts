// kiln.replica.linger.*: a leader holds a follower's fetch that found a few records, to answer it
// with more, but never while an acks=all request or an offset commit waits for that follower.
// Two in-process brokers on a real ZooKeeper, lingering set far longer than any test waits, so a
// fetch that lingered when it should not shows as a request that times out.
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PartitionLog } from '../../../engine/index.js';
import { Connection } from '../../../server/client/connection.js';
import { FetchApi } from '../../../server/protocol/apis/fetch.js';
import { FindCoordinatorApi } from '../../../server/protocol/apis/find-coordinator.js';
import { MetadataApi } from '../../../server/protocol/apis/metadata.js';
import { OffsetCommitApi } from '../../../server/protocol/apis/offset-commit.js';
import { ErrorCode } from '../../../server/protocol/error-codes.js';
import { startBroker, type RunningBroker } from '../../helpers/broker-fixture.js';
import { waitForBrokers } from '../../helpers/cluster-ready.js';
import { decodeRecords } from '../../helpers/log-fixtures.js';
import { waitFor } from '../../helpers/wait-for.js';
import { startZooKeeper, type RunningZooKeeper } from '../../helpers/zookeeper.js';

let zookeeper: RunningZooKeeper;
let brokers = new Map<number, RunningBroker>();
let kafka: Kafka;
let cluster = 0;
const LINGER_BYTES = 64 * 1024;

beforeAll(async () => {
  zookeeper = await startZooKeeper();
});

afterAll(async () => {
  await zookeeper?.stop();
});

// Each test gets two fresh brokers: a follower adds a new partition to its fetch only once the
// fetch in flight comes back (up to replica.fetch.wait.max.ms, long here), so partitions of an
// earlier test would hold up the next one's.
beforeEach(async () => {
  brokers = new Map();
  cluster++;
  for (const id of [1, 2]) {
    const b = await startBroker({
      'zookeeper.connect': `${zookeeper.connect}/linger-${cluster}`,
      'broker.id': String(id),
      'offsets.topic.replication.factor': '2',
      'offsets.topic.num.partitions': '4',
      'replica.fetch.wait.max.ms': '20000',
      // A follower's read stops after 8 KiB (or the first batch): more than that is catching up.
      'replica.fetch.max.bytes': '8192',
      'kiln.replica.linger.ms': '60000',
      'kiln.replica.linger.bytes': String(LINGER_BYTES),
    });
    brokers.set(id, b);
  }
  await waitForBrokers([...brokers.values()].map((b) => b.broker.port));
  kafka = new Kafka({
    clientId: 'fetch-linger-test',
    brokers: [...brokers.values()].map((b) => b.bootstrap),
    logLevel: logLevel.NOTHING,
  });
}, 60_000);

afterEach(async () => {
  for (const b of brokers.values()) await b.stop().catch(() => {});
});

async function on<T>(id: number, use: (c: Connection) => Promise<T>): Promise<T> {
  const c = await Connection.open('127.0.0.1', brokers.get(id)!.broker.port, 'fetch-linger-test');
  try {
    return await use(c);
  } finally {
    c.close();
  }
}

function logOf(id: number, topic: string): PartitionLog | undefined {
  return brokers.get(id)?.broker.logManager?.getLog(topic, 0);
}

/** Creates a one-partition topic on both brokers and returns [leader id, follower id]. */
async function createTopic(topic: string, replicas?: [number, number]): Promise<[number, number]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        replicas
          ? { topic, replicaAssignment: [{ partition: 0, replicas }] }
          : { topic, numPartitions: 1, replicationFactor: 2 },
      ],
    });
    let leader = -1;
    await waitFor(
      async () => {
        const meta = await admin.fetchTopicMetadata({ topics: [topic] });
        const p = meta.topics[0]!.partitions[0]!;
        leader = p.leader;
        return p.isr.length === 2;
      },
      { timeoutMs: 15_000, intervalMs: 100 },
    );
    return [leader, leader === 1 ? 2 : 1];
  } finally {
    await admin.disconnect();
  }
}

/**
 * A fetch of `topic`-0 from `fetchOffset`, sent to `leader` as its follower `follower` sends them
 * (the test plays that follower beside the real one); resolves with the partition's answer.
 */
function followerFetch(leader: number, follower: number, topic: string, fetchOffset: number) {
  return on(leader, async (c) => {
    const meta = await c.request(MetadataApi, {
      topics: [{ name: topic, topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }],
      allowAutoTopicCreation: false,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    });
    const answer = await c.request(FetchApi, {
      clusterId: null,
      replicaId: follower,
      replicaState: { replicaId: follower, replicaEpoch: -1 },
      maxWaitMs: 60_000,
      minBytes: 1,
      maxBytes: 1 << 20,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [
        {
          topic,
          topicId: meta.topics[0]!.topicId,
          partitions: [
            {
              partition: 0,
              currentLeaderEpoch: -1,
              fetchOffset,
              lastFetchedEpoch: -1,
              logStartOffset: -1,
              partitionMaxBytes: 1 << 20,
            },
          ],
        },
      ],
      forgottenTopicsData: [],
      rackId: '',
    });
    return answer.responses[0]!.partitions[0]!;
  });
}

/** Starts `fetch` and shows it still unanswered half a second later (lingering, here). */
async function stillWaiting<T>(fetch: Promise<T>): Promise<{ answer: Promise<T> }> {
  let answered = false;
  void fetch.then(
    () => (answered = true),
    () => (answered = true),
  );
  await new Promise((r) => setTimeout(r, 500));
  expect(answered).toBe(false);
  return { answer: fetch };
}

describe('a leader lingering over a follower fetch', () => {
  it('holds back a small acks=1 write from the follower until enough bytes came', async () => {
    const [leader, follower] = await createTopic('linger-acks1');
    const producer = kafka.producer();
    await producer.connect();
    try {
      await producer.send({ topic: 'linger-acks1', acks: 1, messages: [{ value: 'small' }] });
      const leaderLog = logOf(leader, 'linger-acks1')!;
      const followerLog = logOf(follower, 'linger-acks1')!;
      expect(leaderLog.logEndOffset).toBe(1);
      // Lingering: a second later the follower still has nothing (answered at once, it would).
      await new Promise((r) => setTimeout(r, 1000));
      expect(followerLog.logEndOffset).toBe(0);
      // Past kiln.replica.linger.bytes the fetch is answered, with everything written meanwhile.
      const big = Array.from({ length: 80 }, (_, i) => ({ value: Buffer.alloc(1024, i) }));
      await producer.send({ topic: 'linger-acks1', acks: 1, messages: big });
      await waitFor(() => followerLog.logEndOffset === 81, { timeoutMs: 10_000, intervalMs: 20 });
    } finally {
      await producer.disconnect();
    }
  });

  it('answers at once a follower that is behind (a lingering follower read cut by max bytes never caught up; nor did one whose fetch filled while it lingered)', async () => {
    const [leader, follower] = await createTopic('linger-behind');
    const producer = kafka.producer();
    await producer.connect();
    try {
      // Ten batches of 6 KiB, each under kiln.replica.linger.bytes, the follower reading one per
      // fetch: lingering over each for kiln.replica.linger.ms, it would take minutes to copy them.
      // They come a moment apart, so the follower lingers at the log end when the next one comes:
      // the 60 KiB that piled up never reached linger.bytes, and that fetch was held for good
      // although its 8 KiB was full (it failed so on CI).
      for (let i = 0; i < 10; i++) {
        await new Promise((r) => setTimeout(r, 50));
        await producer.send({
          topic: 'linger-behind',
          acks: 1,
          messages: [{ value: Buffer.alloc(6 * 1024, i) }],
        });
      }
      expect(logOf(leader, 'linger-behind')!.logEndOffset).toBe(10);
      const followerLog = logOf(follower, 'linger-behind')!;
      // The last batch reaches the log's end: that one lingers, until a big write ends it.
      await waitFor(() => followerLog.logEndOffset >= 9, { timeoutMs: 10_000, intervalMs: 20 });
      await producer.send({
        topic: 'linger-behind',
        acks: 1,
        messages: Array.from({ length: 80 }, (_, i) => ({ value: Buffer.alloc(1024, i) })),
      });
      await waitFor(() => followerLog.logEndOffset === 90, { timeoutMs: 10_000, intervalMs: 20 });
    } finally {
      await producer.disconnect();
    }
  });

  it('answers at once when an acks=all request waits for the follower', async () => {
    const [, follower] = await createTopic('linger-acksall');
    const producer = kafka.producer();
    await producer.connect();
    try {
      // Were the follower's fetch held for kiln.replica.linger.ms, this would time out.
      for (let i = 0; i < 3; i++) {
        await producer.send({
          topic: 'linger-acksall',
          acks: -1,
          timeout: 10_000,
          messages: [{ value: `v${i}` }],
        });
      }
      expect(logOf(follower, 'linger-acksall')!.logEndOffset).toBe(3);
    } finally {
      await producer.disconnect();
    }
  }, 30_000);

  it('answers at once when an offset commit waits for the follower', async () => {
    // Each commit waits for the follower (offsets.commit.timeout.ms, 5 s) as acks=all does; had
    // the follower's fetch lingered, it would have been answered REQUEST_TIMED_OUT.
    let coordinator = -1;
    await waitFor(
      async () => {
        const answer = await on(1, (c) =>
          c.request(FindCoordinatorApi, {
            key: 'linger-group',
            keyType: 0,
            coordinatorKeys: ['linger-group'],
          }),
        );
        const found = answer.coordinators[0] ?? answer;
        coordinator = found.errorCode === ErrorCode.NONE ? found.nodeId : -1;
        return brokers.has(coordinator);
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    // The topic is led by the other broker: the coordinator's follower adds nothing to its fetch
    // from the coordinator (a partition added to a fetch in flight waits for it to come back).
    const other = coordinator === 1 ? 2 : 1;
    await createTopic('linger-commits', [other, coordinator]);
    for (let offset = 1; offset <= 3; offset++) {
      const body = {
        groupId: 'linger-group',
        generationIdOrMemberEpoch: -1,
        memberId: '',
        groupInstanceId: null,
        retentionTimeMs: -1,
        topics: [
          {
            name: 'linger-commits',
            partitions: [
              { partitionIndex: 0, committedOffset: offset, committedLeaderEpoch: -1, committedMetadata: '' },
            ],
          },
        ],
      };
      const answer = await on(coordinator, (c) => c.request(OffsetCommitApi, body));
      expect(answer.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NONE);
    }
  }, 30_000);
  it('a fetch already lingering over acks=1 data when an acks=all request came was answered without that request’s records', async () => {
    const [leader, follower] = await createTopic('linger-then-acksall');
    const producer = kafka.producer();
    await producer.connect();
    try {
      await producer.send({ topic: 'linger-then-acksall', acks: 1, messages: [{ value: 'small' }] });
      const { answer } = await stillWaiting(followerFetch(leader, follower, 'linger-then-acksall', 0));
      // Waiting for replication wakes the lingering fetch: it reads again, and takes this along.
      await producer.send({
        topic: 'linger-then-acksall',
        acks: -1,
        timeout: 10_000,
        messages: [{ value: 'acks-all' }],
      });
      const fetched = await answer;
      expect(fetched.errorCode).toBe(ErrorCode.NONE);
      expect(decodeRecords(fetched.records!).map((r) => r.offset)).toEqual([0, 1]);
    } finally {
      await producer.disconnect();
    }
  }, 30_000);

  it('a fetch lingering on a partition whose topic was deleted waited out its window', async () => {
    const [leader, follower] = await createTopic('linger-deleted');
    const producer = kafka.producer();
    await producer.connect();
    try {
      await producer.send({ topic: 'linger-deleted', acks: 1, messages: [{ value: 'small' }] });
    } finally {
      await producer.disconnect();
    }
    const { answer } = await stillWaiting(followerFetch(leader, follower, 'linger-deleted', 0));
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.deleteTopics({ topics: ['linger-deleted'], timeout: 10_000 });
    } finally {
      await admin.disconnect();
    }
    // Answered now, with the error of a partition the leader no longer serves (not after 60 s).
    expect((await answer).errorCode).not.toBe(ErrorCode.NONE);
  }, 30_000);
});
