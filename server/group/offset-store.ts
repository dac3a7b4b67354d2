/**
 * Committed offsets and group metadata, kept in the compacted internal topic __consumer_offsets
 * exactly as Kafka keeps them (kafka.coordinator.group.GroupMetadataManager; the message schemas
 * OffsetCommitKey/Value.json and GroupMetadataKey/Value.json), so compaction keeps the latest value
 * per key and a restart replays the topic. All integers big-endian; `string` is an int16 length
 * then UTF-8 (-1: null, only where marked nullable); `bytes` is an int32 length then the bytes.
 *
 * Offset commit, key version 1 (version 0 has the same layout):
 *   int16 version = 1 | string group | string topic | int32 partition
 * Offset commit, value version 3 (null value: tombstone, the offset is deleted):
 *   int16 version = 3 | int64 offset | int32 leader epoch (-1: none) | string metadata
 *   | int64 commit timestamp
 *   (v0 and v2: offset, metadata, commit timestamp; v1 adds int64 expire timestamp at the end)
 * Group metadata, key version 2:
 *   int16 version = 2 | string group
 * Group metadata, value version 3 (null value: tombstone, the group is deleted):
 *   int16 version = 3 | string protocol type | int32 generation | nullable string protocol
 *   | nullable string leader | int64 current state timestamp | int32 member count, then per member:
 *   string member id | nullable string group instance id | string client id | string client host
 *   | int32 rebalance timeout | int32 session timeout | bytes subscription | bytes assignment
 *   (v0 lacks the rebalance timeout, state timestamp and instance id; v1 adds the rebalance
 *   timeout, v2 the state timestamp, v3 the instance id)
 *
 * A group lives in one partition of the topic (offsets-topic.ts: where, and when the topic is
 * made); every write for a group is one batch appended to that partition. A topic that exists is
 * loaded at open. In a cluster, commits and group metadata are acknowledged once replicated
 * (offsets-replication.ts); tombstones are written at once, as Kafka writes them.
 */
import { buildBatch, type PartitionLog, type RecordInput } from '../../engine/index.js';
import type { BrokerContext } from '../broker-context.js';
import { NotLeaderError } from '../engine-errors.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { replayOffsetsPartition } from './offset-loader.js';
import {
  decodeGroupValue,
  decodeKey,
  decodeOffsetValue,
  groupKey,
  groupValue,
  offsetKey,
  offsetValue,
  type CommittedOffset,
  type StoredGroup,
} from './offset-records.js';
import {
  appendErrorCode,
  appendReplicated,
  OffsetsPartitionUnavailableError,
  type OffsetsReplicas,
} from './offsets-replication.js';
import { OFFSETS_TOPIC, OffsetsTopic } from './offsets-topic.js';

export type { CommittedOffset, StoredGroup, StoredMember } from './offset-records.js';
export {
  OFFSETS_TOPIC,
  OFFSETS_TOPIC_CONFIGS,
  javaStringHashCode,
  partitionForGroup,
} from './offsets-topic.js';

export interface TopicPartitionOffset {
  topic: string;
  partition: number;
  value: CommittedOffset;
}

/** Cluster mode: a commit written and waiting for replicas (Kafka's pending offset commit). */
interface PendingCommit {
  groupId: string;
  /** What enters the cache if the write succeeds: tombstones and unloads meanwhile take theirs out. */
  entries: TopicPartitionOffset[];
}

export class OffsetStore {
  /** group -> topic -> partition -> committed offset. */
  private readonly offsets = new Map<string, Map<string, Map<number, CommittedOffset>>>();
  /** Cluster mode: commits waiting for replicas. */
  private readonly pending = new Set<PendingCommit>();
  /**
   * Cluster mode: told after each write to a partition, so followers' long polls on it answer
   * at once (the broker wires it to its append waiters).
   */
  appended: ((partition: number) => void) | undefined;
  /** Group metadata found while loading; handed to the coordinator once. */
  private readonly loaded = new Map<string, StoredGroup>();

  private constructor(
    private readonly broker: BrokerContext,
    private readonly topic: OffsetsTopic,
  ) {}

  /**
   * Replays every partition of __consumer_offsets when it exists; otherwise it is made later, by
   * `ensureTopic()`. In a cluster only the partitions this broker leads are loaded, and it leads
   * none before the controller says so (LeaderAndIsr, after the broker registers): each is loaded
   * then (`reloadPartition`), and a replica it only follows is never read into memory.
   */
  static async open(broker: BrokerContext): Promise<OffsetStore> {
    const store = new OffsetStore(broker, OffsetsTopic.find(broker));
    if (store.topicCreated)
      for (let p = 0; p < store.partitions; p++) if (store.leadsPartition(p)) await store.loadPartition(p);
    return store;
  }

  /** Whether __consumer_offsets exists (made at open, or since by `ensureTopic()`). */
  get topicCreated(): boolean {
    return this.topic.exists;
  }

  /** See OffsetsTopic.ensure: false when the topic is not there (yet). */
  ensureTopic(): boolean {
    return this.topic.ensure();
  }

  get partitions(): number {
    return this.topic.partitions;
  }

  /** Replays one partition (offset-loader.ts), if this broker holds it. */
  private async loadPartition(partition: number): Promise<void> {
    const log = this.broker.logs.getLog(OFFSETS_TOPIC, partition);
    if (log) await replayOffsetsPartition(log, (key, value) => this.replay(key, value), this.broker.log);
  }

  /** Applies one record: the latest value per key wins, a null value deletes. */
  private replay(key: Buffer, value: Buffer | null): void {
    const decoded = decodeKey(key);
    if (!decoded) return;
    if (decoded.kind === 'offset') {
      const committed = value ? decodeOffsetValue(value) : undefined;
      if (committed) this.set(decoded.group, decoded.topic, decoded.partition, committed);
      else if (!value) this.remove(decoded.group, decoded.topic, decoded.partition);
      return;
    }
    const group = value ? decodeGroupValue(decoded.group, value) : undefined;
    if (group) this.loaded.set(decoded.group, group);
    else if (!value) this.loaded.delete(decoded.group);
  }

  /** The group metadata the load found (each group's latest); empties the list. */
  takeLoadedGroups(): StoredGroup[] {
    const groups = [...this.loaded.values()];
    this.loaded.clear();
    return groups;
  }

  partitionFor(groupId: string): number {
    return this.topic.partitionFor(groupId);
  }

  get(groupId: string, topic: string, partition: number): CommittedOffset | undefined {
    return this.offsets.get(groupId)?.get(topic)?.get(partition);
  }

  /** Whether the partition has a committed offset, or one being written (cluster mode). */
  has(groupId: string, topic: string, partition: number): boolean {
    return this.get(groupId, topic, partition) !== undefined || this.pendingOf(groupId, topic, partition);
  }

  /** Every committed offset of a group. */
  all(groupId: string): TopicPartitionOffset[] {
    const out: TopicPartitionOffset[] = [];
    for (const [topic, partitions] of this.offsets.get(groupId) ?? [])
      for (const [partition, value] of partitions) out.push({ topic, partition, value });
    return out;
  }

  /** Whether the group has offsets, counting commits still waiting for replicas (Kafka's too). */
  hasOffsets(groupId: string): boolean {
    if (this.offsets.has(groupId)) return true;
    if (this.pending.size === 0) return false;
    for (const commit of this.pending)
      if (commit.groupId === groupId && commit.entries.length > 0) return true;
    return false;
  }

  /** Whether a commit of the group's offset for the partition is waiting for replicas. */
  isPending(groupId: string, topic: string, partition: number): boolean {
    return this.pendingOf(groupId, topic, partition);
  }

  groupIds(): string[] {
    return [...this.offsets.keys()];
  }

  /**
   * Stores offsets of one group (one batch, so all or none). On one node they are written and
   * visible at once, and it throws when the log refuses. In a cluster it resolves with the
   * write's produce error code once replicated (offsets-replication.ts), and only a write that
   * succeeded enters what `get` returns — as Kafka 2.4 puts a commit in its cache from the append's
   * callback, so OffsetFetch never shows a commit the next leader may not have.
   */
  commit(groupId: string, entries: TopicPartitionOffset[]): Promise<number> | undefined {
    if (entries.length === 0) return undefined;
    const records = entries.map((e) => ({
      key: offsetKey(groupId, e.topic, e.partition),
      value: offsetValue(e.value),
    }));
    const replicas = this.broker.replicas;
    if (!replicas) {
      this.append(groupId, records);
      for (const e of entries) this.set(groupId, e.topic, e.partition, e.value);
      return undefined;
    }
    // Waits end in log order (the high watermark only moves up; every wait has the same
    // timeout), so commits of one partition enter the cache in the order they were written.
    const pending: PendingCommit = { groupId, entries };
    this.pending.add(pending);
    return this.appendReplicated(groupId, records, replicas).then((code) => {
      this.pending.delete(pending);
      if (code === ErrorCode.NONE)
        for (const e of pending.entries) this.set(groupId, e.topic, e.partition, e.value);
      return code;
    });
  }

  /** Deletes offsets with tombstones. */
  deleteOffsets(groupId: string, partitions: { topic: string; partition: number }[]): void {
    if (partitions.length === 0) return;
    this.append(
      groupId,
      partitions.map((tp) => ({ key: offsetKey(groupId, tp.topic, tp.partition), value: null })),
    );
    for (const tp of partitions) this.remove(groupId, tp.topic, tp.partition);
    if (this.pending.size > 0)
      this.forgetPending(groupId, (e) =>
        partitions.some((tp) => tp.topic === e.topic && tp.partition === e.partition),
      );
  }

  /** Tombstones every group's offsets for `topic` (the topic was deleted). */
  deleteTopic(topic: string): void {
    // Groups with written offsets, and those with commits still waiting for replicas: a late
    // success must not bring a deleted topic's offsets back (Kafka drops pending ones too).
    const groupIds = new Set(this.groupIds());
    for (const commit of this.pending) groupIds.add(commit.groupId);
    for (const groupId of groupIds) {
      // In a cluster each group's offsets are the leader of its partition's to tombstone.
      if (!this.leads(groupId)) continue;
      const partitions = new Map<number, { topic: string; partition: number }>();
      for (const entry of this.all(groupId))
        if (entry.topic === topic) partitions.set(entry.partition, { topic, partition: entry.partition });
      for (const commit of this.pending)
        if (commit.groupId === groupId)
          for (const e of commit.entries)
            if (e.topic === topic) partitions.set(e.partition, { topic, partition: e.partition });
      if (partitions.size > 0) this.deleteOffsets(groupId, [...partitions.values()]);
    }
  }

  /**
   * Writes the group's metadata: on one node at once (throws when the log refuses); in a cluster
   * it resolves with the write's produce error code once replicated (offsets-replication.ts).
   */
  storeGroup(group: StoredGroup): Promise<number> | undefined {
    const records = [{ key: groupKey(group.groupId), value: groupValue(group) }];
    const replicas = this.broker.replicas;
    if (replicas) return this.appendReplicated(group.groupId, records, replicas);
    this.append(group.groupId, records);
    return undefined;
  }

  /** Tombstones the group's metadata and every offset it has (those being written too). */
  deleteGroup(groupId: string): void {
    const records: RecordInput[] = this.all(groupId).map((e) => ({
      key: offsetKey(groupId, e.topic, e.partition),
      value: null,
    }));
    if (this.pending.size > 0)
      for (const commit of this.pending)
        if (commit.groupId === groupId)
          for (const e of commit.entries)
            records.push({ key: offsetKey(groupId, e.topic, e.partition), value: null });
    records.push({ key: groupKey(groupId), value: null });
    this.append(groupId, records);
    this.offsets.delete(groupId);
    this.forgetPending(groupId);
  }

  /** Written at once, not waiting for replicas (tombstones, as Kafka writes them; a single node). */
  private append(groupId: string, records: RecordInput[]): void {
    const log = this.log(groupId);
    log.append(buildBatch({ records }), { internal: true });
    if (this.broker.replicas) this.appended?.(log.partition);
  }

  /** Cluster mode: written, then acknowledged as offsets.commit.required.acks asks. */
  private appendReplicated(
    groupId: string,
    records: RecordInput[],
    replicas: OffsetsReplicas,
  ): Promise<number> {
    let log: PartitionLog;
    try {
      log = this.log(groupId);
    } catch (err) {
      return Promise.resolve(appendErrorCode(err));
    }
    return appendReplicated(replicas, log, buildBatch({ records }), {
      requiredAcks: this.broker.config.offsetsCommitRequiredAcks,
      timeoutMs: this.broker.config.offsetsCommitTimeoutMs,
      logger: this.broker.log,
      appended: (partition) => this.appended?.(partition),
    });
  }

  private pendingOf(groupId: string, topic: string, partition: number): boolean {
    if (this.pending.size === 0) return false;
    for (const commit of this.pending)
      if (
        commit.groupId === groupId &&
        commit.entries.some((e) => e.topic === topic && e.partition === partition)
      )
        return true;
    return false;
  }

  /**
   * Commits still waiting for replicas lose the partitions a tombstone or an unload removed (all
   * when `which` is not given): their late success must not bring them back into the cache.
   */
  private forgetPending(groupId: string, which?: (entry: TopicPartitionOffset) => boolean): void {
    if (this.pending.size === 0) return;
    for (const commit of this.pending)
      if (commit.groupId === groupId) commit.entries = which ? commit.entries.filter((e) => !which(e)) : [];
  }

  /**
   * Cluster mode: the group's partition was taken over by this broker (it now leads it): what
   * its replica copied is read again, replacing what was loaded of those groups before.
   */
  async reloadPartition(partition: number): Promise<void> {
    this.unloadPartition(partition);
    await this.loadPartition(partition);
  }

  /** Cluster mode: another broker leads the partition now; its groups' offsets are forgotten here. */
  unloadPartition(partition: number): void {
    for (const groupId of [...this.offsets.keys()]) {
      if (this.partitionFor(groupId) === partition) this.offsets.delete(groupId);
    }
    for (const groupId of [...this.loaded.keys()]) {
      if (this.partitionFor(groupId) === partition) this.loaded.delete(groupId);
    }
    for (const commit of this.pending)
      if (this.partitionFor(commit.groupId) === partition) commit.entries = [];
  }

  /** Whether this broker writes the group's partition (always on one node; its leader in a cluster). */
  leads(groupId: string): boolean {
    return this.leadsPartition(this.partitionFor(groupId));
  }

  private leadsPartition(partition: number): boolean {
    const replicas = this.broker.replicas;
    return !replicas || replicas.leaderError(OFFSETS_TOPIC, partition) === ErrorCode.NONE;
  }

  private log(groupId: string): PartitionLog {
    if (!this.ensureTopic()) throw new OffsetsPartitionUnavailableError(`${OFFSETS_TOPIC} cannot be created`);
    const partition = this.partitionFor(groupId);
    // Only a partition's leader writes it: a follower's own append would fork its replica.
    if (!this.leadsPartition(partition)) throw new NotLeaderError(OFFSETS_TOPIC, partition);
    const log = this.broker.logs.getLog(OFFSETS_TOPIC, partition);
    if (!log) throw new OffsetsPartitionUnavailableError(`${OFFSETS_TOPIC}-${partition} is not available`);
    return log;
  }

  private set(groupId: string, topic: string, partition: number, value: CommittedOffset): void {
    let topics = this.offsets.get(groupId);
    if (!topics) this.offsets.set(groupId, (topics = new Map()));
    let partitions = topics.get(topic);
    if (!partitions) topics.set(topic, (partitions = new Map()));
    partitions.set(partition, value);
  }

  private remove(groupId: string, topic: string, partition: number): void {
    const topics = this.offsets.get(groupId);
    const partitions = topics?.get(topic);
    if (!topics || !partitions) return;
    partitions.delete(partition);
    if (partitions.size === 0) topics.delete(topic);
    if (topics.size === 0) this.offsets.delete(groupId);
  }
}
