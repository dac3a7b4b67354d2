/**
 * DeleteTopics: removes topics and their partition logs. Up to v5 topics are named; v6 names each
 * by name or by id (null name). Behaviours that matter:
 * - an unknown name is UNKNOWN_TOPIC_OR_PARTITION, an unknown id UNKNOWN_TOPIC_ID;
 * - with delete.topic.enable=false every topic gets TOPIC_DELETION_DISABLED from v3, and
 *   INVALID_REQUEST before (the code did not exist yet), as Kafka answers;
 * - a v6 entry giving both a name and an id, or neither, is INVALID_REQUEST;
 * - a topic listed twice is deleted once and reported the same way both times.
 */
import type { BrokerContext } from '../../broker-context.js';
import type { ClusterTopics } from '../../cluster/cluster-topics.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { DeleteTopicsApi } from '../../protocol/apis/delete-topics.js';
import type { RequestOf, ResponseOf } from '../../protocol/message-types.js';
import { reply, type Handler } from '../registry.js';
import { ZERO_UUID } from '../../protocol/absent-value.js';

/** The first version that knows TOPIC_DELETION_DISABLED. */
const DELETION_DISABLED_VERSION = 3;

type TopicRef = RequestOf<typeof DeleteTopicsApi>['topics'][number];
type DeletedTopic = ResponseOf<typeof DeleteTopicsApi>['responses'][number];

export function deleteTopicsHandler(broker: BrokerContext): Handler<typeof DeleteTopicsApi> {
  return {
    api: DeleteTopicsApi,
    handle(request, version) {
      const refs: TopicRef[] =
        version >= 6 ? request.topics : request.topicNames.map((name) => ({ name, topicId: ZERO_UUID }));
      const clusterTopics = broker.clusterTopics;
      if (clusterTopics) {
        // Cluster mode: marked in ZooKeeper, deleted by the controller on every replica.
        const unique = [...new Map(refs.map((ref) => [`${ref.name ?? ''}/${ref.topicId}`, ref])).values()];
        return Promise.all(
          unique.map(
            async (ref) =>
              [ref, await deleteInCluster(broker, clusterTopics, ref, version, request.timeoutMs)] as const,
          ),
        ).then((answers) => {
          const byRef = new Map(answers.map(([ref, answer]) => [`${ref.name ?? ''}/${ref.topicId}`, answer]));
          const responses = refs.map((ref) => ({ ...byRef.get(`${ref.name ?? ''}/${ref.topicId}`)! }));
          return reply(DeleteTopicsApi, { throttleTimeMs: 0, responses });
        });
      }
      const done = new Map<string, DeletedTopic>();
      const responses = refs.map((ref) => {
        const key = `${ref.name ?? ''}/${ref.topicId}`;
        const earlier = done.get(key);
        if (earlier) return { ...earlier };
        const result = deleteOne(broker, ref, version);
        done.set(key, result);
        return result;
      });
      return reply(DeleteTopicsApi, { throttleTimeMs: 0, responses });
    },
  };
}

async function deleteInCluster(
  broker: BrokerContext,
  clusterTopics: ClusterTopics,
  ref: TopicRef,
  version: number,
  timeoutMs: number,
): Promise<DeletedTopic> {
  const refused = checkRef(broker, ref, version);
  if (refused) return refused;
  // By id: the id the controller gave, known to every broker (the topic store knows only the
  // topics held here).
  const name =
    ref.name ?? broker.metadata?.topicName(ref.topicId) ?? broker.topics.store.getById(ref.topicId)?.name;
  if (name === undefined) {
    return {
      name: ref.name,
      topicId: ref.topicId,
      errorCode: ErrorCode.UNKNOWN_TOPIC_ID,
      errorMessage: 'This server does not host this topic ID.',
    };
  }
  const result = await clusterTopics.delete(name, timeoutMs);
  return { name, topicId: ref.topicId, errorCode: result.errorCode, errorMessage: result.errorMessage };
}

/** The refusals that do not depend on the topic: both or neither of name and id, deletion disabled. */
function checkRef(broker: BrokerContext, ref: TopicRef, version: number): DeletedTopic | undefined {
  const response = (errorCode: number, errorMessage: string): DeletedTopic => ({
    name: ref.name,
    topicId: ref.topicId,
    errorCode,
    errorMessage,
  });
  const byId = ref.topicId !== ZERO_UUID;
  if (byId && ref.name !== null)
    return response(ErrorCode.INVALID_REQUEST, 'You may not specify both topic name and topic id.');
  if (!byId && ref.name === null)
    return response(ErrorCode.INVALID_REQUEST, 'Neither topic name nor topic id was specified.');
  if (!broker.config.deleteTopicEnable) {
    return response(
      version >= DELETION_DISABLED_VERSION ? ErrorCode.TOPIC_DELETION_DISABLED : ErrorCode.INVALID_REQUEST,
      'Topic deletion is disabled.',
    );
  }
  return undefined;
}

function deleteOne(broker: BrokerContext, ref: TopicRef, version: number): DeletedTopic {
  const response = (
    errorCode: number,
    errorMessage: string | null,
    name = ref.name,
    topicId = ref.topicId,
  ) => ({
    name,
    topicId,
    errorCode,
    errorMessage,
  });
  const refused = checkRef(broker, ref, version);
  if (refused) return refused;
  const byId = ref.topicId !== ZERO_UUID;
  const topic = byId ? broker.topics.store.getById(ref.topicId) : broker.topics.store.get(ref.name!);
  if (!topic) {
    return byId
      ? response(ErrorCode.UNKNOWN_TOPIC_ID, 'This server does not host this topic ID.')
      : response(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'This server does not host this topic-partition.');
  }
  const result = broker.topics.delete(topic.name);
  if (result.errorCode !== ErrorCode.NONE) return response(result.errorCode, result.errorMessage);
  broker.log.info({ topic: topic.name, id: topic.id }, 'topic deleted');
  return response(ErrorCode.NONE, null, topic.name, topic.id);
}
