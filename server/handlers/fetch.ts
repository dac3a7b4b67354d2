/**
 * Fetch: whole batches from each partition asked for, starting at the batch that holds the fetch
 * offset, as slices of the mapped segments (the response writer keeps them by reference).
 *
 * Budgets: max.bytes for the response and partition max bytes for each partition; the first
 * partition with data returns at least one batch however large (KIP-74). Long poll: while the
 * response holds less than min bytes, it waits — up to max wait — for an append to any of its
 * partitions. Consumers read up to the high watermark; with no transactions the last stable
 * offset is the high watermark too, for READ_COMMITTED as for READ_UNCOMMITTED. No fetch
 * sessions are created (session id 0): clients then send full fetches, which Kafka allows.
 *
 * In a cluster, a fetch with a replica id (v4-14 replicaId, v15+ replicaState) is a follower's:
 * it reads up to the log end, not the high watermark, and its fetch offset tells the leader how
 * far that follower's log reaches (ReplicaManager.recordFollowerFetch: high watermark, ISR). A
 * current leader epoch older than the leader's is FENCED_LEADER_EPOCH, newer UNKNOWN_LEADER_EPOCH.
 * A follower's fetch that found a few records may be held a moment for more (Linger, below).
 */
import {
  BASE_OFFSET,
  LAST_OFFSET_DELTA,
  LOG_OVERHEAD,
  OffsetOutOfRangeError,
  batchSizeAt,
  readInt64,
  type LogSegment,
  type PartitionLog,
} from '../../engine/index.js';
import type { BrokerContext } from '../broker-context.js';
import type { AppendWaiters } from '../cluster/append-waiters.js';
import type { LeaderPartition } from '../cluster/replication/leader-partition.js';
import type { TopicInfo } from '../cluster/topic-store.js';
import { recordLeaderSent, shouldLeaderThrottle } from '../cluster/replication/leader-throttle.js';
import type { RequestOf, ResponseOf } from '../protocol/message-types.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { FetchApi } from '../protocol/apis/fetch.js';
import { errorCodeFor, isClientError } from '../engine-errors.js';
import type { Connection } from '../network/connection.js';
import type { MemoryBudget } from '../network/memory-budget.js';
import { HELD, LogThrottle } from '../log-throttle.js';
import { servedLog } from './served-log.js';
import { reply, type Handler } from './registry.js';

type FetchTopic = RequestOf<typeof FetchApi>['topics'][number];
type FetchedTopic = ResponseOf<typeof FetchApi>['responses'][number];
type FetchedPartition = FetchedTopic['partitions'][number];

const READ_COMMITTED = 1;
/** How often one partition's fetch failure is logged at most. */
const FAILURE_LOG_INTERVAL_MS = 60_000;
const EMPTY = Buffer.alloc(0);

export function fetchHandler(broker: BrokerContext, waiters: AppendWaiters): Handler<typeof FetchApi> {
  // A consumer retrying a damaged partition would otherwise write a line per fetch.
  const failures = new LogThrottle({
    intervalMs: FAILURE_LOG_INTERVAL_MS,
    onHeld: (held) => broker.log.error({ held }, `${held} more fetch failure(s) not logged`),
  });
  return {
    api: FetchApi,
    async handle(request, version, context) {
      const { topics, minBytes } = request;
      const maxWaitMs = Math.max(0, request.maxWaitMs);
      // A max bytes of 0 is a limit like any other, as in Kafka: the first batch and nothing more.
      const maxBytes = Math.max(0, request.maxBytes);
      const readCommitted = request.isolationLevel === READ_COMMITTED;
      const byId = version >= 13;
      const deadline = performance.now() + maxWaitMs;
      const replicaId = version >= 15 ? (request.replicaState?.replicaId ?? -1) : request.replicaId;
      const reader = { readCommitted, failures, connection: context.connection, replicaId };
      const linger = replicaId >= 0 ? Linger.forFetch(broker, topics, maxBytes) : undefined;
      const memory = broker.responseMemory;
      /** Made only for a fetch that waits. */
      let keys: string[] | undefined;
      let lingerUntil = 0;
      /** Woken since `result` was read: an answer given now must be read again first. */
      let stale = false;
      let result = await collect(broker, topics, byId, maxBytes, reader, linger);
      try {
        while (!result.failed && !waiters.closed) {
          let until = deadline;
          // Enough for min bytes: only a linger holds it (a long poll otherwise).
          const lingering = result.bytes >= minBytes;
          if (lingering) {
            if (!linger?.holds(result, waiters)) break;
            lingerUntil ||= Math.min(deadline, performance.now() + linger.ms);
            until = lingerUntil;
          }
          const left = until - performance.now();
          if (left <= 0) break;
          keys ??= waitKeys(broker, topics, byId);
          await waiters.wait(keys, left, lingering);
          stale = true;
          // Lingering, an append that cannot have brought enough is not worth reading the logs
          // for; anything else that woke it (see Linger.holds) ends the linger at the loop's top.
          if (lingering && performance.now() < lingerUntil && result.bytes + linger!.growth() < linger!.bytes)
            continue;
          letGo(result, memory);
          result = await collect(broker, topics, byId, maxBytes, reader, linger);
          stale = false;
        }
        // Whatever ended the wait (the linger's end among them), the answer says how things are now.
        if (stale) {
          letGo(result, memory);
          result = await collect(broker, topics, byId, maxBytes, reader, linger);
        }
        broker.metrics?.fetchAnswered(result.responses, replicaId >= 0);
        return reply(FetchApi, {
          throttleTimeMs: 0,
          errorCode: ErrorCode.NONE,
          sessionId: 0,
          responses: result.responses,
        });
      } finally {
        letGo(result, memory);
      }
    },
  };
}

/** Gives back what `result` held of the response budget: it is answered, or read again. */
function letGo(result: Collected, memory: MemoryBudget | undefined): void {
  memory?.release(result.held);
  result.held = 0;
}

/** The long-poll keys of the fetch's partitions (`${topic}-${partition}`, as AppendWaiters has them). */
function waitKeys(broker: BrokerContext, topics: FetchTopic[], byId: boolean): string[] {
  const keys: string[] = [];
  for (const t of topics) {
    const name = resolve(broker, t, byId)?.name ?? t.topic;
    for (const p of t.partitions) keys.push(`${name}-${p.partition}`);
  }
  return keys;
}

/**
 * A follower's fetch that found records may linger (kiln.replica.linger.ms) for more, up to
 * kiln.replica.linger.bytes (or what the fetch can carry, if less), so that a stream of small
 * appends replicates in fewer, larger round trips: each one costs the leader and the follower
 * tens of microseconds of wakeups and system calls whatever it carries. Not for a follower that
 * is behind (a read stopped short of a log's end: more is there already), nor on a single node,
 * nor for consumers; and it stops — the fetch answered at once, after a fresh read — as soon as
 * an acks=all request or an offset commit waits for a partition it fetches (waiting for
 * replication wakes it), a partition's leadership ends (resigning wakes it) or its topic is
 * deleted, or the broker begins a controlled shutdown (AppendWaiters.stopLingering): whatever
 * acks=1 data followers lack when a leadership moves is lost, and lingering must not add to it.
 *
 * Kept per partition of the fetch (in request order) as its last read left it: the log, its
 * active segment and that segment's size, so that growth since is a few property reads per
 * wake (a roll counts as enough); the leaderships are looked up once, when the fetch first
 * lingers. Allocated once per follower fetch; nothing per wake.
 */
class Linger {
  private readonly logs: (PartitionLog | undefined)[] = [];
  private readonly topics: (TopicInfo | undefined)[] = [];
  private readonly segments: (LogSegment | undefined)[] = [];
  private readonly sizes: number[] = [];
  private leaders: (LeaderPartition | undefined)[] | undefined;

  private constructor(
    private readonly broker: BrokerContext,
    readonly ms: number,
    readonly bytes: number,
  ) {}

  /** The linger of a follower's fetch, or undefined when it cannot linger (see above). */
  static forFetch(broker: BrokerContext, topics: FetchTopic[], maxBytes: number): Linger | undefined {
    const { ms, bytes } = broker.config.replication.linger;
    if (!broker.replicas || ms <= 0 || bytes <= 0) return undefined;
    // No more than the fetch can carry: growth past the smallest partition budget may have
    // filled a partition's share, and only a fresh read tells.
    let carries = maxBytes;
    for (const t of topics) for (const p of t.partitions) carries = Math.min(carries, p.partitionMaxBytes);
    const most = Math.min(bytes, carries);
    return most > 0 ? new Linger(broker, ms, most) : undefined;
  }

  /** The `index`th partition of the fetch was just read from `log` (collect calls this). */
  mark(index: number, log: PartitionLog, topic: TopicInfo): void {
    const active = log.activeSegment;
    this.logs[index] = log;
    this.topics[index] = topic;
    this.segments[index] = active;
    this.sizes[index] = active.size;
  }

  /** Whether a fetch that read `result` is worth holding for more. */
  holds(result: Collected, waiters: AppendWaiters): boolean {
    return (
      result.bytes > 0 &&
      !result.behind &&
      result.bytes < this.bytes &&
      waiters.lingerAllowed &&
      !this.wanted()
    );
  }

  /** Bytes appended to the fetch's logs since their last read (Infinity once one rolled). */
  growth(): number {
    let grown = 0;
    for (let i = 0; i < this.logs.length; i++) {
      const active = this.logs[i]?.activeSegment;
      if (active !== this.segments[i]) return Infinity;
      if (active) grown += active.size - this.sizes[i]!;
    }
    return grown;
  }

  /**
   * Whether what the fetch would carry is wanted now (an acks=all request or an offset commit
   * waits for it), or the fetch cannot be served as it was (a leadership ended, a topic deleted).
   */
  private wanted(): boolean {
    const leaders = (this.leaders ??= this.logs.map((log) =>
      log ? this.broker.replicas?.leaderOf(log.topic, log.partition) : undefined,
    ));
    const store = this.broker.topics.store;
    for (let i = 0; i < leaders.length; i++) {
      const leader = leaders[i];
      const topic = this.topics[i];
      if (!leader || leader.resigned || leader.awaited) return true;
      if (!topic || store.get(topic.name)?.id !== topic.id) return true;
    }
    return false;
  }
}

/**
 * The error for a topic id this broker's store does not know: NOT_LEADER_OR_FOLLOWER when the
 * cluster has it (a partition just moved here, its replica not made yet: clients retry), else
 * UNKNOWN_TOPIC_ID.
 */
function unknownIdError(broker: BrokerContext, topicId: string): number {
  return broker.metadata?.topicName(topicId) === undefined
    ? ErrorCode.UNKNOWN_TOPIC_ID
    : ErrorCode.NOT_LEADER_OR_FOLLOWER;
}

function resolve(broker: BrokerContext, topic: FetchTopic, byId: boolean): TopicInfo | undefined {
  return byId ? broker.topics.store.getById(topic.topicId) : broker.topics.store.get(topic.topic);
}

interface Reader {
  readCommitted: boolean;
  /** This broker's throttle of fetch failure lines. */
  failures: LogThrottle;
  connection: Connection | undefined;
  /** A follower's broker id; -1 for consumers. */
  replicaId: number;
}

/** What one read of the fetch's partitions gave. */
interface Collected {
  responses: FetchedTopic[];
  bytes: number;
  failed: boolean;
  /** A follower's read stopped short of a log's end (max bytes, or appends during it). */
  behind: boolean;
  /** Bytes of `responses` held from the response budget until the fetch is answered or read again. */
  held: number;
}

async function collect(
  broker: BrokerContext,
  topics: FetchTopic[],
  byId: boolean,
  maxBytes: number,
  { readCommitted, failures, connection, replicaId }: Reader,
  linger: Linger | undefined,
): Promise<Collected> {
  let bytes = 0;
  let failed = false;
  let behind = false;
  const responses: FetchedTopic[] = [];
  const memory = broker.responseMemory;
  let held = 0;
  let index = 0;
  try {
    for (const requested of topics) {
      const topic = resolve(broker, requested, byId);
      const partitions: FetchedPartition[] = [];
      for (const p of requested.partitions) {
        const at = index++;
        const base = {
          partitionIndex: p.partition,
          highWatermark: -1,
          lastStableOffset: -1,
          logStartOffset: -1,
          abortedTransactions: readCommitted ? [] : null,
          preferredReadReplica: -1,
          records: EMPTY,
        };
        const name = topic?.name ?? (byId ? undefined : requested.topic);
        const served = name === undefined ? undefined : servedLog(broker, name, p.partition);
        if (!served || 'errorCode' in served) {
          failed = true;
          const errorCode = served ? served.errorCode : unknownIdError(broker, requested.topicId);
          partitions.push({ ...base, errorCode });
          continue;
        }
        const { log } = served;
        const refused = replicaError(broker, name!, p, replicaId);
        if (refused !== ErrorCode.NONE) {
          failed = true;
          partitions.push({ ...base, errorCode: refused });
          continue;
        }
        const offsets = {
          highWatermark: log.highWatermark,
          lastStableOffset: log.highWatermark,
          logStartOffset: log.logStartOffset,
        };
        // A follower outside the ISR on a throttled partition gets no records while this leader's
        // leader.replication.throttled.rate is exceeded (replication/leader-throttle.ts).
        const quota = replicaId >= 0 ? broker.replicas?.quotas.leader : undefined;
        if (quota?.limited) {
          const isr = broker.replicas!.leaderOf(name!, p.partition)?.isr ?? [];
          if (shouldLeaderThrottle(quota, name!, p.partition, replicaId, isr)) {
            partitions.push({ ...base, ...offsets, errorCode: ErrorCode.NONE, records: EMPTY });
            continue;
          }
        }
        // What is read stays in memory until the socket sends it: the bytes of this fetch are held
        // from the response budget until it is answered or read again (the connection counts them
        // from there), lingering included, and no more is read than the budget has left — one
        // batch when it is spent.
        const budget = Math.min(p.partitionMaxBytes, maxBytes - bytes, memory ? memory.available : Infinity);
        const reading = Math.max(budget, 0);
        memory?.reserve(reading);
        let kept = 0;
        try {
          const read =
            budget > 0 || (bytes === 0 && !(memory?.exhausted && connection?.holdsResponses))
              ? await log.read(p.fetchOffset, reading, {
                  // Followers copy the whole log; consumers see what the ISR has.
                  upTo: replicaId >= 0 && broker.replicas ? log.logEndOffset : log.highWatermark,
                  minOneBatch: bytes === 0,
                })
              : undefined;
          const records = read?.records ?? EMPTY;
          if (quota) recordLeaderSent(quota, name!, p.partition, records.length);
          // Checked as the read ends, with the mark: what comes after it is growth, what came
          // during it (or was there and did not fit) makes the follower behind.
          if (replicaId >= 0 && !behind)
            behind = (records.length > 0 ? endOffsetOf(records) : p.fetchOffset) < log.logEndOffset;
          linger?.mark(at, log, served.topic);
          bytes += records.length;
          kept = records.length;
          partitions.push({ ...base, ...offsets, errorCode: ErrorCode.NONE, records });
        } catch (err) {
          failed = true;
          const errorCode =
            err instanceof OffsetOutOfRangeError ? ErrorCode.OFFSET_OUT_OF_RANGE : errorCodeFor(err);
          // Damage on the broker's own disk (a corrupt batch, a file cut under it) is news, not
          // something a client did: it gets a log line, and the fetch an error for that partition.
          const since = isClientError(errorCode, err)
            ? HELD
            : failures.admit(`${topic!.name}-${p.partition}`);
          if (since !== HELD)
            broker.log.error(
              { err, topic: topic!.name, partition: p.partition, offset: p.fetchOffset, repeated: since },
              since > 0 ? `fetch failed (and ${since} more since the last line)` : 'fetch failed',
            );
          partitions.push({ ...base, ...offsets, errorCode });
        } finally {
          memory?.release(reading);
          memory?.reserve(kept);
          held += kept;
        }
      }
      responses.push({
        topic: topic?.name ?? requested.topic,
        topicId: topic?.id ?? requested.topicId,
        partitions,
      });
    }
  } catch (err) {
    memory?.release(held);
    throw err;
  }
  return { responses, bytes, failed, behind, held };
}

/** The offset after the last of the whole batches in `records`. */
function endOffsetOf(records: Buffer): number {
  let last = 0;
  for (let pos = 0; pos + LOG_OVERHEAD <= records.length; pos += batchSizeAt(records, pos)) last = pos;
  return readInt64(records, last + BASE_OFFSET) + records.readInt32BE(last + LAST_OFFSET_DELTA) + 1;
}

/**
 * In a cluster: the leader epoch check, and for a follower the note of how far its log reaches
 * (REPLICA_NOT_AVAILABLE when the fetching broker is no replica of the partition).
 */
function replicaError(
  broker: BrokerContext,
  topic: string,
  p: FetchTopic['partitions'][number],
  replicaId: number,
): number {
  const replicas = broker.replicas;
  if (!replicas) return ErrorCode.NONE;
  const fenced = replicas.leaderEpochError(topic, p.partition, p.currentLeaderEpoch);
  if (fenced !== ErrorCode.NONE) return fenced;
  if (replicaId < 0) return ErrorCode.NONE;
  return replicas.recordFollowerFetch(topic, p.partition, replicaId, Number(p.fetchOffset))
    ? ErrorCode.NONE
    : ErrorCode.REPLICA_NOT_AVAILABLE;
}
