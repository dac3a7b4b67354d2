/**
 * CreatePartitions: grows topics to a new partition count through the topic manager. Behaviours
 * that matter:
 * - the count is the new total and must be above the current one (INVALID_PARTITIONS otherwise);
 * - a manual assignment (non-null) must give one entry per new partition, each this node alone,
 *   else INVALID_REPLICA_ASSIGNMENT;
 * - a topic named twice in one request is INVALID_REQUEST for each copy, as in Kafka;
 * - validateOnly checks everything and changes nothing.
 */
import type { BrokerContext } from '../../broker-context.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { CreatePartitionsApi } from '../../protocol/apis/create-partitions.js';
import type { RequestOf, ResponseOf } from '../../protocol/message-types.js';
import { reply, type Handler } from '../registry.js';

type CreatePartitionsTopic = RequestOf<typeof CreatePartitionsApi>['topics'][number];
type Result = ResponseOf<typeof CreatePartitionsApi>['results'][number];

export function createPartitionsHandler(broker: BrokerContext): Handler<typeof CreatePartitionsApi> {
  return {
    api: CreatePartitionsApi,
    handle(request) {
      const topics = request.topics;
      const validateOnly = request.validateOnly;
      const counts = new Map<string, number>();
      for (const topic of topics) counts.set(topic.name, (counts.get(topic.name) ?? 0) + 1);
      const clusterTopics = broker.clusterTopics;
      if (clusterTopics) {
        // Cluster mode: the new partitions go to ZooKeeper; the controller gives them leaders.
        return Promise.all(
          topics.map(async (topic) => {
            if ((counts.get(topic.name) ?? 0) > 1)
              return result(topic.name, ErrorCode.INVALID_REQUEST, 'Duplicate topic in request.');
            const outcome = await clusterTopics.addPartitions(topic.name, topic.count, {
              validateOnly,
              assignment: topic.assignments?.map((a) => a.brokerIds),
              timeoutMs: request.timeoutMs,
            });
            return result(topic.name, outcome.errorCode, outcome.errorMessage);
          }),
        ).then((results) => reply(CreatePartitionsApi, { throttleTimeMs: 0, results }));
      }
      const results = topics.map((topic) =>
        (counts.get(topic.name) ?? 0) > 1
          ? result(topic.name, ErrorCode.INVALID_REQUEST, 'Duplicate topic in request.')
          : growOne(broker, topic, validateOnly),
      );
      return reply(CreatePartitionsApi, { throttleTimeMs: 0, results });
    },
  };
}

function result(name: string, errorCode: number, errorMessage: string | null): Result {
  return { name, errorCode, errorMessage };
}

function growOne(broker: BrokerContext, topic: CreatePartitionsTopic, validateOnly: boolean): Result {
  const existing = broker.topics.store.get(topic.name);
  if (existing && topic.assignments !== null && topic.count > existing.partitions) {
    const adding = topic.count - existing.partitions;
    if (topic.assignments.length !== adding) {
      return result(
        topic.name,
        ErrorCode.INVALID_REPLICA_ASSIGNMENT,
        `Increasing the number of partitions by ${adding} but ${topic.assignments.length} assignments provided.`,
      );
    }
    for (const { brokerIds } of topic.assignments) {
      if (brokerIds.length !== 1 || brokerIds[0] !== broker.nodeId) {
        return result(
          topic.name,
          ErrorCode.INVALID_REPLICA_ASSIGNMENT,
          `Replica assignment [${brokerIds.join(', ')}] is invalid: this cluster has the one broker ${broker.nodeId}.`,
        );
      }
    }
  }
  const outcome = broker.topics.addPartitions(topic.name, topic.count, validateOnly);
  if (outcome.errorCode === ErrorCode.NONE && !validateOnly)
    broker.log.info({ topic: topic.name, partitions: topic.count }, 'partitions added');
  return result(topic.name, outcome.errorCode, outcome.errorMessage);
}
