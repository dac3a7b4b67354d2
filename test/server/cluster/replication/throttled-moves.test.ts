// Replication throttles end to end, in a cluster of four in-process brokers on a real ZooKeeper:
// partition moves (AlterPartitionReassignments) throttled as kafka-reassign-partitions --throttle
// sets them up — the topic's leader list names the current replicas, its follower list the adding
// one, and the brokers get a rate — take at least what their rate allows; without a throttle the
// same move completes; and followers in the ISR are never held back, whatever the rate.
//
// Brokers 3 and 4 measure their rates over one 1 s sample (replication.quota.window.num=1), so
// that a bound on a move's duration follows simply from the rate (see lowerBoundMs). Brokers 1
// and 2 keep one 30 s sample: once their quotas are exceeded they stay so for the whole test,
// and an in-sync follower held back would make an acks=all produce time out.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBatch } from '../../../../engine/index.js';
import { Connection } from '../../../../server/client/connection.js';
import { AlterConfigsApi } from '../../../../server/protocol/apis/alter-configs.js';
import { AlterPartitionReassignmentsApi } from '../../../../server/protocol/apis/alter-partition-reassignments.js';
import { CreateTopicsApi } from '../../../../server/protocol/apis/create-topics.js';
import { ListPartitionReassignmentsApi } from '../../../../server/protocol/apis/list-partition-reassignments.js';
import { MetadataApi } from '../../../../server/protocol/apis/metadata.js';
import { ProduceApi } from '../../../../server/protocol/apis/produce.js';
import { ErrorCode } from '../../../../server/protocol/error-codes.js';
import { startBroker, type RunningBroker } from '../../../helpers/broker-fixture.js';
import { waitForBrokers } from '../../../helpers/cluster-ready.js';
import { waitFor } from '../../../helpers/wait-for.js';
import { startZooKeeper, type RunningZooKeeper } from '../../../helpers/zookeeper.js';

const TOPIC = 2;
const BROKER = 4;
/** replica.fetch.max.bytes: the most one follower fetch brings of a partition (batches are smaller). */
const FETCH_MAX = 65_536;
/** Records of 1000 bytes, 32 to a batch: about 4 MB in all. */
const BATCHES = 128;
const RATE = 300_000;
/** Brokers 3 and 4: one sample of this long. */
const WINDOW_MS = 1000;

let zookeeper: RunningZooKeeper;
const brokers = new Map<number, RunningBroker>();

beforeAll(async () => {
  zookeeper = await startZooKeeper();
  for (const id of [1, 2, 3, 4]) {
    const b = await startBroker({
      'zookeeper.connect': `${zookeeper.connect}/throttles`,
      'broker.id': String(id),
      'zookeeper.session.timeout.ms': '6000',
      'replica.fetch.wait.max.ms': '200',
      'replica.fetch.backoff.ms': '100',
      'replica.fetch.max.bytes': String(FETCH_MAX),
      'offsets.topic.replication.factor': '1',
      'replication.quota.window.num': '1',
      'replication.quota.window.size.seconds': id <= 2 ? '30' : String(WINDOW_MS / 1000),
    });
    brokers.set(id, b);
  }
  await waitForBrokers([...brokers.values()].map((b) => b.broker.port));
}, 60_000);

afterAll(async () => {
  for (const b of brokers.values()) await b.stop().catch(() => {});
  await zookeeper?.stop();
});

async function withBroker<T>(id: number, work: (c: Connection) => Promise<T>): Promise<T> {
  const c = await Connection.open('127.0.0.1', brokers.get(id)!.broker.port, 'throttle-test');
  try {
    return await work(c);
  } finally {
    c.close();
  }
}

const controller = (): number => [...brokers.entries()].find(([, b]) => b.broker.cluster?.isController)![0];

async function partition0(topic: string): Promise<{ leader: number; replicas: number[]; isr: number[] }> {
  const answer = await withBroker(1, (c) =>
    c.request(MetadataApi, {
      topics: [{ name: topic, topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }],
      allowAutoTopicCreation: false,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    }),
  );
  const p = answer.topics[0]?.partitions.find((x) => x.partitionIndex === 0);
  return { leader: p?.leaderId ?? -1, replicas: p?.replicaNodes ?? [], isr: [...(p?.isrNodes ?? [])].sort() };
}

async function createTopic(name: string, replicas: number[]): Promise<void> {
  const answer = await withBroker(1, (c) =>
    c.request(CreateTopicsApi, {
      topics: [
        {
          name,
          numPartitions: -1,
          replicationFactor: -1,
          assignments: [{ partitionIndex: 0, brokerIds: replicas }],
          configs: [],
        },
      ],
      timeoutMs: 10_000,
      validateOnly: false,
    }),
  );
  expect(answer.topics[0]!.errorCode).toBe(ErrorCode.NONE);
  await waitFor(async () => (await partition0(name)).isr.length === replicas.length, {
    timeoutMs: 20_000,
    what: `${name} online and in sync`,
  });
}

/** Produces `batches` batches of 32 records of 1000 bytes to partition 0 (acks=all), each answered NONE. */
async function produce(topic: string, batches: number, timeoutMs = 10_000): Promise<void> {
  const { leader } = await partition0(topic);
  await withBroker(leader, async (c) => {
    for (let i = 0; i < batches; i++) {
      const records = Array.from({ length: 32 }, (_, j) => ({ value: Buffer.alloc(1000, (i + j) % 256) }));
      const answer = await c.request(ProduceApi, {
        transactionalId: null,
        acks: -1,
        timeoutMs,
        topicData: [{ name: topic, partitionData: [{ index: 0, records: buildBatch({ records }) }] }],
      });
      expect(answer.responses[0]!.partitionResponses[0]!.errorCode, `batch ${i}`).toBe(ErrorCode.NONE);
    }
  });
}

async function alterConfigs(resourceType: number, name: string, configs: Record<string, string>) {
  const answer = await withBroker(1, (c) =>
    c.request(AlterConfigsApi, {
      resources: [
        {
          resourceType,
          resourceName: name,
          configs: Object.entries(configs).map(([n, value]) => ({ name: n, value })),
        },
      ],
      validateOnly: false,
    }),
  );
  expect(answer.responses[0]!.errorCode, answer.responses[0]!.errorMessage ?? '').toBe(ErrorCode.NONE);
}

/** Moves partition 0 of `topic` to `replicas`; resolves with how long until the move was done. */
async function move(topic: string, replicas: number[]): Promise<number> {
  const started = Date.now();
  const answer = await withBroker(controller(), (c) =>
    c.request(AlterPartitionReassignmentsApi, {
      timeoutMs: 10_000,
      topics: [{ name: topic, partitions: [{ partitionIndex: 0, replicas }] }],
    }),
  );
  expect(answer.responses[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NONE);
  await waitFor(
    async () => {
      const listed = await withBroker(controller(), (c) =>
        c.request(ListPartitionReassignmentsApi, { timeoutMs: 10_000, topics: null }),
      );
      return !listed.topics.some((t) => t.name === topic);
    },
    { timeoutMs: 120_000, intervalMs: 50, what: `the move of ${topic}` },
  );
  const took = Date.now() - started;
  await waitFor(async () => (await partition0(topic)).replicas.join() === replicas.join(), {
    what: `${topic} on ${replicas.join()}`,
  });
  return took;
}

const logOf = (id: number, topic: string) => brokers.get(id)!.broker.logManager!.getLog(topic, 0);

/**
 * The least time copying `bytes` can take at `rate`: over one sample of `windowMs`, a quota lets
 * through at most rate × window (measured) plus one fetch after the last check (FETCH_MAX), and a
 * new sample starts no sooner than a window after the last; so by time T at most (T / window + 1)
 * samples' worth has passed. Halved: generous slack, and a bound only from below.
 */
function lowerBoundMs(bytes: number, rate: number, windowMs: number): number {
  const perSample = (rate * windowMs) / 1000 + FETCH_MAX;
  return 0.5 * (bytes / perSample - 1) * windowMs;
}

describe('throttled partition moves', () => {
  it('a move throttled on the adding follower (follower.replication.throttled.rate) takes what the rate allows', async () => {
    await createTopic('follower-throttled', [3]);
    await produce('follower-throttled', BATCHES);
    const bytes = logOf(3, 'follower-throttled')!.size;
    expect(bytes).toBeGreaterThan(4_000_000);
    await alterConfigs(TOPIC, 'follower-throttled', {
      'leader.replication.throttled.replicas': '0:3',
      'follower.replication.throttled.replicas': '0:4',
    });
    await alterConfigs(BROKER, '4', { 'follower.replication.throttled.rate': String(RATE) });
    await waitFor(() => brokers.get(4)!.broker.replicaManager!.quotas.follower.meter.bound === RATE, {
      what: "broker 4's follower rate",
    });
    const took = await move('follower-throttled', [4]);
    expect(logOf(4, 'follower-throttled')?.logEndOffset).toBe(BATCHES * 32);
    expect(took).toBeGreaterThanOrEqual(lowerBoundMs(bytes, RATE, WINDOW_MS));
    // The rate is lifted as Kafka's tool does when the move is verified done.
    await alterConfigs(BROKER, '4', {});
    await waitFor(() => !brokers.get(4)!.broker.replicaManager!.quotas.follower.meter.limited, {
      what: "broker 4's follower rate lifted",
    });
  });

  it('the same move without a throttle completes', async () => {
    await createTopic('unthrottled', [3]);
    await produce('unthrottled', BATCHES);
    await move('unthrottled', [4]);
    expect(logOf(4, 'unthrottled')?.logEndOffset).toBe(BATCHES * 32);
  });

  // Needs the leader side in the Fetch handler (server/handlers/fetch.ts calling
  // shouldLeaderThrottle and recordLeaderSent of replication/leader-throttle.ts).
  it('a move throttled on the leader (leader.replication.throttled.rate) takes what the rate allows', async () => {
    await createTopic('leader-throttled', [3]);
    await produce('leader-throttled', BATCHES);
    const bytes = logOf(3, 'leader-throttled')!.size;
    await alterConfigs(TOPIC, 'leader-throttled', {
      'leader.replication.throttled.replicas': '0:3',
      'follower.replication.throttled.replicas': '0:4',
    });
    await alterConfigs(BROKER, '3', { 'leader.replication.throttled.rate': String(RATE) });
    const leaderQuota = brokers.get(3)!.broker.replicaManager!.quotas.leader;
    await waitFor(() => leaderQuota.meter.bound === RATE, { what: "broker 3's leader rate" });
    await waitFor(() => logOf(3, 'leader-throttled')!.config.leaderReplicationThrottledReplicas === '0:3', {
      what: 'the leader list on broker 3',
    });
    const took = await move('leader-throttled', [4]);
    expect(logOf(4, 'leader-throttled')?.logEndOffset).toBe(BATCHES * 32);
    expect(took).toBeGreaterThanOrEqual(lowerBoundMs(bytes, RATE, WINDOW_MS));
    await alterConfigs(BROKER, '3', {});
  });
});

describe('followers in the ISR', () => {
  it('are never held back: acks=all keeps working on a throttled partition under a rate of 1 byte/s', async () => {
    await createTopic('in-sync', [1, 2]);
    await alterConfigs(TOPIC, 'in-sync', {
      'leader.replication.throttled.replicas': '*',
      'follower.replication.throttled.replicas': '*',
    });
    await alterConfigs(BROKER, '1', { 'leader.replication.throttled.rate': '1' });
    await alterConfigs(BROKER, '2', { 'follower.replication.throttled.rate': '1' });
    for (const id of [1, 2]) {
      await waitFor(() => logOf(id, 'in-sync')!.config.followerReplicationThrottledReplicas === '*', {
        what: `the lists on broker ${id}`,
      });
    }
    const follower = brokers.get(2)!.broker.replicaManager!.quotas.follower;
    await waitFor(() => follower.meter.bound === 1, { what: "broker 2's follower rate" });
    await waitFor(() => brokers.get(1)!.broker.replicaManager!.quotas.leader.meter.bound === 1, {
      what: "broker 1's leader rate",
    });
    // Each produce waits for broker 2 (acks=all, both in the ISR). Once the first has been copied
    // the follower quota is exceeded for the rest of the test (one 30 s sample): a follower held
    // back now would leave the next produce waiting past its 5 s timeout.
    await produce('in-sync', 20, 5000);
    expect(follower.exceeded()).toBe(true);
    await produce('in-sync', 20, 5000);
    expect(logOf(2, 'in-sync')!.logEndOffset).toBe(40 * 32);
    expect((await partition0('in-sync')).isr).toEqual([1, 2]);
  });
});
