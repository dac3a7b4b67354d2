import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Codec, buildBatch } from '../../engine/index.js';
import { AppendWaiters } from '../../server/cluster/append-waiters.js';
import { TopicStore } from '../../server/cluster/topic-store.js';
import { ErrorCode } from '../../server/protocol/error-codes.js';
import { startBroker, type RunningBroker } from '../helpers/broker-fixture.js';
import { ProtocolClient } from '../helpers/protocol-client.js';
import { waitFor } from '../helpers/wait-for.js';

/**
 * Watches the broker's long-poll waiters (every broker's: they share the class). `parked(test)`
 * resolves once a Fetch has started waiting on keys that pass `test`: from then on only an
 * append, a deleted topic, a stop or its max wait can answer it.
 */
function watchLongPolls() {
  const wait = vi.spyOn(AppendWaiters.prototype, 'wait');
  return {
    parked: (test: (keys: readonly string[]) => boolean, what: string) =>
      waitFor(() => wait.mock.calls.some(([keys]) => test(keys)), { what: `a Fetch parked ${what}` }),
    restore: () => wait.mockRestore(),
  };
}

/** One test per bug found in the broker review, each named for what broke. */
describe('broker regressions', () => {
  let kiln: RunningBroker;
  let client: ProtocolClient;
  const createTopic = async (
    name: string,
    partitions = 1,
    configs: { name: string; value: string }[] = [],
  ) => {
    const response = await client.request(19, 4, {
      topics: [{ name, numPartitions: partitions, replicationFactor: 1, assignments: [], configs }],
      timeoutMs: 5000,
      validateOnly: false,
    });
    return (response.topics as { errorCode: number }[])[0]!.errorCode;
  };
  const deleteTopic = async (name: string) =>
    (
      (await client.request(20, 1, { topicNames: [name], timeoutMs: 5000 })).responses as {
        errorCode: number;
      }[]
    )[0]!.errorCode;
  const produce = (topic: string, parts: { index: number; records: Buffer }[]) =>
    client.request(0, 7, {
      transactionalId: null,
      acks: 1,
      timeoutMs: 5000,
      topicData: [{ name: topic, partitionData: parts }],
    });
  const baseOffsets = (response: Record<string, unknown>) =>
    (
      response.responses as { partitionResponses: { index: number; baseOffset: number }[] }[]
    )[0]!.partitionResponses.map((p) => [p.index, p.baseOffset]);

  beforeAll(async () => {
    kiln = await startBroker();
    client = await ProtocolClient.connect(kiln.bootstrap);
  });
  afterAll(async () => {
    client.close();
    await kiln.stop();
  });

  it('produce requests on one connection are appended in arrival order, even when the first waits for recompression', async () => {
    expect(await createTopic('ordered', 2, [{ name: 'compression.type', value: 'gzip' }])).toBe(
      ErrorCode.NONE,
    );
    const big = buildBatch({
      records: Array.from({ length: 200 }, (_, i) => ({ key: `big${i}`, value: 'x'.repeat(2000) })),
      codec: Codec.Lz4,
    });
    const small = buildBatch({ records: [{ key: 'small', value: 'y' }] });
    // Sent back to back without waiting: A = {p0, p1} (p1 big, recompressed in the pool), B = {p1}.
    const first = produce('ordered', [
      { index: 0, records: buildBatch({ records: [{ value: 'a0' }] }) },
      { index: 1, records: big },
    ]);
    const second = produce('ordered', [{ index: 1, records: small }]);
    expect(baseOffsets(await first)).toEqual([
      [0, 0],
      [1, 0],
    ]);
    expect(baseOffsets(await second)).toEqual([[1, 200]]);
  });

  it('deleting a topic deletes the committed offsets groups had for it', async () => {
    expect(await createTopic('short-lived')).toBe(ErrorCode.NONE);
    const commit = await client.request(8, 7, {
      groupId: 'g-deleted',
      generationIdOrMemberEpoch: -1,
      memberId: '',
      groupInstanceId: null,
      topics: [
        {
          name: 'short-lived',
          partitions: [
            { partitionIndex: 0, committedOffset: 42, committedLeaderEpoch: -1, committedMetadata: '' },
          ],
        },
      ],
    });
    expect(JSON.stringify(commit.topics)).toContain('"errorCode":0');
    const fetchCommitted = async () => {
      const response = await client.request(9, 6, {
        groupId: 'g-deleted',
        topics: [{ name: 'short-lived', partitionIndexes: [0] }],
        requireStable: false,
      });
      return (response.topics as { partitions: { committedOffset: number }[] }[])[0]!.partitions[0]!
        .committedOffset;
    };
    expect(await fetchCommitted()).toBe(42);
    expect(await deleteTopic('short-lived')).toBe(ErrorCode.NONE);
    expect(await createTopic('short-lived')).toBe(ErrorCode.NONE);
    expect(await fetchCommitted()).toBe(-1);
  });

  it('__consumer_offsets cannot be deleted', async () => {
    await client.request(10, 2, { key: 'any-group', keyType: 0 }); // FindCoordinator makes the topic exist
    expect(kiln.broker.logManager!.getLog('__consumer_offsets', 0)).toBeDefined();
    expect(await deleteTopic('__consumer_offsets')).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
  });

  it('a topic deleted while a long-poll fetch waits on it answers the fetch at once', async () => {
    expect(await createTopic('vanishing')).toBe(ErrorCode.NONE);
    const poller = await ProtocolClient.connect(kiln.bootstrap);
    const longPolls = watchLongPolls();
    const started = Date.now();
    const fetch = poller.request(1, 11, {
      replicaId: -1,
      maxWaitMs: 8000,
      minBytes: 1,
      maxBytes: 1 << 20,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [
        { topic: 'vanishing', partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20 }] },
      ],
      forgottenTopicsData: [],
      rackId: '',
    });
    // Deleted only once the fetch waits: deleted before, it would fail at once without waiting.
    try {
      await longPolls.parked((keys) => keys.includes('vanishing-0'), "on 'vanishing-0'");
    } finally {
      longPolls.restore();
    }
    expect(await deleteTopic('vanishing')).toBe(ErrorCode.NONE);
    const response = await fetch;
    expect(Date.now() - started).toBeLessThan(4000); // well before its 8 s max wait
    expect(JSON.stringify(response.responses)).toContain(
      `"errorCode":${ErrorCode.UNKNOWN_TOPIC_OR_PARTITION}`,
    );
    poller.close();
  });

  it('a crash during topic deletion never leaves the old records for a new topic of the same name', async () => {
    expect(await createTopic('reborn')).toBe(ErrorCode.NONE);
    await produce('reborn', [{ index: 0, records: buildBatch({ records: [{ value: 'old' }] }) }]);
    // The process "dies" right after the data went and before the topic list was saved.
    const save = vi.spyOn(TopicStore.prototype, 'delete').mockImplementationOnce(() => {
      throw new Error('crash');
    });
    try {
      const other = await ProtocolClient.connect(kiln.bootstrap);
      void other.request(20, 1, { topicNames: ['reborn'], timeoutMs: 5000 }).catch(() => undefined);
      await other.closed; // the failed request closes its connection
    } finally {
      save.mockRestore();
    }
    expect(kiln.broker.logManager!.getLog('reborn', 0)).toBeUndefined();
  });

  it('timed-out long polls leave nothing behind in the waiters', async () => {
    const waiters = new AppendWaiters();
    await Promise.all(Array.from({ length: 100 }, (_, i) => waiters.wait([`t-${i}`], 1)));
    expect(waiters.keyCount).toBe(0);
  });
  it('stop wakes a long-poll fetch with no partitions (SIGTERM waited out its max wait)', async () => {
    const waiters = new AppendWaiters();
    let woken = false;
    const waiting = waiters.wait([], 600_000).then(() => (woken = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(woken).toBe(false);
    waiters.wakeAll();
    await waiting;
    expect(woken).toBe(true);
  });

  it('a broker stops while a Fetch with no partitions long-polls', { timeout: 30_000 }, async () => {
    const other = await startBroker();
    const poller = await ProtocolClient.connect(other.bootstrap);
    const longPolls = watchLongPolls();
    const fetch = poller
      .request(1, 11, {
        replicaId: -1,
        maxWaitMs: 600_000,
        minBytes: 1,
        maxBytes: 1 << 20,
        isolationLevel: 0,
        sessionId: 0,
        sessionEpoch: -1,
        topics: [],
        forgottenTopicsData: [],
        rackId: '',
      })
      .catch(() => undefined);
    // Stopped only once the fetch waits (on no key at all): stopped before, the fetch would
    // never start waiting and the test would prove nothing.
    try {
      await longPolls.parked((keys) => keys.length === 0, 'on no partitions');
    } finally {
      longPolls.restore();
    }
    await other.stop();
    poller.close();
    await fetch;
  });
});
