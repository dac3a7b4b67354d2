/**
 * What a broker reads from ZooKeeper to take the partitions a LeaderAndIsr gives it: each topic's
 * id, partition count and configs, for the topic to be recorded and its logs made (a request
 * carries none of them). The topics are read together, at most READ_CONCURRENCY at a time: a
 * partition the broker now leads serves only after its topic's reads, and read one topic after
 * the other they held the last topics' new leaders back while Metadata already named them.
 */
import type { LeaderAndIsrApi } from '../protocol/apis/leader-and-isr.js';
import { ErrorCode } from '../protocol/error-codes.js';
import type { RequestOf, ResponseOf } from '../protocol/message-types.js';
import { boundedAll } from './bounded-all.js';
import { usableTopicConfigs } from './cluster-configs.js';
import type { ZkClient } from './zookeeper/zk-client.js';
import { topicAssignment, topicConfig } from './zookeeper/zk-topics.js';
import { ZnodeFormatError } from './zookeeper/znodes.js';

type LeaderAndIsrRequest = RequestOf<typeof LeaderAndIsrApi>;
type PartitionError = ResponseOf<typeof LeaderAndIsrApi>['partitionErrors'][number];

/** ZooKeeper reads out at once (a broker that joins is sent all its partitions in one request). */
const READ_CONCURRENCY = 32;

export interface TopicToHost {
  id: string;
  /** Partitions the topic has. */
  count: number;
  /** What Kiln can apply of its configs. */
  configs: Record<string, string>;
}

/** Each topic as ZooKeeper has it; null for a topic it does not have (or without an id). */
export async function readTopicsToHost(
  zk: ZkClient,
  topics: readonly string[],
  log: (message: string) => void,
): Promise<Map<string, TopicToHost | null>> {
  return new Map(
    await boundedAll(
      topics,
      READ_CONCURRENCY,
      async (topic) => [topic, await readTopic(zk, topic, log)] as const,
    ),
  );
}

async function readTopic(
  zk: ZkClient,
  topic: string,
  log: (message: string) => void,
): Promise<TopicToHost | null> {
  const [assignment, configs] = await Promise.all([
    topicAssignment(zk, topic),
    // A malformed config node holds up no role: the topic is hosted with the defaults.
    topicConfig(zk, topic).catch((err: unknown) => {
      if (!(err instanceof ZnodeFormatError)) throw err;
      log(`configs of topic ${topic}: ${err.message}; hosted with the defaults`);
      return {};
    }),
  ]);
  if (!assignment || assignment.topicId === null) return null;
  return {
    id: assignment.topicId,
    count: Math.max(...assignment.partitions.keys()) + 1,
    // Kafka's tools write keys Kiln does not have.
    configs: usableTopicConfigs(configs, (m) => log(`configs of topic ${topic}: ${m}`)),
  };
}

/** Every partition of `request` refused with NOT_LEADER_OR_FOLLOWER: the broker takes no role now. */
export function refuseAll(request: LeaderAndIsrRequest): PartitionError[] {
  return [
    ...request.ungroupedPartitionStates,
    ...request.topicStates.flatMap((t) => t.partitionStates.map((p) => ({ ...p, topicName: t.topicName }))),
  ].map((p) => ({
    topicName: p.topicName,
    partitionIndex: p.partitionIndex,
    errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER,
  }));
}
