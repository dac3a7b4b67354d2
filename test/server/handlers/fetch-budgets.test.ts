// Fetch's byte budgets, as Kafka applies them (ReplicaManager.readFromLocalLog, fetch v3+ / KIP-74):
// partitions are read in request order, each with min(its partitionMaxBytes, what is left of the
// request's maxBytes); the first partition that returns data returns at least one whole batch
// however large, and from then on the limits are hard — a partition whose next batch does not
// fit what is left gets no records (and no error). minBytes/maxWaitMs: the long poll.
//
// One difference from Kafka, by design: Kafka returns a byte range of the log, so a partition may
// end in a partial batch that the consumer drops; Kiln returns whole batches only (the engine's
// read stops before a batch that does not fit). Clients see the same records either way.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildBatch } from '../../../engine/index.js';
import { AppendWaiters } from '../../../server/cluster/append-waiters.js';
import type { Message } from '../../../server/protocol/codec.js';
import { ErrorCode } from '../../../server/protocol/error-codes.js';
import { startBroker, type RunningBroker } from '../../helpers/broker-fixture.js';
import { ProtocolClient } from '../../helpers/protocol-client.js';
import { waitFor } from '../../helpers/wait-for.js';

/** A batch of one record whose value is `valueBytes` long. */
const batchOf = (valueBytes: number): Buffer => buildBatch({ records: [{ value: 'x'.repeat(valueBytes) }] });
/** The size of a batch of batchOf(1000): the unit the budgets below are counted in. */
const B = batchOf(1000).length;
const BIG = batchOf(8000).length;

interface Ask {
  partition: number;
  fetchOffset?: number;
  partitionMaxBytes?: number;
}

interface Fetched {
  partition: number;
  errorCode: number;
  highWatermark: number;
  /** Base offsets of the batches returned. */
  batches: number[];
  bytes: number;
}

/** Splits records into batches, failing the test on a partial one. */
function baseOffsets(records: Buffer): number[] {
  const offsets: number[] = [];
  let pos = 0;
  while (pos < records.length) {
    expect(records.length - pos, 'a batch header cut off').toBeGreaterThanOrEqual(12);
    const size = records.readInt32BE(pos + 8) + 12;
    expect(pos + size, 'a batch cut mid-way').toBeLessThanOrEqual(records.length);
    offsets.push(Number(records.readBigInt64BE(pos)));
    pos += size;
  }
  return offsets;
}

describe('Fetch byte budgets', () => {
  let kiln: RunningBroker;
  let client: ProtocolClient;

  beforeAll(async () => {
    kiln = await startBroker();
    client = await ProtocolClient.connect(kiln.bootstrap);
  });
  afterAll(async () => {
    client.close();
    await kiln.stop();
  });

  /** Creates a topic whose partition p holds the batches of value sizes partitions[p], appended directly. */
  const topicWith = async (name: string, partitions: number[][]): Promise<void> => {
    const created = await client.request(19, 4, {
      topics: [
        { name, numPartitions: partitions.length, replicationFactor: 1, assignments: [], configs: [] },
      ],
      timeoutMs: 5000,
      validateOnly: false,
    });
    expect((created.topics as { errorCode: number }[])[0]!.errorCode).toBe(ErrorCode.NONE);
    partitions.forEach((sizes, p) => {
      const log = kiln.broker.logManager!.getLog(name, p)!;
      for (const size of sizes) log.append(batchOf(size));
    });
  };

  const fetch = async (
    topics: { topic: string; asks: Ask[] }[],
    { maxBytes = 1 << 20, minBytes = 0, maxWaitMs = 0, version = 11 } = {},
  ): Promise<Fetched[]> => {
    const response = await client.request(1, version, {
      replicaId: -1,
      maxWaitMs,
      minBytes,
      maxBytes,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: topics.map(({ topic, asks }) => ({
        topic,
        partitions: asks.map(({ partition, fetchOffset = 0, partitionMaxBytes = 1 << 20 }) => ({
          partition,
          fetchOffset,
          partitionMaxBytes,
        })),
      })),
      forgottenTopicsData: [],
      rackId: '',
    });
    return (response.responses as { partitions: Message[] }[]).flatMap((t) =>
      t.partitions.map((p) => {
        const records = (p.records as Buffer | null) ?? Buffer.alloc(0);
        return {
          partition: p.partitionIndex as number,
          errorCode: p.errorCode as number,
          highWatermark: Number(p.highWatermark),
          batches: baseOffsets(records),
          bytes: records.length,
        };
      }),
    );
  };
  const all = (topic: string, partitions: number, ask: Omit<Ask, 'partition'> = {}) => [
    { topic, asks: Array.from({ length: partitions }, (_, partition) => ({ partition, ...ask })) },
  ];
  const batchesOf = (fetched: Fetched[]) => fetched.map((f) => f.batches);

  it('the test batches are the sizes the budgets are counted in', () => {
    expect(B).toBeGreaterThan(1000);
    expect(BIG).toBeGreaterThan(4 * B);
  });

  it.each([4, 11, 12])(
    'maxBytes across partitions: they fill in request order until it is spent, the rest get nothing (v%i)',
    async (version) => {
      const topic = `spread-v${version}`;
      await topicWith(topic, [
        [1000, 1000, 1000],
        [1000, 1000, 1000],
        [1000, 1000, 1000],
        [1000, 1000, 1000],
      ]);
      // 4.5 batches: p0 takes 3, p1 the 1 whole batch of the 1.5 left, p2 and p3 nothing.
      const fetched = await fetch(all(topic, 4), { maxBytes: 4 * B + B / 2, version });
      expect(batchesOf(fetched)).toEqual([[0, 1, 2], [0], [], []]);
      expect(fetched.map((f) => f.errorCode)).toEqual([0, 0, 0, 0]);
      // Partitions left out still report where their logs are, so the consumer asks again.
      expect(fetched.map((f) => f.highWatermark)).toEqual([3, 3, 3, 3]);
      expect(fetched.reduce((sum, f) => sum + f.bytes, 0)).toBeLessThanOrEqual(4 * B + B / 2);
    },
  );

  it('the budget spans topics: a second topic gets only what the first left', async () => {
    await topicWith('span-a', [[1000, 1000]]);
    await topicWith('span-b', [[1000, 1000], [1000]]);
    const fetched = await fetch(
      [
        { topic: 'span-a', asks: [{ partition: 0 }] },
        { topic: 'span-b', asks: [{ partition: 0 }, { partition: 1 }] },
      ],
      { maxBytes: 3 * B },
    );
    expect(batchesOf(fetched)).toEqual([[0, 1], [0], []]);
  });

  it('records are never cut mid-batch: a budget of 2.5 batches returns 2 (Kafka would add half a batch)', async () => {
    await topicWith('whole', [[1000, 1000, 1000, 1000]]);
    const [byRequest] = await fetch(all('whole', 1), { maxBytes: 2 * B + B / 2 });
    expect(byRequest!.batches).toEqual([0, 1]);
    expect(byRequest!.bytes).toBe(2 * B);
    const [byPartition] = await fetch(all('whole', 1, { partitionMaxBytes: 2 * B + B / 2 }));
    expect(byPartition!.batches).toEqual([0, 1]);
    // Exactly at a batch boundary: the batch that fits exactly is in.
    const [exact] = await fetch(all('whole', 1), { maxBytes: 3 * B });
    expect(exact!.batches).toEqual([0, 1, 2]);
    // Starting in the middle of the log: from the batch that holds the offset.
    const [later] = await fetch([{ topic: 'whole', asks: [{ partition: 0, fetchOffset: 2 }] }], {
      maxBytes: 3 * B,
    });
    expect(later!.batches).toEqual([2, 3]);
  });

  it('a first batch larger than maxBytes is returned whole (KIP-74), and nothing joins it', async () => {
    await topicWith('oversize-first', [[8000, 1000], [1000]]);
    const fetched = await fetch(all('oversize-first', 2), { maxBytes: B });
    expect(batchesOf(fetched)).toEqual([[0], []]);
    expect(fetched[0]!.bytes).toBe(BIG);
    expect(fetched.map((f) => f.errorCode)).toEqual([0, 0]);
  });

  it('the oversize batch of the first partition with data is returned, even behind empty partitions', async () => {
    await topicWith('oversize-behind-empty', [[], [1000], [8000], [1000]]);
    // p0 has nothing, p1 is asked at its end: p2 is the first with data.
    const fetched = await fetch(
      [
        {
          topic: 'oversize-behind-empty',
          asks: [{ partition: 0 }, { partition: 1, fetchOffset: 1 }, { partition: 2 }, { partition: 3 }],
        },
      ],
      { maxBytes: B },
    );
    expect(batchesOf(fetched)).toEqual([[], [], [0], []]);
  });

  it('an oversize batch behind data waits for a later fetch: no records and no error now', async () => {
    await topicWith('oversize-second', [[1000], [8000]]);
    const fetched = await fetch(all('oversize-second', 2), { maxBytes: 4 * B });
    expect(batchesOf(fetched)).toEqual([[0], []]);
    expect(fetched.map((f) => f.errorCode)).toEqual([0, 0]);
    // Asked first (the consumer rotates its partitions), it comes whole.
    const rotated = await fetch([{ topic: 'oversize-second', asks: [{ partition: 1 }, { partition: 0 }] }], {
      maxBytes: 4 * B,
    });
    expect(batchesOf(rotated)).toEqual([[0], []]);
  });

  it('maxBytes 0 returns the first batch and nothing more, as Kafka does (it was taken as no limit)', async () => {
    await topicWith('max-bytes-zero', [[1000, 1000], [1000]]);
    const fetched = await fetch(all('max-bytes-zero', 2), { maxBytes: 0 });
    expect(batchesOf(fetched)).toEqual([[0], []]);
    expect(fetched.map((f) => f.errorCode)).toEqual([0, 0]);
  });

  it('partitionMaxBytes limits its partition while the others still fill', async () => {
    await topicWith('per-partition', [
      [1000, 1000, 1000],
      [1000, 1000, 1000],
      [1000, 1000, 1000],
    ]);
    const fetched = await fetch([
      {
        topic: 'per-partition',
        asks: [
          { partition: 0, partitionMaxBytes: B + B / 2 },
          { partition: 1 },
          { partition: 2, partitionMaxBytes: 2 * B },
        ],
      },
    ]);
    expect(batchesOf(fetched)).toEqual([[0], [0, 1, 2], [0, 1]]);
  });

  it('a first batch larger than its partitionMaxBytes is returned whole only when it is the first data', async () => {
    await topicWith('per-partition-oversize', [[8000], [8000], [1000]]);
    const fetched = await fetch(all('per-partition-oversize', 3, { partitionMaxBytes: B }), {
      maxBytes: 1 << 20,
    });
    expect(batchesOf(fetched)).toEqual([[0], [], [0]]);
    // A partitionMaxBytes of 0 still gives the first partition one batch, as Kafka's minOneMessage does.
    const zero = await fetch(all('per-partition-oversize', 3, { partitionMaxBytes: 0 }));
    expect(batchesOf(zero)).toEqual([[0], [], []]);
  });

  it('partitions that fail do not spend the budget or take the first-batch allowance', async () => {
    await topicWith('with-errors', [[8000]]);
    const fetched = await fetch(
      [
        { topic: 'no-such-topic-here', asks: [{ partition: 0 }] },
        {
          topic: 'with-errors',
          asks: [{ partition: 5 }, { partition: 0, fetchOffset: 99 }, { partition: 0 }],
        },
      ],
      { maxBytes: B },
    );
    expect(fetched.map((f) => f.errorCode)).toEqual([
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      ErrorCode.OFFSET_OUT_OF_RANGE,
      ErrorCode.NONE,
    ]);
    expect(fetched[3]!.batches).toEqual([0]);
  });

  it('Fetch v0 to v3 are not served: the hard per-partition limit of v0-v2 never applies', async () => {
    const versions = await client.request(18, 3, {
      clientSoftwareName: 'kiln-test',
      clientSoftwareVersion: '1',
    });
    const fetchVersions = (versions.apiKeys as { apiKey: number; minVersion: number }[]).find(
      (k) => k.apiKey === 1,
    );
    expect(fetchVersions?.minVersion).toBe(4);
  });

  describe('minBytes and maxWaitMs', () => {
    // A connection of its own: behind a parked fetch on the same connection, a produce's response
    // would wait for the fetch's (responses leave in request order).
    let producer: ProtocolClient;
    beforeAll(async () => {
      producer = await ProtocolClient.connect(kiln.bootstrap);
    });
    afterAll(() => producer.close());
    const produce = (topic: string, records: Buffer) =>
      producer.request(0, 7, {
        transactionalId: null,
        acks: 1,
        timeoutMs: 5000,
        topicData: [{ name: topic, partitionData: [{ index: 0, records }] }],
      });

    it('a fetch whose data already reaches minBytes is answered at once', async () => {
      await topicWith('min-met', [[1000, 1000]]);
      const started = Date.now();
      const [fetched] = await fetch(all('min-met', 1), { minBytes: 2 * B, maxWaitMs: 30_000 });
      expect(fetched!.batches).toEqual([0, 1]);
      expect(Date.now() - started).toBeLessThan(15_000);
    });

    it('short of minBytes, it waits out maxWaitMs and answers with what there is', async () => {
      await topicWith('min-unmet', [[1000]]);
      const started = Date.now();
      // A bounded wait by nature: what is tested is that the broker waits maxWaitMs, no less.
      const [fetched] = await fetch(all('min-unmet', 1), { minBytes: 2 * B, maxWaitMs: 300 });
      expect(Date.now() - started).toBeGreaterThanOrEqual(290); // timers may round down a millisecond
      expect(fetched!.batches).toEqual([0]);
    });

    it('appends wake it; it answers once they reach minBytes, before maxWaitMs', async () => {
      await topicWith('min-reached', [[1000]]);
      const wait = vi.spyOn(AppendWaiters.prototype, 'wait');
      try {
        const answer = fetch(all('min-reached', 1), { minBytes: 3 * B, maxWaitMs: 30_000 });
        let answered = false;
        void answer.then(() => (answered = true));
        await waitFor(() => wait.mock.calls.length === 1, { what: 'the fetch to wait' });
        expect((await produce('min-reached', batchOf(1000))).responses).toBeDefined();
        // Woken, still short of minBytes (2 batches of 3): it waits again.
        await waitFor(() => wait.mock.calls.length === 2, { what: 'the fetch to wait again' });
        expect(answered).toBe(false);
        const started = Date.now();
        await produce('min-reached', batchOf(1000));
        const [fetched] = await answer;
        expect(fetched!.batches).toEqual([0, 1, 2]);
        expect(Date.now() - started).toBeLessThan(15_000);
      } finally {
        wait.mockRestore();
      }
    });
  });
});
