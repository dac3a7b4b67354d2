/**
 * CreateTopics: creates each listed topic through the topic manager, which applies Kafka's rules
 * and messages (the messages match what Kafka 2.4.1 answers for TOPIC_ALREADY_EXISTS,
 * INVALID_REPLICATION_FACTOR and INVALID_PARTITIONS). Behaviours that matter:
 * - a name listed twice in one request fails every copy with INVALID_REQUEST, as in Kafka;
 * - a manual replica assignment must list partitions 0..n-1, each on this node alone;
 *   numPartitions/replicationFactor must then be -1;
 * - a null config value is INVALID_REQUEST; a bad one INVALID_CONFIG with the engine's reason;
 * - v5+ answers with the partitions, replication factor and every resulting config; v7 the id.
 */
import type { BrokerContext } from '../../broker-context.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { CreateTopicsApi } from '../../protocol/apis/create-topics.js';
import type { RequestOf, ResponseOf } from '../../protocol/message-types.js';
import { reply, type Handler } from '../registry.js';
import { topicConfigEntries } from './config-entries.js';

const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

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
      const topics = requested.map((topic) =>
        (counts.get(topic.name) ?? 0) > 1
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

function createOne(broker: BrokerContext, topic: CreatableTopic, validateOnly: boolean): CreatedTopic {
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
    const problem = assignmentProblem(broker.nodeId, topic.assignments);
    if (problem) return failed(topic.name, ErrorCode.INVALID_REPLICA_ASSIGNMENT, problem);
    partitions = topic.assignments.length;
    replicationFactor = 1;
  }
  const result = broker.topics.create(topic.name, partitions, replicationFactor, configs, validateOnly);
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

/** Why a manual assignment cannot be placed on this one node, or undefined when it can. */
function assignmentProblem(nodeId: number, assignments: CreatableTopic['assignments']): string | undefined {
  const indexes = assignments.map((a) => a.partitionIndex).sort((a, b) => a - b);
  if (indexes.some((index, i) => index !== i))
    return 'Partitions should be a consecutive 0-based integer sequence.';
  for (const { partitionIndex, brokerIds } of assignments) {
    if (brokerIds.length === 0) return `Replica assignment for partition ${partitionIndex} is empty.`;
    if (new Set(brokerIds).size !== brokerIds.length)
      return `Duplicate replica assignment found: ${brokerIds.join(', ')}`;
    const unknown = brokerIds.filter((id) => id !== nodeId);
    if (unknown.length > 0) return `Unknown broker(s) in replica assignment: ${unknown.join(', ')}.`;
  }
  return undefined;
}
