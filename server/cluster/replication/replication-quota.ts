/**
 * Replication throttles (Kafka's replication quotas, KIP-73). A partition move copies whole
 * partitions to new replicas; throttled, that copy leaves the bandwidth to producers and to the
 * followers already in sync. Two quotas per broker, each a byte rate and a list of replicas:
 *
 * - leader side: leader.replication.throttled.rate (this broker's) and the topic config
 *   leader.replication.throttled.replicas. A follower outside the ISR fetching a throttled
 *   partition gets no records while the rate is exceeded (leader-throttle.ts);
 * - follower side: follower.replication.throttled.rate and follower.replication.throttled.replicas.
 *   A throttled partition that is not caught up is left out of this broker's fetches while the
 *   rate is exceeded (replica-fetcher.ts).
 *
 * Bytes of throttled partitions are counted whether or not they were held back, in sync or not,
 * as Kafka counts them: a rate is what the broker moves of those partitions. They are counted only
 * while a rate is set, so replication pays nothing for the throttles when there are none (a rate
 * set later starts measuring from then, as a fresh meter does).
 *
 * A list is "" (none), "*" (every partition on every broker) or "partition:broker,..." items; a
 * partition is throttled on broker b when its list has "p:b" or is "*" — for the leader quota b
 * is this broker as the partition's leader, for the follower quota this broker as its follower.
 * The lists are read from the partition's log config as it is now (so a topic config change
 * applies at once, whichever way it came), parsed once per distinct text.
 *
 * The rate (RateMeter) is measured as Kafka measures it: bytes over a sliding window of
 * replication.quota.window.num samples of replication.quota.window.size.seconds each, divided by
 * the time the samples cover but never by less than all the samples but one (so a first burst is
 * measured against nearly the whole window, not against the instant it took). A sample older
 * than the whole window is forgotten. The rate is exceeded when above the bound.
 */
import { LONG_MAX, type LogConfig } from '../../../engine/index.js';
import type { ReplicationThrottleConfig } from '../../config/broker-config.js';

/** No throttle, and Kafka's window: 11 samples of 1 s. */
export const NO_THROTTLE: ReplicationThrottleConfig = {
  leaderRate: LONG_MAX,
  followerRate: LONG_MAX,
  windowNum: 11,
  windowMs: 1000,
};

export interface QuotaWindow {
  /** How many samples are kept. */
  samples: number;
  /** How long each sample lasts, in ms. */
  windowMs: number;
}

/** Bytes per second over a sliding window of samples, against a bound (see the top of the file). */
export class RateMeter {
  /** Start time and bytes of each sample, oldest first; at most `window.samples` of them. */
  private readonly starts: number[] = [];
  private readonly counts: number[] = [];
  private boundValue = Infinity;

  constructor(
    private readonly window: QuotaWindow,
    bytesPerSecond = Infinity,
  ) {
    if (window.samples < 1 || window.windowMs <= 0)
      throw new RangeError('a quota window needs samples and a length');
    this.bound = bytesPerSecond;
  }

  /** Bytes per second allowed; Infinity (or Kafka's Long.MAX_VALUE, as given) for no limit. */
  get bound(): number {
    return this.boundValue;
  }

  set bound(bytesPerSecond: number) {
    this.boundValue = bytesPerSecond >= LONG_MAX ? Infinity : Math.max(0, bytesPerSecond);
  }

  get limited(): boolean {
    return this.boundValue !== Infinity;
  }

  record(bytes: number, now = Date.now()): void {
    this.purge(now);
    const last = this.starts.length - 1;
    if (last >= 0 && now - this.starts[last]! < this.window.windowMs) {
      this.counts[last] = this.counts[last]! + bytes;
      return;
    }
    this.starts.push(now);
    this.counts.push(bytes);
    if (this.starts.length > this.window.samples) {
      this.starts.shift();
      this.counts.shift();
    }
  }

  /** Bytes per second measured at `now`. */
  rate(now = Date.now()): number {
    this.purge(now);
    if (this.starts.length === 0) return 0;
    return (this.sum(0) * 1000) / this.span(this.starts[0]!, now);
  }

  exceeded(now = Date.now()): boolean {
    return this.limited && this.rate(now) > this.boundValue;
  }

  /**
   * How long until the rate is back within the bound if nothing more is recorded: 0 when it is
   * now. Between two samples expiring the bytes counted stay the same while the time they are
   * divided by grows, so within each such stretch the answer is solved for directly.
   */
  msUntilWithin(now = Date.now()): number {
    if (!this.exceeded(now)) return 0;
    const n = this.starts.length;
    let sum = this.sum(0);
    let from = now;
    for (let i = 0; i < n; i++) {
      const expires = this.starts[i]! + this.expiryMs;
      // The span that brings `sum` down to the bound (Infinity for a bound of 0).
      const needed = sum > 0 ? (sum * 1000) / this.boundValue : 0;
      const at = needed <= this.minSpanMs ? from : Math.max(from, this.starts[i]! + needed);
      if (at < expires) return Math.max(1, Math.ceil(at - now));
      sum -= this.counts[i]!;
      from = Math.max(from, expires);
    }
    return Math.max(1, Math.ceil(from - now));
  }

  /** The time the samples are divided by: since the oldest began, at least all samples but one. */
  private span(oldest: number, now: number): number {
    return Math.max(now - oldest, this.minSpanMs);
  }

  private get minSpanMs(): number {
    return Math.max(this.window.samples - 1, 1) * this.window.windowMs;
  }

  private get expiryMs(): number {
    return this.window.samples * this.window.windowMs;
  }

  private sum(from: number): number {
    let sum = 0;
    for (let i = from; i < this.counts.length; i++) sum += this.counts[i]!;
    return sum;
  }

  private purge(now: number): void {
    let gone = 0;
    while (gone < this.starts.length && now - this.starts[gone]! >= this.expiryMs) gone++;
    if (gone > 0) {
      this.starts.splice(0, gone);
      this.counts.splice(0, gone);
    }
  }
}

/** A throttled replica list, parsed: every partition on every broker, or brokers by partition. */
export type ThrottledReplicas = 'all' | ReadonlyMap<number, ReadonlySet<number>>;

/**
 * Reads a throttled replica list (already checked by the topic config's format, so anything else
 * in it is skipped): "" none, "*" all, "partition:broker,...".
 */
export function parseThrottledReplicas(text: string): ThrottledReplicas {
  if (text.trim() === '*') return 'all';
  const byPartition = new Map<number, Set<number>>();
  for (const item of text.split(',')) {
    const m = /^\s*(\d+):(\d+)\s*$/.exec(item);
    if (!m) continue;
    const partition = Number(m[1]);
    let brokers = byPartition.get(partition);
    if (!brokers) byPartition.set(partition, (brokers = new Set()));
    brokers.add(Number(m[2]));
  }
  return byPartition;
}

/** Whether `list` throttles `partition` on broker `brokerId`. */
export function throttles(list: ThrottledReplicas, partition: number, brokerId: number): boolean {
  return list === 'all' || (list.get(partition)?.has(brokerId) ?? false);
}

/** Which of a partition's lists a quota reads. */
export type QuotaSide = 'leader' | 'follower';

const LIST_OF: Record<QuotaSide, keyof LogConfig> = {
  leader: 'leaderReplicationThrottledReplicas',
  follower: 'followerReplicationThrottledReplicas',
};

/** Distinct list texts kept parsed; more (a churn of configs) starts the cache again. */
const PARSED_LIMIT = 1024;

/** One side's throttle on this broker: its rate meter and which partitions it covers here. */
export class ReplicationQuota {
  readonly meter: RateMeter;
  private readonly parsed = new Map<string, ThrottledReplicas>();

  constructor(
    readonly side: QuotaSide,
    private readonly brokerId: number,
    /** The log config of a partition this broker holds, or undefined. */
    private readonly configOf: (topic: string, partition: number) => Readonly<LogConfig> | undefined,
    window: QuotaWindow,
    bytesPerSecond: number,
  ) {
    this.meter = new RateMeter(window, bytesPerSecond);
  }

  /** Whether the topic's list for this side throttles the partition on this broker. */
  isThrottled(topic: string, partition: number): boolean {
    const text = this.configOf(topic, partition)?.[LIST_OF[this.side]] as string | undefined;
    if (!text) return false;
    let list = this.parsed.get(text);
    if (!list) {
      if (this.parsed.size >= PARSED_LIMIT) this.parsed.clear();
      list = parseThrottledReplicas(text);
      this.parsed.set(text, list);
    }
    return throttles(list, partition, this.brokerId);
  }

  /** Whether a rate is set (else nothing is throttled, nor counted). */
  get limited(): boolean {
    return this.meter.limited;
  }

  exceeded(now?: number): boolean {
    return this.meter.exceeded(now);
  }

  record(bytes: number, now?: number): void {
    this.meter.record(bytes, now);
  }

  msUntilWithin(now?: number): number {
    return this.meter.msUntilWithin(now);
  }
}

/** A broker's two replication quotas (the replica manager keeps them). */
export class ReplicationQuotas {
  readonly leader: ReplicationQuota;
  readonly follower: ReplicationQuota;

  constructor(
    brokerId: number,
    config: ReplicationThrottleConfig,
    configOf: (topic: string, partition: number) => Readonly<LogConfig> | undefined,
  ) {
    const window = { samples: config.windowNum, windowMs: config.windowMs };
    this.leader = new ReplicationQuota('leader', brokerId, configOf, window, config.leaderRate);
    this.follower = new ReplicationQuota('follower', brokerId, configOf, window, config.followerRate);
  }

  /** New rates (dynamic broker configs), in effect from the next decision. */
  setRates(rates: { leader: number; follower: number }): void {
    this.leader.meter.bound = rates.leader;
    this.follower.meter.bound = rates.follower;
  }
}
