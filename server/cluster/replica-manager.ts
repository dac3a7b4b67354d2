/**
 * A cluster broker's replicas: which partitions it holds, and for each whether it leads it or
 * follows, at which leader epoch, as the controller last said (LeaderAndIsr). Produce, Fetch and
 * ListOffsets ask it first: a partition this broker does not lead is NOT_LEADER_OR_FOLLOWER (the
 * client refreshes its metadata and goes to the leader), one the cluster does not know is
 * UNKNOWN_TOPIC_OR_PARTITION.
 *
 * Roles: a partition it leads goes to the leaderships (replication/leaderships.ts: followers'
 * progress, the ISR, which the leader keeps, the high watermark, acks=all); one it follows goes
 * to the fetcher of its leader's broker (replication/replica-fetcher.ts), which first truncates
 * it to what the leader has. Both logs are `replicated`: their high watermark moves only as
 * replication says, and is restored from replication-offset-checkpoint when the broker starts.
 *
 * A LeaderAndIsr for a partition new to this broker makes its log, with the topic's id, partition
 * count and configs read from ZooKeeper (as Kafka's brokers read topic configs there). A state
 * with a leader epoch older than the one held is refused for that partition
 * (STALE_CONTROLLER_EPOCH), so a late request from a deposed controller cannot undo a newer one.
 *
 * It keeps the broker's replication throttles (`quotas`, replication/replication-quota.ts): the
 * follower one goes to its fetchers, the Fetch handler asks the leader one.
 */
import type { LogManager, PartitionLog } from '../../engine/index.js';
import type { ReplicationConfig } from '../config/broker-config.js';
import type { LeaderAndIsrApi } from '../protocol/apis/leader-and-isr.js';
import { ErrorCode } from '../protocol/error-codes.js';
import type { RequestOf, ResponseOf } from '../protocol/message-types.js';
import type { AppendWaiters } from './append-waiters.js';
import type { MetadataCache } from './metadata-cache.js';
import type { LeaderPartition } from './replication/leader-partition.js';
import { Leaderships, type ReplicaState } from './replication/leaderships.js';

export type { ReplicaState };
import { runFetchTask } from './replication/replica-fetch-pool.js';
import { ReplicaFetcher } from './replication/replica-fetcher.js';
import { NO_THROTTLE, ReplicationQuotas } from './replication/replication-quota.js';
import type { TopicManager } from './topic-manager.js';
import type { ZkClient } from './zookeeper/zk-client.js';
import { readTopicsToHost, refuseAll } from './leader-and-isr-topics.js';
import { partitionState } from './zookeeper/zk-topics.js';
import type { PartitionState } from './zookeeper/znodes.js';
import { removeReplicaData } from './replica-removal.js';

type LeaderAndIsrRequest = RequestOf<typeof LeaderAndIsrApi>;
type PartitionError = ResponseOf<typeof LeaderAndIsrApi>['partitionErrors'][number];

export interface ReplicaManagerOptions {
  brokerId: number;
  topics: TopicManager;
  logs: LogManager;
  zk: ZkClient;
  cache: MetadataCache;
  config: ReplicationConfig;
  brokerEpoch: () => number;
  /** Long polls waiting on a partition: woken when its high watermark moves. */
  waiters: AppendWaiters;
  /**
   * Writes a leader's ISR change: the state znode, version-checked against `zkVersion`, and a
   * change notification for the controller. Resolves with the new version, or null when the
   * version check failed (the controller changed the state meanwhile).
   */
  writeIsr: (
    topic: string,
    partition: number,
    state: PartitionState,
    zkVersion: number,
  ) => Promise<number | null>;
  log: (message: string) => void;
  /**
   * The topics whose configs a LeaderAndIsr read from ZooKeeper to host their replicas: a config
   * change made between that read and the hosting found no replica to apply to, so the broker's
   * config sync reads them again now.
   */
  onTopicsRead?: (topics: string[]) => void;
}

export class ReplicaManager {
  private readonly states = new Map<string, ReplicaState>();
  private readonly fetchers = new Map<number, ReplicaFetcher>();
  private readonly leaderships: Leaderships;
  private stopped = false;
  /** Counts session expiries (suspend): a LeaderAndIsr read across one is stale. */
  private generation = 0;
  private applying: Promise<void> = Promise.resolve();
  /** The replication throttles; their rates follow the dynamic broker configs (applyDynamicConfigs). */
  readonly quotas: ReplicationQuotas;

  constructor(private readonly options: ReplicaManagerOptions) {
    this.quotas = new ReplicationQuotas(
      options.brokerId,
      options.config.throttle ?? NO_THROTTLE,
      (topic, partition) => options.logs.getLog(topic, partition)?.config,
    );
    this.leaderships = new Leaderships({
      brokerId: options.brokerId,
      config: options.config,
      waiters: options.waiters,
      writeIsr: options.writeIsr,
      stateOf: (topic, partition) => this.states.get(key(topic, partition)),
      readState: (topic, partition) => partitionState(options.zk, topic, partition),
      log: options.log,
    });
  }

  private get brokerId(): number {
    return this.options.brokerId;
  }

  /** Told when this broker starts or stops leading a partition (the group coordinator listens). */
  onLeadershipChange(listener: (topic: string, partition: number, leading: boolean) => void): void {
    this.leaderships.onChange(listener);
  }

  /** This broker's state of a partition it holds, or undefined. */
  stateOf(topic: string, partition: number): ReplicaState | undefined {
    return this.states.get(key(topic, partition));
  }

  /** Every partition this broker leads now (for metrics). */
  leaders(): IterableIterator<LeaderPartition> {
    return this.leaderships.all();
  }

  /** Every partition this broker holds, by `topic-partition`, with its state (for metrics and readiness). */
  held(): IterableIterator<[string, ReplicaState]> {
    return this.states.entries();
  }

  /** ISR changes this broker wrote as a leader. */
  get isrChanges(): { shrinks: number; expands: number } {
    return { shrinks: this.leaderships.isrShrinks, expands: this.leaderships.isrExpands };
  }

  /** The leader-side state of a partition this broker leads, or undefined. */
  leaderOf(topic: string, partition: number): LeaderPartition | undefined {
    return this.leaderships.get(topic, partition);
  }

  /** NONE if this broker leads the partition now, else the error a client request gets. */
  leaderError(topic: string, partition: number): number {
    const state = this.states.get(key(topic, partition));
    if (state) return state.leader === this.brokerId ? ErrorCode.NONE : ErrorCode.NOT_LEADER_OR_FOLLOWER;
    return this.options.cache.partition(topic, partition)
      ? ErrorCode.NOT_LEADER_OR_FOLLOWER
      : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
  }

  /**
   * A request's current leader epoch against this leader's (-1: the client does not know one):
   * older is FENCED_LEADER_EPOCH, newer UNKNOWN_LEADER_EPOCH (this broker has not heard yet).
   */
  leaderEpochError(topic: string, partition: number, currentLeaderEpoch: number): number {
    if (currentLeaderEpoch < 0) return ErrorCode.NONE;
    const state = this.states.get(key(topic, partition));
    if (!state) return ErrorCode.NONE;
    if (currentLeaderEpoch < state.leaderEpoch) return ErrorCode.FENCED_LEADER_EPOCH;
    if (currentLeaderEpoch > state.leaderEpoch) return ErrorCode.UNKNOWN_LEADER_EPOCH;
    return ErrorCode.NONE;
  }

  /** The leader epoch this broker holds for the partition (the one it stamps on appends), or -1. */
  leaderEpochOf(topic: string, partition: number): number {
    return this.states.get(key(topic, partition))?.leaderEpoch ?? -1;
  }

  /** Applies a LeaderAndIsr request (its epochs already checked); one error per partition. */
  becomeLeaderOrFollower(request: LeaderAndIsrRequest): Promise<PartitionError[]> {
    // One at a time, in arrival order: each checks epochs against what the one before applied.
    const applied = this.applying.then(() => this.applyLeaderAndIsr(request));
    this.applying = applied.then(
      () => undefined,
      () => undefined,
    );
    return applied;
  }

  private async applyLeaderAndIsr(request: LeaderAndIsrRequest): Promise<PartitionError[]> {
    // The broker is stopping: it takes no role now (a fetcher started now would outlive it).
    if (this.stopped) return refuseAll(request);
    const errors: PartitionError[] = [];
    const grouped = request.topicStates.flatMap((t) =>
      t.partitionStates.map((p) => ({ ...p, topicName: t.topicName })),
    );
    const endpoints = new Map(
      request.liveLeaders.map((l) => [l.brokerId, { host: l.hostName, port: l.port }]),
    );
    const partitions = [...request.ungroupedPartitionStates, ...grouped];
    // Each topic with a partition to take, read from ZooKeeper together (leader-and-isr-topics.ts).
    const wanted = partitions
      .filter(
        (p) =>
          p.replicas.includes(this.brokerId) &&
          !this.staleEpoch(p.topicName, p.partitionIndex, p.leaderEpoch),
      )
      .map((p) => p.topicName);
    const generation = this.generation;
    const topicInfo = await readTopicsToHost(this.options.zk, [...new Set(wanted)], this.options.log);
    // Stopped, or the session expired (every role dropped), while reading: this request is stale.
    if (this.stopped || this.generation !== generation) return refuseAll(request);
    for (const p of partitions) {
      const topicName = p.topicName;
      const partitionIndex = p.partitionIndex;
      const fail = (errorCode: number): number => errors.push({ topicName, partitionIndex, errorCode });
      if (!p.replicas.includes(this.brokerId)) {
        fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        continue;
      }
      const held = this.states.get(key(topicName, partitionIndex));
      if (this.staleEpoch(topicName, partitionIndex, p.leaderEpoch)) {
        fail(ErrorCode.STALE_CONTROLLER_EPOCH);
        continue;
      }
      const info = topicInfo.get(topicName);
      if (!info) {
        fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        continue;
      }
      const failed = this.options.topics.hostReplica(
        topicName,
        info.id,
        info.count,
        info.configs,
        partitionIndex,
      );
      const log = failed ? undefined : this.options.logs.getLog(topicName, partitionIndex);
      if (!log) {
        this.options.log(failed?.errorMessage ?? `cannot host ${topicName}-${partitionIndex}`);
        fail(ErrorCode.KAFKA_STORAGE_ERROR);
        continue;
      }
      const role = p.leader === this.brokerId ? 'leader' : 'follower';
      const changed = !held || held.leader !== p.leader || held.leaderEpoch !== p.leaderEpoch;
      if (changed)
        this.options.log(`${topicName}-${partitionIndex}: ${role} at leader epoch ${p.leaderEpoch}`);
      // The same epoch again (a new controller repeating it): an ISR this leader wrote since
      // is newer than what the controller read, unless the controller's version says otherwise.
      const keepOwn = !changed && held && held.zkVersion > p.zkVersion;
      const state: ReplicaState = keepOwn
        ? { ...held, replicas: [...p.replicas] }
        : {
            leader: p.leader,
            leaderEpoch: p.leaderEpoch,
            isr: [...p.isr],
            replicas: [...p.replicas],
            zkVersion: p.zkVersion,
            controllerEpoch: p.controllerEpoch,
          };
      this.states.set(key(topicName, partitionIndex), state);
      this.makeReplicated(topicName, partitionIndex, log);
      if (role === 'leader') this.makeLeader(topicName, partitionIndex, log, state, changed);
      else this.makeFollower(topicName, info.id, partitionIndex, log, state, endpoints.get(p.leader));
      fail(ErrorCode.NONE);
    }
    const read = [...topicInfo].filter(([, info]) => info !== null).map(([topic]) => topic);
    if (read.length > 0) this.options.onTopicsRead?.(read);
    return errors;
  }

  /** Whether this broker holds the partition at a newer leader epoch than `leaderEpoch`. */
  private staleEpoch(topic: string, partition: number, leaderEpoch: number): boolean {
    const held = this.states.get(key(topic, partition));
    return held !== undefined && leaderEpoch < held.leaderEpoch;
  }

  /** A log that replicates: its high watermark from the checkpoint, then only as replication moves it. */
  private makeReplicated(topic: string, partition: number, log: PartitionLog): void {
    if (log.replicated) return;
    log.replicated = true;
    log.setHighWatermark(this.options.logs.checkpointedHighWatermark(topic, partition) ?? 0);
  }

  private makeLeader(
    topic: string,
    partition: number,
    log: PartitionLog,
    state: ReplicaState,
    changed: boolean,
  ): void {
    this.unfollow(topic, partition);
    this.leaderships.lead(topic, partition, log, state, changed);
  }

  private makeFollower(
    topic: string,
    topicId: string,
    partition: number,
    log: PartitionLog,
    state: ReplicaState,
    endpoint: { host: string; port: number } | undefined,
  ): void {
    this.leaderships.resign(topic, partition);
    if (state.leader < 0 || !endpoint) {
      // No leader now: nothing to fetch from until the controller names one.
      this.unfollow(topic, partition);
      return;
    }
    const following = this.fetchers.get(state.leader);
    if (following?.setLeaderEpoch(topic, partition, state.leaderEpoch)) {
      // The same leader at its next epoch (the controller changed the ISR): go on fetching.
      following.moveTo(endpoint);
      return;
    }
    this.unfollow(topic, partition);
    let fetcher = this.fetchers.get(state.leader);
    if (!fetcher) {
      fetcher = new ReplicaFetcher(state.leader, endpoint, {
        brokerId: this.brokerId,
        brokerEpoch: this.options.brokerEpoch,
        config: this.options.config,
        run: runFetchTask,
        log: this.options.log,
        quota: this.quotas.follower,
      });
      this.fetchers.set(state.leader, fetcher);
    } else fetcher.moveTo(endpoint);
    fetcher.add({ topic, topicId, partition, log, leaderEpoch: state.leaderEpoch });
  }

  private unfollow(topic: string, partition: number): void {
    for (const [id, fetcher] of this.fetchers) {
      fetcher.remove(topic, partition);
      if (fetcher.size === 0) {
        void fetcher.stop();
        this.fetchers.delete(id);
      }
    }
  }

  /** See Leaderships.recordFollowerFetch. */
  recordFollowerFetch(topic: string, partition: number, replicaId: number, fetchOffset: number): boolean {
    return this.leaderships.recordFollowerFetch(topic, partition, replicaId, fetchOffset);
  }

  /** See Leaderships.awaited (a leader's fetch answers to followers do not linger then). */
  awaitsReplication(topic: string, partition: number): boolean {
    return this.leaderships.awaited(topic, partition);
  }

  /** See Leaderships.enoughReplicasError (acks=all before the append). */
  enoughReplicasError(topic: string, partition: number, log: PartitionLog): number {
    return this.leaderships.enoughReplicasError(topic, partition, log);
  }

  /** See Leaderships.waitForReplication (acks=all after the append). */
  waitForReplication(topic: string, partition: number, offset: number, timeoutMs: number): Promise<number> {
    return this.leaderships.waitForReplication(topic, partition, offset, timeoutMs);
  }

  /** See Leaderships.describe (why acks=all requests wait, for the produce refusal log). */
  describeLeadership(topic: string, partition: number): string | undefined {
    return this.leaderships.describe(topic, partition);
  }

  /**
   * Stops being a replica of these partitions (StopReplica), deleting their data with
   * `deleteData` (replica-removal.ts: a topic deleted, or a replica a partition move removed).
   * One error per partition.
   */
  async stopReplicas(
    partitions: { topic: string; partition: number }[],
    deleteData: boolean,
  ): Promise<PartitionError[]> {
    for (const { topic, partition } of partitions) {
      this.states.delete(key(topic, partition));
      this.leaderships.resign(topic, partition);
      this.unfollow(topic, partition);
    }
    if (deleteData) return removeReplicaData(this.options, partitions);
    return partitions.map((p) => ({
      topicName: p.topic,
      partitionIndex: p.partition,
      errorCode: ErrorCode.NONE,
    }));
  }

  /**
   * The broker's ZooKeeper session expired: the controller counts it as gone and has moved its
   * leaderships. It drops every role at once — waiting acks=all requests get NOT_LEADER_OR_FOLLOWER,
   * fetchers stop — and takes them up again only when the controller, seeing it registered anew,
   * tells it (LeaderAndIsr).
   */
  suspend(): void {
    if (this.stopped) return;
    this.generation++;
    const held = this.states.size;
    this.leaderships.resignAll();
    for (const fetcher of this.fetchers.values()) void fetcher.stop();
    this.fetchers.clear();
    this.states.clear();
    if (held > 0)
      this.options.log(
        `ZooKeeper session expired: dropped the roles of ${held} partition(s) until the controller says again`,
      );
  }

  /** Stops every fetcher and answers every waiting acks=all request (the broker is stopping). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.leaderships.stop();
    // Nothing is led or followed from now on: clients get NOT_LEADER_OR_FOLLOWER.
    this.states.clear();
    const fetchers = [...this.fetchers.values()];
    this.fetchers.clear();
    await Promise.all(fetchers.map((f) => f.stop()));
  }
}

function key(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}
