/**
 * The one lookup every partition request makes before it touches data: the partition's log, if
 * this broker serves it. On a single node that is any partition of a known topic; in a cluster
 * only one this broker leads (NOT_LEADER_OR_FOLLOWER otherwise, so the client goes to the leader).
 */
import type { PartitionLog } from '../../engine/index.js';
import type { BrokerContext } from '../broker-context.js';
import type { TopicInfo } from '../cluster/topic-store.js';
import { ErrorCode } from '../protocol/error-codes.js';

export type Served = { log: PartitionLog; topic: TopicInfo } | { errorCode: number };

/** The log of `topicName`-`partition` with its topic, or the error a client gets instead. */
export function servedLog(broker: BrokerContext, topicName: string, partition: number): Served {
  const leaderError = broker.replicas?.leaderError(topicName, partition) ?? ErrorCode.NONE;
  if (leaderError === ErrorCode.NOT_LEADER_OR_FOLLOWER) return { errorCode: leaderError };
  const topic = broker.topics.store.get(topicName);
  const log =
    topic && leaderError === ErrorCode.NONE && partition >= 0 && partition < topic.partitions
      ? broker.logs.getLog(topicName, partition)
      : undefined;
  return log && topic ? { log, topic } : { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
}
