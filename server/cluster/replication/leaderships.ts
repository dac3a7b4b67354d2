/**
 * The partitions this broker leads, and what leading means for them: each one's LeaderPartition
 * (followers' progress, ISR, high watermark, acks=all waiters), the high watermark moved after
 * every append and every follower fetch, and the ISR kept by the leader — a follower that caught
 * up joins, one not caught up for replica.lag.time.max.ms leaves (checked every half of it).
 * Changes are written to ZooKeeper first (the partition's state znode, version-checked against
 * the version the controller gave, and a change notification for the controller); a failed
 * version check means the controller changed the state, and the leader waits to be told.
 * The replica manager (../replica-manager.ts) decides when this broker leads.
 */
import type { PartitionLog } from '../../../engine/index.js';
import type { ReplicationConfig } from '../../config/broker-config.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import type { AppendWaiters } from '../append-waiters.js';
import type { PartitionState } from '../zookeeper/znodes.js';
import { LeaderPartition, type WaitOutcome } from './leader-partition.js';

/** A partition's state as the controller gave it (LeaderAndIsr), as this broker holds it. */
export interface ReplicaState {
  leader: number;
  leaderEpoch: number;
  isr: number[];
  replicas: number[];
  zkVersion: number;
  controllerEpoch: number;
}

export interface LeadershipsOptions {
  brokerId: number;
  config: ReplicationConfig;
  waiters: AppendWaiters;
  writeIsr: (
    topic: string,
    partition: number,
    state: PartitionState,
    zkVersion: number,
  ) => Promise<number | null>;
  /** The partition's state znode as it is now, with its version (null if gone). */
  readState: (topic: string, partition: number) => Promise<(PartitionState & { zkVersion: number }) | null>;
  /** The partition's state as the controller last gave it (updated here when the ISR changes). */
  stateOf: (topic: string, partition: number) => ReplicaState | undefined;
  log: (message: string) => void;
}

export class Leaderships {
  private readonly leaders = new Map<string, LeaderPartition>();
  private readonly isrTimer: NodeJS.Timeout;
  private stopped = false;
  private listener: ((topic: string, partition: number, leading: boolean) => void) | undefined;
  /** ISR changes this leader wrote, by direction (Kafka's IsrShrinksPerSec and IsrExpandsPerSec). */
  isrShrinks = 0;
  isrExpands = 0;

  constructor(private readonly options: LeadershipsOptions) {
    const every = Math.max(10, Math.floor(options.config.lagTimeMaxMs / 2));
    this.isrTimer = setInterval(() => this.shrinkIsrs(), every);
    this.isrTimer.unref();
  }

  private get brokerId(): number {
    return this.options.brokerId;
  }

  /** Told when this broker starts or stops leading a partition. */
  onChange(listener: (topic: string, partition: number, leading: boolean) => void): void {
    this.listener = listener;
  }

  get(topic: string, partition: number): LeaderPartition | undefined {
    return this.leaders.get(key(topic, partition));
  }

  /** Every partition this broker leads now. */
  all(): IterableIterator<LeaderPartition> {
    return this.leaders.values();
  }

  /**
   * Leads the partition as `state` says: a new leadership starts at the log end with the new
   * epoch; one held already (an ISR change the controller made, at a new epoch or the same one)
   * takes the new state, and its waiting acks=all requests carry on.
   */
  lead(topic: string, partition: number, log: PartitionLog, state: ReplicaState, newEpoch: boolean): void {
    const k = key(topic, partition);
    const current = this.leaders.get(k);
    if (current) {
      if (newEpoch) log.assignLeaderEpoch(state.leaderEpoch);
      current.update(state);
    } else {
      log.assignLeaderEpoch(state.leaderEpoch);
      this.leaders.set(k, new LeaderPartition(topic, partition, log, this.brokerId, state));
      // Every append (produce, the group coordinator's) may move the high watermark.
      log.onAppend = () => this.afterLeaderProgress(topic, partition);
      this.listener?.(topic, partition, true);
    }
    this.afterLeaderProgress(topic, partition);
  }

  /**
   * Stops leading the partition, if it did: waiting acks=all requests get NOT_LEADER_OR_FOLLOWER,
   * and fetches waiting on it (followers' long polls and lingering fetches, consumers' long polls)
   * are woken to get theirs now rather than when their wait ends.
   */
  resign(topic: string, partition: number): void {
    const k = key(topic, partition);
    const leader = this.leaders.get(k);
    if (!leader) return;
    leader.resign();
    this.leaders.delete(k);
    leader.log.onAppend = undefined;
    this.options.waiters.notify(k);
    this.listener?.(topic, partition, false);
  }

  /**
   * A follower fetched `fetchOffset` of a partition this broker leads: its progress is noted, the
   * high watermark may move, and a follower that caught up may join the ISR. False when the
   * fetcher is not a replica of it.
   */
  recordFollowerFetch(topic: string, partition: number, replicaId: number, fetchOffset: number): boolean {
    const leader = this.leaders.get(key(topic, partition));
    if (!leader || !leader.recordFetch(replicaId, fetchOffset)) return false;
    this.afterLeaderProgress(topic, partition);
    if (leader.canJoin(replicaId))
      this.changeIsr(leader, [...leader.isr, replicaId], `${replicaId} caught up`);
    return true;
  }

  /** The leader's log grew (or its ISR shrank): the high watermark may move, waking long polls. */
  afterLeaderProgress(topic: string, partition: number): void {
    const leader = this.leaders.get(key(topic, partition));
    if (leader?.updateHighWatermark()) {
      this.options.waiters.notify(key(topic, partition));
    }
  }

  /** Whether an acks=all request or an offset commit waits for this partition's followers. */
  awaited(topic: string, partition: number): boolean {
    return this.leaders.get(key(topic, partition))?.awaited ?? false;
  }

  /**
   * acks=all before the append: NOT_ENOUGH_REPLICAS when the ISR is smaller than the topic's
   * min.insync.replicas, else NONE.
   */
  enoughReplicasError(topic: string, partition: number, log: PartitionLog): number {
    const leader = this.leaders.get(key(topic, partition));
    if (!leader) return ErrorCode.NOT_LEADER_OR_FOLLOWER;
    return leader.isrSize < log.config.minInsyncReplicas ? ErrorCode.NOT_ENOUGH_REPLICAS : ErrorCode.NONE;
  }

  /**
   * acks=all after the append: resolves with NONE once the high watermark reaches `offset` with
   * an ISR of at least min.insync.replicas, NOT_ENOUGH_REPLICAS_AFTER_APPEND when it got there with
   * fewer, REQUEST_TIMED_OUT after `timeoutMs`, NOT_LEADER_OR_FOLLOWER if leadership moved.
   */
  async waitForReplication(
    topic: string,
    partition: number,
    offset: number,
    timeoutMs: number,
  ): Promise<number> {
    const leader = this.leaders.get(key(topic, partition));
    if (!leader) return ErrorCode.NOT_LEADER_OR_FOLLOWER;
    const pending = leader.log.highWatermark < offset;
    const waiting = leader.waitFor(offset, timeoutMs);
    // A follower's fetch held to gather more (kiln.replica.linger.ms) is answered now: it is
    // awaited. Not when the high watermark is there already: nobody waits, nothing to hurry.
    if (pending) this.options.waiters.notify(key(topic, partition));
    const outcome: WaitOutcome = await waiting;
    if (outcome === 'not-leader') return ErrorCode.NOT_LEADER_OR_FOLLOWER;
    if (outcome === 'timed-out') return ErrorCode.REQUEST_TIMED_OUT;
    return leader.isrSize < leader.log.config.minInsyncReplicas
      ? ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND
      : ErrorCode.NONE;
  }

  /** This broker's view of a partition it leads (LeaderPartition.describe); undefined if it does not. */
  describe(topic: string, partition: number): string | undefined {
    return this.leaders.get(key(topic, partition))?.describe();
  }

  /** Drops from the ISR the followers that fell behind for longer than replica.lag.time.max.ms. */
  private shrinkIsrs(): void {
    const now = Date.now();
    for (const leader of this.leaders.values()) {
      const lagging = leader.laggingFollowers(this.options.config.lagTimeMaxMs, now);
      if (lagging.length === 0) continue;
      const isr = leader.isr.filter((id) => !lagging.includes(id));
      this.changeIsr(leader, isr, `${lagging.join(', ')} fell behind`);
    }
  }

  /** Writes a new ISR to ZooKeeper (one write at a time per partition), then applies it. */
  private changeIsr(leader: LeaderPartition, isr: number[], why: string): void {
    if (leader.isrWriteInFlight || this.stopped) return;
    const k = key(leader.topic, leader.partition);
    const state = this.options.stateOf(leader.topic, leader.partition);
    if (!state || this.leaders.get(k) !== leader) return;
    const next = [...new Set(isr)].sort((a, b) => a - b);
    leader.beginIsrChange(next);
    const written: PartitionState = {
      leader: this.brokerId,
      leaderEpoch: state.leaderEpoch,
      isr: next,
      controllerEpoch: state.controllerEpoch,
    };
    const zkVersion = state.zkVersion;
    this.options
      .writeIsr(leader.topic, leader.partition, written, zkVersion)
      .then(
        (version) => {
          // Only onto the state it was based on: the controller may have replaced it meanwhile.
          const now = this.options.stateOf(leader.topic, leader.partition);
          if (this.leaders.get(k) !== leader) return;
          if (version === null || now !== state || now.zkVersion !== zkVersion) {
            this.options.log(`${k}: the partition's state changed under the ISR write; reading it again`);
            return this.adoptStoredState(leader);
          }
          this.options.log(`${k}: ISR ${state.isr.join(',')} -> ${next.join(',')} (${why})`);
          if (next.length < state.isr.length) this.isrShrinks++;
          else if (next.length > state.isr.length) this.isrExpands++;
          state.isr = next;
          state.zkVersion = version;
          leader.setIsr(next, version);
        },
        (err: unknown) => this.options.log(`${k}: cannot write the ISR: ${(err as Error).message}`),
      )
      .catch((err: unknown) =>
        this.options.log(`${k}: cannot read the partition's state: ${(err as Error).message}`),
      )
      .finally(() => {
        leader.endIsrChange();
        this.afterLeaderProgress(leader.topic, leader.partition);
      });
  }

  /** Stops leading every partition (the broker's session expired), each as resign does. */
  resignAll(): void {
    for (const leader of [...this.leaders.values()]) this.resign(leader.topic, leader.partition);
  }

  /**
   * Takes the ISR and version ZooKeeper holds when they are still this leadership's (same leader,
   * same epoch): an ISR write raced with the controller or a repeated LeaderAndIsr, and without
   * the current version every later change would be refused. A newer epoch is the controller's to
   * announce; this waits for it.
   */
  private async adoptStoredState(leader: LeaderPartition): Promise<void> {
    const stored = await this.options.readState(leader.topic, leader.partition);
    const state = this.options.stateOf(leader.topic, leader.partition);
    if (!stored || !state || this.leaders.get(key(leader.topic, leader.partition)) !== leader) return;
    if (stored.leader !== this.brokerId || stored.leaderEpoch !== state.leaderEpoch) return;
    state.isr = [...stored.isr];
    state.zkVersion = stored.zkVersion;
    leader.setIsr(stored.isr, stored.zkVersion);
  }

  /**
   * Answers every waiting acks=all request, wakes the fetches waiting on what it led, and stops
   * the ISR checks (the broker is stopping).
   */
  stop(): void {
    this.stopped = true;
    clearInterval(this.isrTimer);
    const led = [...this.leaders];
    this.leaders.clear();
    for (const [k, leader] of led) {
      leader.resign();
      leader.log.onAppend = undefined;
      this.options.waiters.notify(k);
    }
  }
}

function key(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}
