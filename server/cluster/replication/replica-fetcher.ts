/**
 * A follower's fetcher for one leader broker: it keeps every partition this broker follows on that
 * leader and fetches them in one Fetch at a time (replica id set, from each log's end), as Kafka's
 * replica fetcher thread does. The round trip — the network, decoding, the CRC check of every
 * batch — runs in the replica fetch pool's worker threads (fetch-worker.ts); this side, on the
 * log's own thread, appends what came (offsets kept as the leader gave them) and moves the
 * follower's high watermark and log start to the leader's.
 *
 * A partition new to the fetcher first truncates (follower-truncation.ts, OffsetForLeaderEpoch
 * to the leader), then fetches. Partition errors back off that partition (the controller will
 * say who leads now); a failed round trip backs off them all (replica.fetch.backoff.ms).
 *
 * Follower throttle (replication-quota.ts): a partition the follower quota throttles on this
 * broker that is not caught up (its lag, the leader's high watermark less this log's end after
 * the last answer, is unknown or above 0) is left out of the fetch while the quota is exceeded;
 * a caught-up one never is, so the ISR is not disturbed. Bytes appended of throttled partitions
 * are counted (while a rate is set). When every partition due is held back, the fetcher sleeps until the quota's rate
 * is back within its bound (or a partition is added), not in a loop.
 */
import type { PartitionLog } from '../../../engine/index.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import type { ReplicationConfig } from '../../config/broker-config.js';
import type { EpochsAnswer, FetchAnswer, FetchBody, FetchTask } from './fetch-worker.js';
import { truncationFor, truncationWithoutEpochs } from './follower-truncation.js';
import type { ReplicationQuota } from './replication-quota.js';

/** How long past replica.fetch.wait.max.ms a leader may take to answer before the fetcher gives up on it. */
const ROUND_TRIP_GRACE_MS = 15_000;

export interface FollowedPartition {
  topic: string;
  topicId: string;
  partition: number;
  log: PartitionLog;
  /** The leader epoch the controller gave for this leadership. */
  leaderEpoch: number;
  /** Until its log has been cut to what the leader has, it does not fetch. */
  truncating: boolean;
  delayedUntil: number;
  /** The leader's high watermark less this log's end after the last answer; undefined before one. */
  lag: number | undefined;
}

export interface FetcherOptions {
  brokerId: number;
  brokerEpoch: () => number;
  config: ReplicationConfig;
  /** Runs a task in the replica fetch pool. */
  run: (task: FetchTask) => Promise<FetchAnswer | EpochsAnswer>;
  log: (message: string) => void;
  /** A follower's log got records (tests, metrics). */
  onAppended?: (p: FollowedPartition) => void;
  /** The follower throttle (follower.replication.throttled.*); none when absent. */
  quota?: Pick<ReplicationQuota, 'limited' | 'isThrottled' | 'exceeded' | 'record' | 'msUntilWithin'>;
}

export class ReplicaFetcher {
  private readonly partitions = new Map<string, FollowedPartition>();
  private stopped = false;
  private wakeUp: (() => void) | undefined;
  private failingSince = 0;
  /** The last answer's memory, appended: it goes back with the next fetch (FetchTask.returned). */
  private spare: ArrayBuffer | undefined;
  readonly done: Promise<void>;

  constructor(
    readonly leaderId: number,
    private endpoint: { host: string; port: number },
    private readonly options: FetcherOptions,
  ) {
    this.done = this.loop();
  }

  get size(): number {
    return this.partitions.size;
  }

  /** Starts following `p` (replacing an earlier entry for the same partition). */
  add(p: Omit<FollowedPartition, 'truncating' | 'delayedUntil' | 'lag'>): void {
    this.partitions.set(key(p.topic, p.partition), {
      ...p,
      truncating: true,
      delayedUntil: 0,
      lag: undefined,
    });
    this.wake();
  }

  remove(topic: string, partition: number): void {
    this.partitions.delete(key(topic, partition));
  }

  /**
   * The same leader at a new epoch, sent from now on as the current leader epoch. Only the next
   * epoch can be taken so (an ISR change the controller made); after a gap, leadership may have
   * been elsewhere meanwhile, and the log must be checked again: false, the caller re-adds it.
   */
  setLeaderEpoch(topic: string, partition: number, leaderEpoch: number): boolean {
    const p = this.partitions.get(key(topic, partition));
    if (!p || leaderEpoch > p.leaderEpoch + 1) return false;
    p.leaderEpoch = Math.max(p.leaderEpoch, leaderEpoch);
    return true;
  }

  has(topic: string, partition: number): boolean {
    return this.partitions.has(key(topic, partition));
  }

  moveTo(endpoint: { host: string; port: number }): void {
    this.endpoint = endpoint;
  }

  /**
   * Stops fetching. A round trip in flight is abandoned, not awaited (a leader that stopped
   * answering would hold the stop forever): what it brings is dropped.
   */
  stop(): Promise<void> {
    this.stopped = true;
    this.partitions.clear();
    this.wake();
    return Promise.resolve();
  }

  /** Runs a task in the pool, failing it when the leader has not answered in good time. */
  private run(task: FetchTask): Promise<FetchAnswer | EpochsAnswer> {
    const deadlineMs = this.options.config.fetchWaitMaxMs + ROUND_TRIP_GRACE_MS;
    // A pool that cannot start throws at once: that is this round trip's failure, not the process's.
    const running = Promise.resolve().then(() => this.options.run(task));
    running.catch(() => {}); // abandoned when late
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`broker ${this.leaderId} did not answer within ${deadlineMs} ms`)),
        deadlineMs,
      );
      timer.unref();
    });
    late.catch(() => {}); // heard through the race below
    return Promise.race([running, late]).finally(() => clearTimeout(timer));
  }

  private wake(): void {
    const wake = this.wakeUp;
    this.wakeUp = undefined;
    wake?.();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wakeUp = undefined;
        resolve();
      }, ms);
      // Waiting keeps nothing alive: a stopped broker's process must be free to exit.
      timer.unref();
      this.wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      const now = Date.now();
      const due = [...this.partitions.values()].filter((p) => p.delayedUntil <= now);
      if (due.length === 0) {
        const next = Math.min(...[...this.partitions.values()].map((p) => p.delayedUntil));
        await this.sleep(Number.isFinite(next) ? Math.max(1, next - now) : 60_000);
        continue;
      }
      const truncating = due.filter((p) => p.truncating);
      const sending = truncating.length > 0 ? [] : due.filter((p) => !this.heldBack(p, now));
      if (truncating.length === 0 && sending.length === 0) {
        // All held back by the follower throttle: until its rate allows again (or one is added).
        const next = Math.min(
          ...[...this.partitions.values()].map((p) => p.delayedUntil).filter((t) => t > now),
        );
        await this.sleep(Math.min(this.options.quota!.msUntilWithin(now), next - now));
        continue;
      }
      try {
        if (truncating.length > 0) await this.truncate(truncating);
        else await this.fetch(sending);
        this.failingSince = 0;
      } catch (err) {
        if (this.stopped) break;
        if (this.failingSince === 0) {
          this.failingSince = Date.now();
          this.options.log(`fetching from broker ${this.leaderId} failed: ${(err as Error).message}`);
        }
        const until = Date.now() + this.options.config.fetchBackoffMs;
        for (const p of due) p.delayedUntil = until;
      }
    }
  }

  /** Kafka's shouldFollowerThrottle: throttled here, not caught up, and the quota exceeded. */
  private heldBack(p: FollowedPartition, now: number): boolean {
    const quota = this.options.quota;
    return (
      quota !== undefined && p.lag !== 0 && quota.exceeded(now) && quota.isThrottled(p.topic, p.partition)
    );
  }

  private target(): { host: string; port: number; clientId: string; deadlineMs: number } {
    return {
      ...this.endpoint,
      clientId: `kiln-replica-fetcher-${this.options.brokerId}`,
      deadlineMs: this.options.config.fetchWaitMaxMs + ROUND_TRIP_GRACE_MS - 1000,
    };
  }

  /** One OffsetForLeaderEpoch for the partitions still to truncate, and the cuts it calls for. */
  private async truncate(parts: FollowedPartition[]): Promise<void> {
    const asking: { p: FollowedPartition; epoch: number }[] = [];
    for (const p of parts) {
      if (p.log.latestEpoch < 0) {
        this.cut(p, truncationWithoutEpochs(p.log).offset);
        p.truncating = false;
      } else asking.push({ p, epoch: p.log.latestEpoch });
    }
    if (asking.length === 0) return;
    const byTopic = new Map<
      string,
      { partition: number; currentLeaderEpoch: number; leaderEpoch: number }[]
    >();
    for (const { p, epoch } of asking) {
      let list = byTopic.get(p.topic);
      if (!list) byTopic.set(p.topic, (list = []));
      list.push({ partition: p.partition, currentLeaderEpoch: p.leaderEpoch, leaderEpoch: epoch });
    }
    const answer = (await this.run({
      kind: 'epochs',
      ...this.target(),
      body: {
        replicaId: this.options.brokerId,
        topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })),
      },
    })) as EpochsAnswer;
    const ends = new Map<string, { errorCode: number; leaderEpoch: number; endOffset: number }>();
    for (const t of answer.topics) {
      for (const e of t.partitions)
        ends.set(key(t.topic, e.partition), { ...e, endOffset: Number(e.endOffset) });
    }
    for (const { p, epoch } of asking) {
      if (this.partitions.get(key(p.topic, p.partition)) !== p) continue;
      const end = ends.get(key(p.topic, p.partition));
      if (!end || end.errorCode !== ErrorCode.NONE) {
        p.delayedUntil = Date.now() + this.options.config.fetchBackoffMs;
        continue;
      }
      const truncation = truncationFor(p.log, epoch, end);
      this.cut(p, truncation.offset);
      p.truncating = !truncation.done;
    }
  }

  private cut(p: FollowedPartition, offset: number): void {
    const before = p.log.logEndOffset;
    if (p.log.truncateTo(offset)) {
      this.options.log(
        `${p.topic}-${p.partition}: truncated from ${before} to ${p.log.logEndOffset} to follow broker ${this.leaderId}`,
      );
    }
  }

  private async fetch(parts: FollowedPartition[]): Promise<void> {
    const config = this.options.config;
    const sent = new Map<string, { p: FollowedPartition; offset: number }>();
    const byTopic = new Map<
      string,
      { topic: string; topicId: string; partitions: FetchBody['topics'][number]['partitions'] }
    >();
    for (const p of parts) {
      const offset = p.log.logEndOffset;
      sent.set(key(p.topic, p.partition), { p, offset });
      let t = byTopic.get(p.topic);
      if (!t) byTopic.set(p.topic, (t = { topic: p.topic, topicId: p.topicId, partitions: [] }));
      t.partitions.push({
        partition: p.partition,
        currentLeaderEpoch: p.leaderEpoch,
        fetchOffset: offset,
        lastFetchedEpoch: -1,
        logStartOffset: p.log.logStartOffset,
        partitionMaxBytes: config.fetchMaxBytes,
      });
    }
    const idToName = new Map([...byTopic.values()].map((t) => [t.topicId, t.topic]));
    const returned = this.spare;
    this.spare = undefined;
    const answer = (await this.run({
      kind: 'fetch',
      ...this.target(),
      returned,
      body: {
        clusterId: null,
        replicaId: this.options.brokerId,
        replicaState: { replicaId: this.options.brokerId, replicaEpoch: this.options.brokerEpoch() },
        maxWaitMs: config.fetchWaitMaxMs,
        minBytes: config.fetchMinBytes,
        maxBytes: config.fetchResponseMaxBytes,
        isolationLevel: 0,
        sessionId: 0,
        sessionEpoch: -1,
        topics: [...byTopic.values()],
        forgottenTopicsData: [],
        rackId: '',
      },
    })) as FetchAnswer;
    if (this.stopped) return;
    // Those just fetched go to the back: a leader gives its oversized first batch only to the
    // first partition with data, and a fixed order would starve the ones behind.
    for (const p of parts) {
      const k = key(p.topic, p.partition);
      if (this.partitions.get(k) === p) {
        this.partitions.delete(k);
        this.partitions.set(k, p);
      }
    }
    for (const fetched of answer.partitions) {
      const topic = fetched.topic || idToName.get(fetched.topicId) || '';
      const entry = sent.get(key(topic, fetched.partition));
      if (!entry || this.partitions.get(key(topic, fetched.partition)) !== entry.p) continue;
      this.apply(entry.p, entry.offset, fetched, answer.store);
    }
    // The log copied what it kept: the memory can carry the next answer.
    if (answer.store) this.spare = answer.store;
  }

  private apply(
    p: FollowedPartition,
    offset: number,
    fetched: FetchAnswer['partitions'][number],
    store: ArrayBuffer | null,
  ): void {
    const log = p.log;
    if (fetched.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE) {
      if (fetched.logStartOffset > offset) {
        this.options.log(
          `${p.topic}-${p.partition}: the leader's log starts at ${fetched.logStartOffset}, starting there`,
        );
        log.truncateFullyAndStartAt(fetched.logStartOffset);
      } else p.truncating = true;
      return;
    }
    if (fetched.errorCode !== ErrorCode.NONE) {
      p.delayedUntil = Date.now() + this.options.config.fetchBackoffMs;
      return;
    }
    if (fetched.length > 0 && store && log.logEndOffset === offset) {
      const records = Buffer.from(store, fetched.start, fetched.length);
      const firstBase = records.readBigInt64BE(0);
      if (log.logEndOffset === log.logStartOffset && Number(firstBase) < log.logEndOffset) {
        // An empty log that starts inside the leader's first batch (the leader's log start is
        // mid-batch, after DeleteRecords): start at the batch, as Kafka's followers do.
        log.truncateFullyAndStartAt(Number(firstBase));
      }
      const result = log.appendMany([records], { assignOffsets: false, verified: true })[0]!;
      if (result instanceof Error) {
        this.options.log(
          `${p.topic}-${p.partition}: cannot append what broker ${this.leaderId} sent: ${result.message}`,
        );
        p.truncating = true;
        p.delayedUntil = Date.now() + this.options.config.fetchBackoffMs;
        return;
      }
      const quota = this.options.quota;
      if (quota?.limited && quota.isThrottled(p.topic, p.partition)) quota.record(fetched.length);
      this.options.onAppended?.(p);
    }
    log.setHighWatermark(Math.min(fetched.highWatermark, log.logEndOffset));
    p.lag = Math.max(0, fetched.highWatermark - log.logEndOffset);
    if (fetched.logStartOffset > log.logStartOffset && log.highWatermark > log.logStartOffset) {
      try {
        log.deleteRecordsBefore(Math.min(fetched.logStartOffset, log.highWatermark));
      } catch {
        // Below the follower's high watermark only; the next fetch tries again.
      }
    }
  }
}

function key(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}
