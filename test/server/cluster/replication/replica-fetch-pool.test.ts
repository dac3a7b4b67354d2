// Round trips to leaders go through one long session per fetcher in the replica fetch pool (a
// piscina task each cost more than the round trip); a session that fails is opened again.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { destroyWorkerPools, poolThreads } from '../../../../engine/index.js';
import { Kafka, logLevel } from 'kafkajs';
import type {
  EpochsAnswer,
  FetchAnswer,
  FetchBody as FetchTaskBody,
} from '../../../../server/cluster/replication/fetch-worker.js';
import { Connection } from '../../../../server/client/connection.js';
import { FetchApi } from '../../../../server/protocol/apis/fetch.js';
import { MetadataApi } from '../../../../server/protocol/apis/metadata.js';
import { runFetchTask } from '../../../../server/cluster/replication/replica-fetch-pool.js';
import { startBroker, type RunningBroker } from '../../../helpers/broker-fixture.js';

let leader: RunningBroker;
let port: number;

beforeAll(async () => {
  leader = await startBroker({ 'num.partitions': '1' });
  port = leader.broker.port;
});

afterAll(async () => {
  await leader?.stop();
  await destroyWorkerPools();
});

const epochs = (clientId: string, topic: string) =>
  runFetchTask({
    kind: 'epochs',
    host: '127.0.0.1',
    port,
    clientId,
    deadlineMs: 10_000,
    body: {
      replicaId: 1,
      topics: [{ topic, partitions: [{ partition: 0, currentLeaderEpoch: -1, leaderEpoch: 0 }] }],
    },
  }) as Promise<EpochsAnswer>;

/** A "leader" that accepts connections and never answers; `ask` sends it an OffsetForLeaderEpoch. */
async function silentLeader(): Promise<{
  ask: (clientId: string, deadlineMs: number) => ReturnType<typeof runFetchTask>;
  close: () => void;
}> {
  const silent = net.createServer(() => {});
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const port = (silent.address() as net.AddressInfo).port;
  return {
    ask: (clientId, deadlineMs) =>
      runFetchTask({
        kind: 'epochs',
        host: '127.0.0.1',
        port,
        clientId,
        deadlineMs,
        body: { replicaId: 1, topics: [] },
      }),
    close: () => silent.close(),
  };
}

function fetchBody(topicId: string, topic = 'returned') {
  return {
    clusterId: null,
    replicaId: 1,
    replicaState: { replicaId: 1, replicaEpoch: -1 },
    maxWaitMs: 0,
    minBytes: 1,
    maxBytes: 1 << 20,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [
      {
        topic,
        topicId,
        partitions: [
          {
            partition: 0,
            currentLeaderEpoch: -1,
            fetchOffset: 0,
            lastFetchedEpoch: -1,
            logStartOffset: -1,
            partitionMaxBytes: 1 << 20,
          },
        ],
      },
    ],
    forgottenTopicsData: [],
    rackId: '',
  } satisfies FetchTaskBody;
}

/** Writes 40 records of 4 KiB to `topic` (made on the way) and returns its topic id. */
async function producedTo(topic: string): Promise<string> {
  const kafka = new Kafka({ brokers: [leader.bootstrap], logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({
    topic,
    messages: Array.from({ length: 40 }, (_, i) => ({ value: Buffer.alloc(4096, i) })),
  });
  await producer.disconnect();
  const c = await Connection.open('127.0.0.1', port, 'pool-test');
  try {
    const meta = await c.request(MetadataApi, {
      topics: [{ name: topic, topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }],
      allowAutoTopicCreation: false,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    });
    return meta.topics[0]!.topicId;
  } finally {
    c.close();
  }
}

describe('the replica fetch pool', () => {
  it('answers many round trips, several at once, on one session', async () => {
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => epochs('kiln-replica-fetcher-9', 'nope')),
    );
    for (const a of answers) expect(a.topics[0]!.partitions[0]!.errorCode).toBe(3); // UNKNOWN_TOPIC_OR_PARTITION
  });

  it('serves more leaders than the pool has task places (a session per leader beyond them never started, and its partitions stopped replicating)', async () => {
    const leaders = 16 * poolThreads() + 8;
    const answers = await Promise.all(
      Array.from({ length: leaders }, (_, i) => epochs(`kiln-replica-fetcher-${100 + i}`, 'nope')),
    );
    expect(answers).toHaveLength(leaders);
    for (const a of answers) expect(a.topics[0]!.partitions[0]!.errorCode).toBe(3);
  });

  it('reports a leader that does not answer within the deadline, and goes on serving', async () => {
    const silent = await silentLeader();
    try {
      const late = silent.ask('kiln-replica-fetcher-9', 200);
      await expect(late).rejects.toThrow(/did not answer within 200 ms/);
      expect((await epochs('kiln-replica-fetcher-9', 'nope')).topics).toHaveLength(1);
    } finally {
      silent.close();
    }
  });

  it('a session whose pool was destroyed (another broker of this process stopped) fails its round trip, and the next one opens a new session', async () => {
    await epochs('kiln-replica-fetcher-8', 'nope');
    const silent = await silentLeader();
    try {
      const inFlight = silent.ask('kiln-replica-fetcher-8', 60_000);
      const failed = expect(inFlight).rejects.toThrow();
      await new Promise((resolve) => setTimeout(resolve, 100));
      await destroyWorkerPools();
      await failed;
    } finally {
      silent.close();
    }
    expect((await epochs('kiln-replica-fetcher-8', 'nope')).topics).toHaveLength(1);
  });

  it("sends an answer's memory back to the worker with the next fetch, transferred rather than copied", async () => {
    const topicId = await producedTo('returned');
    const fetch = (returned?: ArrayBuffer) =>
      runFetchTask({
        kind: 'fetch',
        host: '127.0.0.1',
        port,
        clientId: 'returned-test',
        deadlineMs: 10_000,
        returned,
        body: fetchBody(topicId),
      }) as Promise<FetchAnswer>;
    // A connection takes memory given back for its next large answer (the worker does so with it).
    const direct = await Connection.open('127.0.0.1', port, 'pool-test');
    try {
      const body = fetchBody(topicId);
      const frame = await direct.requestRaw(FetchApi, body);
      expect(direct.ownsFrame(frame)).toBe(true);
      const given = frame.buffer as ArrayBuffer;
      direct.giveBack(given);
      expect((await direct.requestRaw(FetchApi, body)).buffer).toBe(given);
    } finally {
      direct.close();
    }
    const first = await fetch();
    const memory = first.store!;
    expect(first.partitions[0]!.length).toBeGreaterThan(100_000);
    const second = await fetch(memory);
    // Transferred: this thread no longer holds it (a clone would have left it whole).
    expect(memory.byteLength).toBe(0);
    expect(second.partitions[0]!.length).toBe(first.partitions[0]!.length);
  });
  it('the worker reads the next answer into the memory given back (a mark past the first answer is still there in the second)', async () => {
    const topicId = await producedTo('reused');
    const fetch = (returned?: ArrayBuffer) =>
      runFetchTask({
        kind: 'fetch',
        host: '127.0.0.1',
        port,
        clientId: 'reuse-test',
        deadlineMs: 10_000,
        returned,
        body: fetchBody(topicId, 'reused'),
      }) as Promise<FetchAnswer>;
    const first = await fetch();
    const memory = first.store!;
    const records = first.partitions[0]!;
    const answerEnd = records.start + records.length;
    // The answer was read into pooled memory larger than it (a power of two): mark what lies past it.
    expect(memory.byteLength - answerEnd).toBeGreaterThan(4096);
    const mark = Buffer.from(`kiln: memory given back ${Date.now()} `.repeat(4));
    mark.copy(Buffer.from(memory), memory.byteLength - mark.length);
    const capacity = memory.byteLength;
    const second = await fetch(memory);
    // Same answer, read into the same memory: the bytes past it are the mark this thread wrote.
    expect(second.partitions[0]!.length).toBe(records.length);
    const reused = Buffer.from(second.store!);
    expect(reused.length).toBe(capacity);
    expect(reused.subarray(capacity - mark.length).equals(mark)).toBe(true);
  });
});
