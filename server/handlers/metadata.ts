/**
 * Metadata: this broker (in cluster mode every live broker, as the controller last said), the
 * controller (itself on a single node, so admin clients send CreateTopics here) and the
 * topics asked for — all of them when the list is null (or empty before v1). A topic that does not
 * exist is created when the request allows it and auto.create.topics.enable is on; its first answer
 * is LEADER_NOT_AVAILABLE, as Kafka's is while the new topic's leaders are elected. A partition
 * whose log is missing (offline since start) is LEADER_NOT_AVAILABLE with this node offline.
 *
 * A cluster broker that has just started knows nothing of the cluster until the controller's
 * first UpdateMetadata (a moment after it registers): an answer then would list no topics, and
 * clients take that as "the topic has no partitions" (librdkafka fails the records it holds for
 * them). So a Metadata request waits for that first description, at most
 * FIRST_DESCRIPTION_WAIT_MS (no controller may be there to give it), and is answered with what
 * is known then.
 */
import type { BrokerContext } from '../broker-context.js';
import type { MetadataCache } from '../cluster/metadata-cache.js';
import { INTERNAL_TOPICS, type TopicInfo } from '../cluster/topic-store.js';
import type { RequestOf, ResponseOf } from '../protocol/message-types.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { MetadataApi } from '../protocol/apis/metadata.js';
import { reply, type Handler } from './registry.js';
import { ZERO_UUID } from '../protocol/absent-value.js';

/** How long a Metadata request waits for a new cluster broker's first UpdateMetadata. */
export const FIRST_DESCRIPTION_WAIT_MS = 5000;

type RequestedTopic = NonNullable<RequestOf<typeof MetadataApi>['topics']>[number];
type DescribedTopic = ResponseOf<typeof MetadataApi>['topics'][number];
type DescribedPartition = DescribedTopic['partitions'][number];

export function metadataHandler(broker: BrokerContext): Handler<typeof MetadataApi> {
  return {
    api: MetadataApi,
    async handle(request, version) {
      const requested = request.topics;
      const all = requested === null || (version === 0 && requested.length === 0);
      const topics: DescribedTopic[] = [];
      const cluster = broker.metadata;
      if (cluster && !cluster.hasBeenDescribed) await cluster.firstDescription(FIRST_DESCRIPTION_WAIT_MS);
      if (cluster) {
        const names = all ? cluster.topicNames() : requested.map((entry) => entry);
        for (const entry of names)
          topics.push(lookupInCluster(broker, cluster, entry, request.allowAutoTopicCreation));
      } else if (all) {
        for (const topic of broker.topics.store.list()) topics.push(describeTopic(broker, topic));
      } else {
        for (const entry of requested) topics.push(lookup(broker, entry, request.allowAutoTopicCreation));
      }
      return reply(MetadataApi, {
        throttleTimeMs: 0,
        ...brokersOf(broker),
        clusterId: broker.clusterId,
        topics,
      });
    },
  };
}

/**
 * The brokers and the controller: this node alone on a single node; in cluster mode the live
 * brokers and the controller as the controller last told (this node alone until it has spoken).
 */
function brokersOf(broker: BrokerContext): Pick<ResponseOf<typeof MetadataApi>, 'brokers' | 'controllerId'> {
  const self = {
    nodeId: broker.nodeId,
    host: broker.advertised.host,
    port: broker.advertised.port,
    rack: null,
  };
  const cluster = broker.metadata;
  if (!cluster || cluster.liveBrokers().size === 0) return { brokers: [self], controllerId: broker.nodeId };
  const brokers = [...cluster.liveBrokers().values()].map((b) => ({
    nodeId: b.id,
    host: b.host,
    port: b.port,
    rack: b.rack,
  }));
  return { brokers, controllerId: cluster.controllerId };
}

/**
 * Cluster mode: a topic as the controller last described it (every partition's leader, replicas,
 * ISR and offline replicas); a partition without a leader is LEADER_NOT_AVAILABLE. `entry` is a
 * requested topic, or a name when all are listed.
 */
function lookupInCluster(
  broker: BrokerContext,
  cluster: MetadataCache,
  entry: RequestedTopic | string,
  allowCreate: boolean,
): DescribedTopic {
  const byId = typeof entry !== 'string' && entry.name === null && entry.topicId !== ZERO_UUID;
  const name =
    typeof entry === 'string' ? entry : byId ? clusterTopicName(broker, cluster, entry.topicId) : entry.name;
  const partitions = name === undefined || name === null ? undefined : cluster.partitions(name);
  if (!partitions) {
    if (byId)
      return {
        errorCode: ErrorCode.UNKNOWN_TOPIC_ID,
        name: null,
        topicId: (entry as RequestedTopic).topicId,
        partitions: [],
      };
    const missing = name ?? '';
    if (allowCreate && broker.config.autoCreateTopics) {
      const made = broker.clusterTopics!.autoCreate(missing, -1, -1, {}, 'a Metadata request named it');
      return { errorCode: made.errorCode, name: missing, topicId: ZERO_UUID, partitions: [] };
    }
    return {
      errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      name: missing,
      topicId: ZERO_UUID,
      partitions: [],
    };
  }
  const described: DescribedPartition[] = [...partitions]
    .sort((a, b) => a[0] - b[0])
    .map(([partitionIndex, p]) => {
      // A leader that is not alive is no leader: the client backs off and asks again, as with Kafka.
      const led = p.leader >= 0 && cluster.liveBrokers().has(p.leader);
      return {
        errorCode: led ? ErrorCode.NONE : ErrorCode.LEADER_NOT_AVAILABLE,
        partitionIndex,
        leaderId: led ? p.leader : -1,
        leaderEpoch: p.leaderEpoch,
        replicaNodes: p.replicas,
        isrNodes: p.isr,
        offlineReplicas: p.offlineReplicas,
      };
    });
  return {
    errorCode: ErrorCode.NONE,
    name: name!,
    topicId: clusterTopicId(broker, cluster, name!),
    isInternal: INTERNAL_TOPICS.has(name!),
    partitions: described,
  };
}

/**
 * A topic's id in cluster mode: the one the controller gave (UpdateMetadata v7+), which every
 * broker has, whether it holds a replica or not. The topic store knows only the topics held here;
 * it answers only when the controller named no id (an older controller).
 */
function clusterTopicId(broker: BrokerContext, cluster: MetadataCache, name: string): string {
  return cluster.topicId(name) ?? broker.topics.store.get(name)?.id ?? ZERO_UUID;
}

/** The name of the topic with this id in cluster mode (see clusterTopicId), or undefined. */
function clusterTopicName(broker: BrokerContext, cluster: MetadataCache, id: string): string | undefined {
  const name = cluster.topicName(id);
  if (name !== undefined) return name;
  const stored = broker.topics.store.getById(id)?.name;
  // A stored id counts only for a topic the controller named no id for (else it is a stale one).
  return stored !== undefined && cluster.topicId(stored) === undefined ? stored : undefined;
}

function lookup(broker: BrokerContext, entry: RequestedTopic, allowCreate: boolean): DescribedTopic {
  const byId = entry.name === null && entry.topicId !== ZERO_UUID;
  const topic = byId ? broker.topics.store.getById(entry.topicId) : broker.topics.store.get(entry.name ?? '');
  if (topic) return describeTopic(broker, topic);
  if (byId)
    return { errorCode: ErrorCode.UNKNOWN_TOPIC_ID, name: null, topicId: entry.topicId, partitions: [] };
  const name = entry.name ?? '';
  if (allowCreate && broker.config.autoCreateTopics) {
    const created = broker.topics.autoCreate(name, 'a Metadata request named it');
    if (created.errorCode === ErrorCode.NONE) {
      return { errorCode: ErrorCode.LEADER_NOT_AVAILABLE, name, topicId: created.topic!.id, partitions: [] };
    }
    return { errorCode: created.errorCode, name, topicId: ZERO_UUID, partitions: [] };
  }
  return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, name, topicId: ZERO_UUID, partitions: [] };
}

function describeTopic(broker: BrokerContext, topic: TopicInfo): DescribedTopic {
  const node = broker.nodeId;
  const partitions: DescribedPartition[] = [];
  for (let p = 0; p < topic.partitions; p++) {
    // A partition with no log (it could not be made at start) has no leader: clients wait and
    // retry instead of sending requests that can only fail.
    const online = broker.logs.getLog(topic.name, p) !== undefined;
    partitions.push({
      errorCode: online ? ErrorCode.NONE : ErrorCode.LEADER_NOT_AVAILABLE,
      partitionIndex: p,
      leaderId: online ? node : -1,
      leaderEpoch: 0,
      replicaNodes: [node],
      isrNodes: online ? [node] : [],
      offlineReplicas: online ? [] : [node],
    });
  }
  return {
    errorCode: ErrorCode.NONE,
    name: topic.name,
    topicId: topic.id,
    isInternal: topic.internal,
    partitions,
  };
}
