/**
 * A partition this broker leads, as the leader sees its followers (Kafka's Partition on the
 * leader): each follower's log end (the offset it last fetched from) and when it was last caught
 * up, the in-sync replica set, the high watermark, and the produce requests with acks=all waiting
 * for it.
 *
 * - A follower is caught up when it fetched from the leader's log end, or from the log end the
 *   leader had at its previous fetch (it fetches continuously and reached what was there).
 * - The high watermark is the smallest log end among the ISR (the leader's own included); it
 *   only moves up. An ISR of the leader alone follows the leader's log end.
 * - A follower outside the ISR whose log end reached the high watermark (and this leader epoch's
 *   first offset) is a candidate to join; one inside that has not been caught up for
 *   replica.lag.time.max.ms is to leave. The replica manager writes those changes to ZooKeeper
 *   and then applies them here (setIsr).
 */
import type { PartitionLog } from '../../../engine/index.js';
import { recordReplicationLatency } from './replication-latency.js';

interface FollowerState {
  logEndOffset: number;
  lastCaughtUpMs: number;
  lastFetchMs: number;
  /** The leader's log end at this follower's previous fetch. */
  leaderEndAtLastFetch: number;
}

export type WaitOutcome = 'replicated' | 'timed-out' | 'not-leader';

interface Waiter {
  offset: number;
  resolve: (outcome: WaitOutcome) => void;
  timer: NodeJS.Timeout;
}

export interface LeaderState {
  leaderEpoch: number;
  isr: readonly number[];
  replicas: readonly number[];
  zkVersion: number;
  controllerEpoch: number;
}

export class LeaderPartition {
  private isrSet: Set<number>;
  private readonly followers = new Map<number, FollowerState>();
  private waiters: Waiter[] = [];
  /** Where this leader epoch began in the log: a follower must reach it before it joins the ISR. */
  epochStartOffset: number;
  /**
   * The ISR being written to ZooKeeper, if a change is in flight (one at a time). Until the write
   * is answered the high watermark counts the members of both (Kafka's "maximal ISR"): ZooKeeper
   * may already name a joining follower, which the controller could elect.
   */
  private pendingIsr: Set<number> | undefined;
  private ended = false;
  state: LeaderState;

  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly log: PartitionLog,
    private readonly brokerId: number,
    state: LeaderState,
    now = Date.now(),
  ) {
    this.state = { ...state, isr: [...state.isr], replicas: [...state.replicas] };
    this.isrSet = new Set(state.isr);
    this.epochStartOffset = log.logEndOffset;
    for (const id of state.replicas) {
      if (id === brokerId) continue;
      // Followers named in the ISR get a full lag period to show they are alive.
      this.followers.set(id, {
        logEndOffset: -1,
        lastCaughtUpMs: this.isrSet.has(id) ? now : 0,
        lastFetchMs: 0,
        leaderEndAtLastFetch: -1,
      });
    }
  }

  get isr(): readonly number[] {
    return this.state.isr;
  }

  get isrSize(): number {
    return this.isrSet.size;
  }

  /**
   * The controller's newer state for this partition, this broker still its leader (an ISR change
   * the controller made bumps the leader epoch too); waiting acks=all requests carry on.
   */
  update(state: LeaderState, now = Date.now()): void {
    if (state.leaderEpoch !== this.state.leaderEpoch) this.epochStartOffset = this.log.logEndOffset;
    this.state = { ...state, isr: [...state.isr], replicas: [...state.replicas] };
    this.isrSet = new Set(state.isr);
    for (const id of state.replicas) {
      if (id !== this.brokerId && !this.followers.has(id)) {
        this.followers.set(id, {
          logEndOffset: -1,
          lastCaughtUpMs: now,
          lastFetchMs: 0,
          leaderEndAtLastFetch: -1,
        });
      }
    }
    for (const id of this.followers.keys()) if (!state.replicas.includes(id)) this.followers.delete(id);
  }

  /** A follower's fetch from `fetchOffset`: its log end is there. False if it is not a replica. */
  recordFetch(replicaId: number, fetchOffset: number, now = Date.now()): boolean {
    const follower = this.followers.get(replicaId);
    if (!follower) return false;
    const leaderEnd = this.log.logEndOffset;
    // Past this log's end, the follower holds records this leader does not (it has yet to
    // truncate): that is no progress, and must not move the high watermark.
    if (fetchOffset > leaderEnd) return true;
    if (fetchOffset >= leaderEnd) follower.lastCaughtUpMs = now;
    else if (fetchOffset >= follower.leaderEndAtLastFetch && follower.leaderEndAtLastFetch >= 0)
      follower.lastCaughtUpMs = Math.max(follower.lastCaughtUpMs, follower.lastFetchMs);
    follower.logEndOffset = fetchOffset;
    follower.lastFetchMs = now;
    follower.leaderEndAtLastFetch = leaderEnd;
    return true;
  }

  /**
   * Whether `replicaId`, outside the ISR, has caught up enough to join it (asked when it fetches:
   * only a follower's own fetch shows it is alive — a dead one's last offsets must not bring it
   * back after the controller took it out).
   */
  canJoin(replicaId: number): boolean {
    const f = this.followers.get(replicaId);
    if (!f || this.isrSet.has(replicaId)) return false;
    return f.logEndOffset >= this.log.highWatermark && f.logEndOffset >= this.epochStartOffset;
  }

  /** ISR followers not caught up within `lagMaxMs`. */
  laggingFollowers(lagMaxMs: number, now = Date.now()): number[] {
    const out: number[] = [];
    for (const id of this.isrSet) {
      if (id === this.brokerId) continue;
      const f = this.followers.get(id);
      if (!f || now - f.lastCaughtUpMs > lagMaxMs) out.push(id);
    }
    return out;
  }

  /** Whether an acks=all request (or an offset commit) waits for the high watermark to move. */
  get awaited(): boolean {
    return this.waiters.length > 0;
  }

  /** Whether this leadership has ended (resign): a new one of the partition is another object. */
  get resigned(): boolean {
    return this.ended;
  }

  get isrWriteInFlight(): boolean {
    return this.pendingIsr !== undefined;
  }

  /** An ISR change is being written: its members count for the high watermark from now. */
  beginIsrChange(isr: readonly number[]): void {
    this.pendingIsr = new Set(isr);
  }

  /** The write ended (applied with setIsr, or refused): only the ISR in effect counts again. */
  endIsrChange(): void {
    this.pendingIsr = undefined;
  }

  /** The ISR as written to ZooKeeper (with its new version); the high watermark may move. */
  setIsr(isr: readonly number[], zkVersion: number): void {
    this.state = { ...this.state, isr: [...isr], zkVersion };
    this.isrSet = new Set(isr);
  }

  /**
   * Moves the high watermark to the smallest log end of the ISR, if that is higher; wakes the
   * acks=all requests it covers. Returns whether it moved.
   */
  updateHighWatermark(): boolean {
    let hw = this.log.logEndOffset;
    const members = this.pendingIsr ? new Set([...this.isrSet, ...this.pendingIsr]) : this.isrSet;
    for (const id of members) {
      if (id === this.brokerId) continue;
      const f = this.followers.get(id);
      // A follower in the ISR not heard from since this broker became leader holds it back.
      hw = Math.min(hw, f ? Math.max(f.logEndOffset, 0) : 0);
    }
    if (hw <= this.log.highWatermark) return false;
    this.log.setHighWatermark(hw);
    this.wake();
    return true;
  }

  /**
   * Resolves once the high watermark reaches `offset` ('replicated'), after `timeoutMs`
   * ('timed-out'), or when this broker stops leading ('not-leader').
   */
  waitFor(offset: number, timeoutMs: number): Promise<WaitOutcome> {
    if (this.log.highWatermark >= offset) return Promise.resolve('replicated');
    const created = performance.now();
    return new Promise((resolve) => {
      const waiter: Waiter = {
        offset,
        resolve: (outcome) => {
          // Only waits that ended replicated (replication-latency.ts; the immediate path above is not one).
          if (outcome === 'replicated') recordReplicationLatency(performance.now() - created);
          resolve(outcome);
        },
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          resolve('timed-out');
        }, timeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  /** Every waiting request gets 'not-leader' (leadership moved, or the broker stops). */
  resign(): void {
    this.ended = true;
    const all = this.waiters;
    this.waiters = [];
    for (const w of all) {
      clearTimeout(w.timer);
      w.resolve('not-leader');
    }
  }

  /**
   * The leader's view in a line, for a log that must explain why acks=all requests wait: high
   * watermark, log end, leader epoch, ISR (and a change being written), and for each follower its
   * log end, when it last fetched and when it was last caught up.
   */
  describe(now = Date.now()): string {
    const ago = (ms: number): string => (ms > 0 ? `${((now - ms) / 1000).toFixed(1)} s ago` : 'never');
    const pending = this.pendingIsr ? ` (ISR [${[...this.pendingIsr].join(',')}] being written)` : '';
    const followers = [...this.followers].map(
      ([id, f]) =>
        `follower ${id}${this.isrSet.has(id) ? '' : ' (not in the ISR)'} ` +
        `${f.logEndOffset < 0 ? 'not heard from' : `at ${f.logEndOffset}`}, ` +
        `fetched ${ago(f.lastFetchMs)}, caught up ${ago(f.lastCaughtUpMs)}`,
    );
    return (
      `leader at epoch ${this.state.leaderEpoch}: high watermark ${this.log.highWatermark}, ` +
      `log end ${this.log.logEndOffset}, ISR [${this.state.isr.join(',')}]${pending}` +
      (followers.length > 0 ? `; ${followers.join('; ')}` : '')
    );
  }

  private wake(): void {
    if (this.waiters.length === 0) return;
    const hw = this.log.highWatermark;
    const still: Waiter[] = [];
    for (const w of this.waiters) {
      if (w.offset <= hw) {
        clearTimeout(w.timer);
        w.resolve('replicated');
      } else still.push(w);
    }
    this.waiters = still;
  }
}
