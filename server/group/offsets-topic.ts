/**
 * The internal topic __consumer_offsets itself: whether it exists, how many partitions it has,
 * and which of them holds a group — abs(javaStringHashCode(groupId)) % partitions, as in Kafka.
 *
 * The topic is made when the first group needs it (FindCoordinator for a group, or the first
 * write), as Kafka does, with offsets.topic.num.partitions partitions: a broker that never sees a
 * group has no 50 empty directories. A topic that exists keeps its count: moving groups between
 * partitions would lose them. In a cluster the topic is the cluster's, made in ZooKeeper, and its
 * count is read there.
 */
import type { BrokerContext } from '../broker-context.js';
import type { TopicInfo } from '../cluster/topic-store.js';
import { ErrorCode } from '../protocol/error-codes.js';

export const OFFSETS_TOPIC = '__consumer_offsets';
export const OFFSETS_TOPIC_CONFIGS: Readonly<Record<string, string>> = {
  'cleanup.policy': 'compact',
  'segment.bytes': '104857600',
};

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

export class OffsetsTopic {
  /** When a failure to create the topic was last logged: clients retry FindCoordinator often. */
  private lastCreateFailureLogged = 0;
  /** Cluster mode: the topic's partition count is being read from ZooKeeper. */
  private readingCount = false;

  private constructor(
    private readonly broker: BrokerContext,
    private partitionCount: number,
    private created: boolean,
  ) {}

  /**
   * The topic as the broker finds it at start: its local entry, if any. Partition directories
   * with no topic entry (a damaged topic store) are made a topic again, with its own configs, so
   * the offsets in them are loaded.
   */
  static find(broker: BrokerContext): OffsetsTopic {
    let topic = broker.topics.store.get(OFFSETS_TOPIC);
    // (In a cluster the topic is the cluster's: never made here from directories.)
    if (!topic && !broker.metadata && hasPartitionDirectories(broker)) topic = createTopic(broker);
    return new OffsetsTopic(
      broker,
      topic?.partitions ?? broker.config.offsetsTopicPartitions,
      topic !== undefined,
    );
  }

  /** Whether the topic exists (found at start, or made since by `ensure()`). */
  get exists(): boolean {
    return this.created;
  }

  get partitions(): number {
    return this.partitionCount;
  }

  partitionFor(groupId: string): number {
    return partitionForGroup(groupId, this.partitionCount);
  }

  /**
   * Makes __consumer_offsets if it is not there yet (a topic of that name made by someone else
   * is taken as it is). False when it cannot be made — logged, at most once a minute — and the
   * group request is answered COORDINATOR_NOT_AVAILABLE, which clients retry.
   */
  ensure(): boolean {
    if (this.created) return true;
    const cluster = this.broker.metadata;
    if (cluster) {
      // Cluster mode: the topic is the cluster's, made in ZooKeeper by whichever broker is asked
      // first. Its partition count (which places every group) is read from ZooKeeper, where every
      // partition is counted, led or not; meanwhile clients are told to come back. A broker that
      // holds a replica has it already: the controller's LeaderAndIsr made the topic here with
      // the count from ZooKeeper (else the first write of a coordinator no client had asked
      // FindCoordinator failed).
      const hosted = this.broker.topics.store.get(OFFSETS_TOPIC);
      if (hosted) {
        this.partitionCount = hosted.partitions;
        this.created = true;
        return true;
      }
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
        'groups need it to keep their offsets',
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
