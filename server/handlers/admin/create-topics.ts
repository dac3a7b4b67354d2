/**
 * CreateTopics: creates each listed topic through the topic manager, which applies Kafka's rules
 * and messages (the messages match what Kafka 2.4.1 answers for TOPIC_ALREADY_EXISTS,
 * INVALID_REPLICATION_FACTOR and INVALID_PARTITIONS). Behaviours that matter:
 * - a name listed twice in one request fails every copy with INVALID_REQUEST, as in Kafka;
 * - a manual replica assignment must list partitions 0..n-1, each on this node alone (in a
 *   cluster: on live brokers, every partition with as many replicas); numPartitions and
 *   replicationFactor must then be -1;
 * - in cluster mode the topics are written to ZooKeeper and the answer waits (up to the request's
 *   timeout) until this broker knows every partition's leader;
 * - a null config value is INVALID_REQUEST; a bad one INVALID_CONFIG with the engine's reason;
 * - v5+ answers with the partitions, replication factor and every resulting config; v7 the id.
 */
import type { BrokerContext } from '../../broker-context.js';
import type { ClusterTopics } from '../../cluster/cluster-topics.js';
import type { TopicResult } from '../../cluster/topic-manager.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { CreateTopicsApi } from '../../protocol/apis/create-topics.js';
import type { RequestOf, ResponseOf } from '../../protocol/message-types.js';
import { reply, type Handler } from '../registry.js';
import { warnDeprecated } from './config-changes.js';
import { topicConfigEntries } from './config-entries.js';
import { ZERO_UUID } from '../../protocol/absent-value.js';

type CreatableTopic = RequestOf<typeof CreateTopicsApi>['topics'][number];
type CreatedTopic = ResponseOf<typeof CreateTopicsApi>['topics'][number];

export function createTopicsHandler(broker: BrokerContext): Handler<typeof CreateTopicsApi> {
  return {
    api: CreateTopicsApi,
    handle(request) {
      const requested = request.topics;
      const validateOnly = request.validateOnly;
      const counts = new Map<string, number>();
      for (const topic of requested) counts.set(topic.name, (counts.get(topic.name) ?? 0) + 1);
      const duplicate = (topic: CreatableTopic): boolean => (counts.get(topic.name) ?? 0) > 1;
      const clusterTopics = broker.clusterTopics;
      if (clusterTopics) {
        // Cluster mode: every topic is written to ZooKeeper; the answer waits for their leaders.
        return Promise.all(
          requested.map((topic) =>
            duplicate(topic)
              ? failed(topic.name, ErrorCode.INVALID_REQUEST, 'Duplicate topic name.')
              : createInCluster(broker, clusterTopics, topic, validateOnly, request.timeoutMs),
          ),
        ).then((topics) => reply(CreateTopicsApi, { throttleTimeMs: 0, topics }));
      }
      const topics = requested.map((topic) =>
        duplicate(topic)
          ? failed(topic.name, ErrorCode.INVALID_REQUEST, 'Duplicate topic name.')
          : createOne(broker, topic, validateOnly),
      );
      return reply(CreateTopicsApi, { throttleTimeMs: 0, topics });
    },
  };
}

function failed(name: string, errorCode: number, errorMessage: string): CreatedTopic {
  return {
    name,
    topicId: ZERO_UUID,
    errorCode,
    errorMessage,
    numPartitions: -1,
    replicationFactor: -1,
    configs: [],
  };
}

interface Prepared {
  prepared: true;
  configs: Record<string, string>;
  partitions: number;
  replicationFactor: number;
  assignment: Map<number, number[]> | undefined;
}

/** The request's topic checked (null configs, a manual assignment on `brokerIds`), or its failure. */
function prepare(topic: CreatableTopic, brokerIds: ReadonlySet<number>): Prepared | CreatedTopic {
  const configs: Record<string, string> = {};
  const nulls: string[] = [];
  for (const config of topic.configs) {
    if (config.value === null) nulls.push(config.name);
    else configs[config.name] = config.value;
  }
  if (nulls.length > 0) {
    return failed(
      topic.name,
      ErrorCode.INVALID_REQUEST,
      `Null value not supported for topic configs: ${nulls.join(',')}`,
    );
  }
  let partitions = topic.numPartitions;
  let replicationFactor = topic.replicationFactor;
  if (topic.assignments.length > 0) {
    if (partitions !== -1 || replicationFactor !== -1) {
      return failed(
        topic.name,
        ErrorCode.INVALID_REQUEST,
        'Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.',
      );
    }
    const problem = assignmentProblem(brokerIds, topic.assignments);
    if (problem) return failed(topic.name, ErrorCode.INVALID_REPLICA_ASSIGNMENT, problem);
    partitions = topic.assignments.length;
    replicationFactor = topic.assignments[0]!.brokerIds.length;
    const assignment = new Map(topic.assignments.map((a) => [a.partitionIndex, [...a.brokerIds]]));
    return { prepared: true, configs, partitions, replicationFactor, assignment };
  }
  return { prepared: true, configs, partitions, replicationFactor, assignment: undefined };
}

function createOne(broker: BrokerContext, topic: CreatableTopic, validateOnly: boolean): CreatedTopic {
  const prepared = prepare(topic, new Set([broker.nodeId]));
  if (!('prepared' in prepared)) return prepared;
  const { configs, partitions, replicationFactor } = prepared;
  warnDeprecated(broker, topic.name, Object.keys(configs));
  const result = broker.topics.create(topic.name, partitions, replicationFactor, configs, validateOnly);
  return answer(broker, topic, result, replicationFactor, configs);
}

async function createInCluster(
  broker: BrokerContext,
  clusterTopics: ClusterTopics,
  topic: CreatableTopic,
  validateOnly: boolean,
  timeoutMs: number,
): Promise<CreatedTopic> {
  const prepared = prepare(topic, new Set(broker.metadata?.liveBrokers().keys()));
  if (!('prepared' in prepared)) return prepared;
  const { configs, partitions, replicationFactor, assignment } = prepared;
  warnDeprecated(broker, topic.name, Object.keys(configs));
  const result = await clusterTopics.create(topic.name, partitions, replicationFactor, configs, {
    validateOnly,
    assignment,
    timeoutMs,
  });
  return answer(broker, topic, result, replicationFactor, configs);
}

function answer(
  broker: BrokerContext,
  topic: CreatableTopic,
  result: TopicResult,
  replicationFactor: number,
  configs: Record<string, string>,
): CreatedTopic {
  if (result.errorCode !== ErrorCode.NONE || !result.topic) {
    return failed(topic.name, result.errorCode, result.errorMessage ?? '');
  }
  const created = result.topic;
  return {
    name: created.name,
    topicId: created.id === '' ? ZERO_UUID : created.id,
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    numPartitions: created.partitions,
    // -1 asks for the broker's default, which the manager checked against the one broker there is.
    replicationFactor: replicationFactor === -1 ? broker.config.defaultReplicationFactor : replicationFactor,
    configs: topicConfigEntries(broker, configs).map((entry) => ({
      name: entry.name,
      value: entry.value,
      readOnly: entry.readOnly,
      configSource: entry.configSource,
      isSensitive: entry.isSensitive,
    })),
  };
}

/** Why a manual assignment cannot be placed on these brokers, or undefined when it can. */
function assignmentProblem(
  brokerIds: ReadonlySet<number>,
  assignments: CreatableTopic['assignments'],
): string | undefined {
  const indexes = assignments.map((a) => a.partitionIndex).sort((a, b) => a - b);
  if (indexes.some((index, i) => index !== i))
    return 'Partitions should be a consecutive 0-based integer sequence.';
  const factor = assignments[0]?.brokerIds.length;
  for (const { partitionIndex, brokerIds: replicas } of assignments) {
    if (replicas.length === 0) return `Replica assignment for partition ${partitionIndex} is empty.`;
    if (new Set(replicas).size !== replicas.length)
      return `Duplicate replica assignment found: ${replicas.join(', ')}`;
    if (replicas.length !== factor) return 'All partitions should have the same number of replicas.';
    const unknown = replicas.filter((id) => !brokerIds.has(id));
    if (unknown.length > 0) return `Unknown broker(s) in replica assignment: ${unknown.join(', ')}.`;
  }
  return undefined;
}
