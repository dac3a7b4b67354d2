// Regressions of a leader lingering over a follower's fetch (kiln.replica.linger.*), found by
// review; each test is named for what broke. The fetch handler runs on a broker context built by
// hand over a temporary directory, with the real AppendWaiters and leaderships (no network, no
// ZooKeeper): the test plays produce, the followers and the controller. Lingering is set far
// longer than any test waits, so a fetch that lingered when it should not shows as a timeout.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { PartitionLog } from '../../../engine/index.js';
import { AppendWaiters } from '../../../server/cluster/append-waiters.js';
import { Leaderships, type ReplicaState } from '../../../server/cluster/replication/leaderships.js';
import { NO_THROTTLE, ReplicationQuotas } from '../../../server/cluster/replication/replication-quota.js';
import { fetchHandler } from '../../../server/handlers/fetch.js';
import type { RequestContext } from '../../../server/handlers/registry.js';
import { MemoryBudget } from '../../../server/network/memory-budget.js';
import type { FetchApi } from '../../../server/protocol/apis/fetch.js';
import { ErrorCode } from '../../../server/protocol/error-codes.js';
import type { RequestOf, ResponseOf } from '../../../server/protocol/message-types.js';
import { openTestBroker, type TestBroker } from '../../helpers/group-context.js';
import { batchOf, decodeRecords } from '../../helpers/log-fixtures.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';
import { waitFor } from '../../helpers/wait-for.js';

type FetchAnswer = ResponseOf<typeof FetchApi>;

const LINGER_MS = 60_000;
const KEY = 't-0';

/** What the fetch handler asks of a cluster broker's replica manager, answered by leaderships. */
class LeadershipsAsReplicas {
  /** No replication throttle. */
  readonly quotas = new ReplicationQuotas(1, NO_THROTTLE, () => undefined);
  constructor(private readonly leaderships: Leaderships) {}
  leaderError(topic: string, partition: number): number {
    return this.leaderships.get(topic, partition) ? ErrorCode.NONE : ErrorCode.NOT_LEADER_OR_FOLLOWER;
  }
  leaderEpochError(): number {
    return ErrorCode.NONE;
  }
  recordFollowerFetch(topic: string, partition: number, replicaId: number, fetchOffset: number): boolean {
    return this.leaderships.recordFollowerFetch(topic, partition, replicaId, fetchOffset);
  }
  leaderOf(topic: string, partition: number) {
    return this.leaderships.get(topic, partition);
  }
}

let dir: string;
let broker: TestBroker;
let waiters: AppendWaiters;
let leaderships: Leaderships;
let log: PartitionLog;

/** Broker 1 leads t-0, followed by 2 and 3, both in the ISR; the log holds `records` records. */
function setUp(records: number): void {
  dir = makeTempDir('kiln-linger-wakes-');
  broker = openTestBroker(dir, {
    'kiln.replica.linger.ms': String(LINGER_MS),
    'kiln.replica.linger.bytes': String(64 * 1024),
  });
  const { context } = broker;
  context.responseMemory = new MemoryBudget(10 << 20);
  expect(context.topics.create('t', 1, 1, {}).errorCode).toBe(ErrorCode.NONE);
  // Long polls on a deleted topic answer now (the broker wires this so).
  context.topics.onDelete((topic) => waiters.notify(`${topic.name}-0`));
  log = context.logs.getLog('t', 0)!;
  log.replicated = true;
  for (let i = 0; i < records; i++) log.append(batchOf(1, `r${i}`));
  waiters = new AppendWaiters();
  const state: ReplicaState = {
    leader: 1,
    leaderEpoch: 1,
    isr: [1, 2, 3],
    replicas: [1, 2, 3],
    zkVersion: 0,
    controllerEpoch: 1,
  };
  leaderships = new Leaderships({
    brokerId: 1,
    config: context.config.replication,
    waiters,
    writeIsr: () => Promise.resolve(null),
    readState: () => Promise.resolve(null),
    stateOf: () => state,
    log: () => {},
  });
  leaderships.lead('t', 0, log, state, true);
  (context as { replicas?: unknown }).replicas = new LeadershipsAsReplicas(leaderships);
}

afterEach(() => {
  vi.restoreAllMocks();
  waiters?.wakeAll();
  leaderships?.stop();
  broker?.close();
  if (dir) removeTempDir(dir);
});

/** A follower's fetch of t-0 from `fetchOffset` (v12: topic names, replica id), up to a minute. */
function fetch(replicaId: number, fetchOffset: number): Promise<FetchAnswer> {
  const request = {
    clusterId: null,
    replicaId,
    replicaState: null,
    maxWaitMs: 2 * LINGER_MS,
    minBytes: 1,
    maxBytes: 1 << 20,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [
      {
        topic: 't',
        topicId: '',
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
  } as unknown as RequestOf<typeof FetchApi>;
  const context = { connection: undefined } as unknown as RequestContext;
  return Promise.resolve(
    fetchHandler(broker.context, waiters).handle(request, 12, context),
  ) as Promise<FetchAnswer>;
}

const partitionOf = (answer: FetchAnswer) => answer.responses[0]!.partitions[0]!;
const offsetsIn = (answer: FetchAnswer) => decodeRecords(partitionOf(answer).records!).map((r) => r.offset);

/** Starts a follower fetch that finds records, and returns its answer once it lingers over them. */
async function lingering(replicaId: number, fetchOffset: number): Promise<{ answer: Promise<FetchAnswer> }> {
  const before = waiters.lingeringCount;
  const answer = fetch(replicaId, fetchOffset);
  await waitFor(() => waiters.lingeringCount === before + 1, { timeoutMs: 5_000, intervalMs: 5 });
  return { answer };
}

describe('a leader lingering over follower fetches', { timeout: 10_000 }, () => {
  beforeEach(() => setUp(1));

  it('a resign left the other followers’ lingering and long-polling fetches waiting out their window (now: NOT_LEADER_OR_FOLLOWER at once)', async () => {
    const { answer: held } = await lingering(2, 0);
    const polling = fetch(3, 1); // at the log end: nothing to answer, a long poll
    await waitFor(() => waiters.waitingCount === 2, { timeoutMs: 5_000, intervalMs: 5 });
    leaderships.resign('t', 0);
    expect(partitionOf(await held).errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    expect(partitionOf(await polling).errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
  });

  it('a session expiry (resignAll) left lingering fetches waiting out their window', async () => {
    const { answer: held } = await lingering(2, 0);
    leaderships.resignAll();
    expect(partitionOf(await held).errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
  });

  it('lingering went on through a controlled shutdown: stopLingering answers lingering fetches at once, and no fetch lingers after it', async () => {
    const { answer: held } = await lingering(2, 0);
    const polling = fetch(3, 1);
    await waitFor(() => waiters.waitingCount === 2, { timeoutMs: 5_000, intervalMs: 5 });
    log.append(batchOf(1, 'later')); // not yet announced to waiters: the answer reads afresh
    waiters.stopLingering();
    const answered = await held;
    expect(partitionOf(answered).errorCode).toBe(ErrorCode.NONE);
    expect(offsetsIn(answered)).toEqual([0, 1]);
    // A long poll is not a linger: it waits on for an append.
    expect(waiters.waitingCount).toBe(1);
    waiters.notify(KEY);
    expect(offsetsIn(await polling)).toEqual([1]);
    // A fetch that finds records now is answered without lingering.
    expect(offsetsIn(await fetch(2, 0))).toEqual([0, 1]);
    expect(waiters.lingeringCount).toBe(0);
  });

  it('a fetch already lingering over acks=1 data when an acks=all request came was answered without that request’s records', async () => {
    const { answer: held } = await lingering(2, 0);
    // Produce with acks=all: the append (and its notify), then the wait for the followers.
    const appended = log.append(batchOf(1, 'acks-all'));
    waiters.notify(KEY);
    const acked = leaderships.waitForReplication('t', 0, appended.lastOffset + 1, 10_000);
    const answered = await held;
    expect(offsetsIn(answered)).toEqual([0, 1]);
    leaderships.recordFollowerFetch('t', 0, 2, 2);
    leaderships.recordFollowerFetch('t', 0, 3, 2);
    expect(await acked).toBe(ErrorCode.NONE);
  });

  it('a fetch lingering on a partition whose topic was deleted waited out its window', async () => {
    const { answer: held } = await lingering(2, 0);
    expect(broker.context.topics.delete('t').errorCode).toBe(ErrorCode.NONE);
    expect(partitionOf(await held).errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });

  it("a lingering answer's bytes were outside the response memory budget while it lingered", async () => {
    const memory = broker.context.responseMemory!;
    const { answer: held } = await lingering(2, 0);
    const first = log.activeSegment.size; // the one batch the fetch holds
    expect(memory.used).toBe(first);
    waiters.stopLingering();
    expect(partitionOf(await held).records!.length).toBe(first);
    expect(memory.used).toBe(0);
  });
});

describe('the end of a linger', { timeout: 10_000 }, () => {
  // Follower 2 at offset 0, follower 3 lingering over record 1: the high watermark is 0.
  beforeEach(() => setUp(2));

  it('a wake just before the linger ended answered with the first read (a stale high watermark, without the records appended meanwhile)', async () => {
    // A clock the test moves: still until the fetch lingers, then a millisecond per look at it.
    let now = 1000;
    let tick = 0;
    vi.spyOn(performance, 'now').mockImplementation(() => {
      const t = now;
      now += tick;
      return t;
    });
    leaderships.recordFollowerFetch('t', 0, 2, 0);
    const { answer: held } = await lingering(3, 1);
    const lingerEnds = 1000 + LINGER_MS;
    log.append(batchOf(1, 'small')); // far below linger.bytes: not worth a read
    leaderships.recordFollowerFetch('t', 0, 2, 1); // the high watermark moves to 1: a wake
    expect(log.highWatermark).toBe(1);
    // The fetch looks at the clock when it wakes (just before the end), then again: ended.
    now = lingerEnds - 1;
    tick = 1;
    const answered = await held;
    expect(Number(partitionOf(answered).highWatermark)).toBe(1);
    expect(offsetsIn(answered)).toEqual([1, 2]);
  });
});
