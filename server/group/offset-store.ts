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
 * A group lives in partition abs(javaStringHashCode(groupId)) % partitions, as in Kafka; every
 * write for a group is one batch appended to that partition.
 *
 * The topic is made when the first group needs it (FindCoordinator for a group, or the first
 * write), as Kafka does, with offsets.topic.num.partitions partitions: a broker that never sees a
 * group has no 50 empty directories. A topic that exists is loaded at open and keeps its count.
 */
import {
  buildBatch,
  iterateBatches,
  readRecords,
  type PartitionLog,
  type RecordInput,
} from '../../engine/index.js';
import type { BrokerContext } from '../broker-context.js';
import type { TopicInfo } from '../cluster/topic-store.js';
import { ErrorCode } from '../protocol/error-codes.js';
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

export type { CommittedOffset, StoredGroup, StoredMember } from './offset-records.js';

export const OFFSETS_TOPIC = '__consumer_offsets';
export const OFFSETS_TOPIC_CONFIGS: Readonly<Record<string, string>> = {
  'cleanup.policy': 'compact',
  'segment.bytes': '104857600',
};
const READ_CHUNK_BYTES = 1 << 20;

/** Java's String.hashCode: over UTF-16 code units, wrapping at 32 bits. */
export function javaStringHashCode(text: string): number {
  let hash = 0;
  for (let i = 0; i < text.length; i++) hash = (Math.imul(hash, 31) + text.charCodeAt(i)) | 0;
  return hash;
}

/** Kafka's partitionFor: Utils.abs (MIN_VALUE maps to 0) of the hash, modulo the count. */
export function partitionForGroup(groupId: string, partitions: number): number {
  const hash = javaStringHashCode(groupId);
  const abs = hash === -2147483648 ? 0 : Math.abs(hash);
  return abs % partitions;
}

export interface TopicPartitionOffset {
  topic: string;
  partition: number;
  value: CommittedOffset;
}

export class OffsetStore {
  /** group -> topic -> partition -> committed offset. */
  private readonly offsets = new Map<string, Map<string, Map<number, CommittedOffset>>>();
  /** Group metadata found while loading; handed to the coordinator once. */
  private readonly loaded = new Map<string, StoredGroup>();
  /** When a failure to create the topic was last logged: clients retry FindCoordinator often. */
  private lastCreateFailureLogged = 0;

  private constructor(
    private readonly broker: BrokerContext,
    private partitionCount: number,
    private created: boolean,
  ) {}

  /** Cluster mode: the topic's partition count is being read from ZooKeeper. */
  private readingCount = false;

  /**
   * Replays every partition of __consumer_offsets when it exists; otherwise it is made later, by
   * `ensureTopic()`. Partition directories with no topic entry (a damaged topic store) are made a
   * topic again now, with its own configs, so the offsets in them are loaded.
   */
  static async open(broker: BrokerContext): Promise<OffsetStore> {
    let topic = broker.topics.store.get(OFFSETS_TOPIC);
    // (In a cluster the topic is the cluster's: never made here from directories.)
    if (!topic && !broker.metadata && hasPartitionDirectories(broker)) topic = createTopic(broker);
    // An existing topic keeps its partition count: moving groups between partitions would lose them.
    const store = new OffsetStore(
      broker,
      topic?.partitions ?? broker.config.offsetsTopicPartitions,
      topic !== undefined,
    );
    if (topic) for (let p = 0; p < topic.partitions; p++) await store.loadPartition(p);
    return store;
  }

  /** Whether __consumer_offsets exists (made at open, or since by `ensureTopic()`). */
  get topicCreated(): boolean {
    return this.created;
  }

  /**
   * Makes __consumer_offsets if it is not there yet (a topic of that name made by someone else
   * is taken as it is). False when it cannot be made — logged, at most once a minute — and the
   * group request is answered COORDINATOR_NOT_AVAILABLE, which clients retry.
   */
  ensureTopic(): boolean {
    if (this.created) return true;
    const cluster = this.broker.metadata;
    if (cluster) {
      // Cluster mode: the topic is the cluster's, made in ZooKeeper by whichever broker is asked
      // first. Its partition count (which places every group) is read from ZooKeeper, where every
      // partition is counted, led or not; meanwhile clients are told to come back.
      if (cluster.partitions(OFFSETS_TOPIC)) {
        if (!this.readingCount) {
          this.readingCount = true;
          void this.broker.clusterTopics
            ?.partitionCount(OFFSETS_TOPIC)
            .then((count) => {
              if (count === undefined) return;
              this.partitionCount = count;
              this.created = true;
            })
            .catch((err: unknown) =>
              this.broker.log.warn({ err }, `cannot read ${OFFSETS_TOPIC}'s partitions`),
            )
            .finally(() => (this.readingCount = false));
        }
        return false;
      }
      this.broker.clusterTopics?.autoCreate(
        OFFSETS_TOPIC,
        this.broker.config.offsetsTopicPartitions,
        this.broker.config.offsetsTopicReplicationFactor,
        { ...OFFSETS_TOPIC_CONFIGS },
      );
      return false;
    }
    try {
      const topic = this.broker.topics.store.get(OFFSETS_TOPIC) ?? createTopic(this.broker);
      this.partitionCount = topic.partitions;
      this.created = true;
      this.broker.log.info({ partitions: topic.partitions }, `created ${OFFSETS_TOPIC}`);
      return true;
    } catch (err) {
      const now = Date.now();
      if (now - this.lastCreateFailureLogged >= 60_000) {
        this.lastCreateFailureLogged = now;
        this.broker.log.error({ err }, `cannot create ${OFFSETS_TOPIC}: groups cannot be coordinated`);
      }
      return false;
    }
  }

  get partitions(): number {
    return this.partitionCount;
  }

  /**
   * Replays one partition. A record the store cannot parse (damage, or a format it does not know)
   * is skipped with a warning, never fatal: one bad record must not keep the broker from starting.
   * A read that fails ends this partition's load with an error logged; what was read stays.
   */
  private async loadPartition(partition: number): Promise<void> {
    const log = this.broker.logs.getLog(OFFSETS_TOPIC, partition);
    if (!log) return;
    let position = log.logStartOffset;
    let skipped = 0;
    let firstSkipped = -1;
    const skip = (offset: number, err: unknown): void => {
      if (skipped++ === 0) {
        firstSkipped = offset;
        this.broker.log.warn(
          { partition, offset, err },
          `skipping a record of ${OFFSETS_TOPIC} that cannot be parsed`,
        );
      }
    };
    try {
      while (position < log.logEndOffset) {
        const read = await log.read(position, READ_CHUNK_BYTES);
        if (read.records.length === 0) break;
        for (const batch of iterateBatches(read.records)) {
          position = batch.lastOffset + 1;
          if (batch.isControl) continue;
          try {
            let offset = batch.baseOffset;
            for (const record of readRecords(batch)) {
              offset = record.offset;
              if (!record.key) continue;
              try {
                this.replay(record.key, record.value);
              } catch (err) {
                skip(offset, err);
              }
            }
          } catch (err) {
            skip(batch.baseOffset, err);
          }
        }
      }
    } catch (err) {
      this.broker.log.error(
        { partition, offset: position, err },
        `cannot read ${OFFSETS_TOPIC} past this offset: committed offsets after it are not loaded`,
      );
    }
    if (skipped > 1)
      this.broker.log.warn(
        { partition, skipped, firstOffset: firstSkipped },
        `skipped records of ${OFFSETS_TOPIC} that cannot be parsed`,
      );
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
    return partitionForGroup(groupId, this.partitions);
  }

  get(groupId: string, topic: string, partition: number): CommittedOffset | undefined {
    return this.offsets.get(groupId)?.get(topic)?.get(partition);
  }

  /** Every committed offset of a group. */
  all(groupId: string): TopicPartitionOffset[] {
    const out: TopicPartitionOffset[] = [];
    for (const [topic, partitions] of this.offsets.get(groupId) ?? [])
      for (const [partition, value] of partitions) out.push({ topic, partition, value });
    return out;
  }

  hasOffsets(groupId: string): boolean {
    return this.offsets.has(groupId);
  }

  groupIds(): string[] {
    return [...this.offsets.keys()];
  }

  /** Stores offsets of one group (one batch, so all or none); throws when the log refuses. */
  commit(groupId: string, entries: TopicPartitionOffset[]): void {
    if (entries.length === 0) return;
    this.append(
      groupId,
      entries.map((e) => ({ key: offsetKey(groupId, e.topic, e.partition), value: offsetValue(e.value) })),
    );
    for (const e of entries) this.set(groupId, e.topic, e.partition, e.value);
  }

  /** Deletes offsets with tombstones. */
  deleteOffsets(groupId: string, partitions: { topic: string; partition: number }[]): void {
    if (partitions.length === 0) return;
    this.append(
      groupId,
      partitions.map((tp) => ({ key: offsetKey(groupId, tp.topic, tp.partition), value: null })),
    );
    for (const tp of partitions) this.remove(groupId, tp.topic, tp.partition);
  }

  /** Tombstones every group's offsets for `topic` (the topic was deleted). */
  deleteTopic(topic: string): void {
    for (const groupId of this.groupIds()) {
      // In a cluster each group's offsets are the leader of its partition's to tombstone.
      if (!this.leads(groupId)) continue;
      const partitions = this.all(groupId)
        .filter((entry) => entry.topic === topic)
        .map((entry) => ({ topic, partition: entry.partition }));
      if (partitions.length > 0) this.deleteOffsets(groupId, partitions);
    }
  }

  storeGroup(group: StoredGroup): void {
    this.append(group.groupId, [{ key: groupKey(group.groupId), value: groupValue(group) }]);
  }

  /** Tombstones the group's metadata and every offset it has. */
  deleteGroup(groupId: string): void {
    const records: RecordInput[] = this.all(groupId).map((e) => ({
      key: offsetKey(groupId, e.topic, e.partition),
      value: null,
    }));
    records.push({ key: groupKey(groupId), value: null });
    this.append(groupId, records);
    this.offsets.delete(groupId);
  }

  private append(groupId: string, records: RecordInput[]): void {
    const log = this.log(groupId);
    log.append(buildBatch({ records }), { internal: true });
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
  }

  /** Whether this broker writes the group's partition (always on one node; its leader in a cluster). */
  leads(groupId: string): boolean {
    const replicas = this.broker.replicas;
    return !replicas || replicas.leaderError(OFFSETS_TOPIC, this.partitionFor(groupId)) === ErrorCode.NONE;
  }

  private log(groupId: string): PartitionLog {
    if (!this.ensureTopic()) throw new Error(`${OFFSETS_TOPIC} cannot be created`);
    // Only a partition's leader writes it: a follower's own append would fork its replica.
    if (!this.leads(groupId)) throw new Error(`this broker does not lead the partition of group ${groupId}`);
    const partition = this.partitionFor(groupId);
    const log = this.broker.logs.getLog(OFFSETS_TOPIC, partition);
    if (!log) throw new Error(`${OFFSETS_TOPIC}-${partition} is not available`);
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

/** Creates the topic with Kafka's internal configs; throws with the reason when it cannot. */
function createTopic(broker: BrokerContext): TopicInfo {
  const created = broker.topics.create(OFFSETS_TOPIC, broker.config.offsetsTopicPartitions, -1, {
    ...OFFSETS_TOPIC_CONFIGS,
  });
  if (created.errorCode !== ErrorCode.NONE || !created.topic)
    throw new Error(`cannot create ${OFFSETS_TOPIC}: ${created.errorMessage ?? created.errorCode}`);
  return created.topic;
}

function hasPartitionDirectories(broker: BrokerContext): boolean {
  for (const log of broker.logs.allLogs()) if (log.topic === OFFSETS_TOPIC) return true;
  return false;
}
