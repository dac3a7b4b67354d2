/**
 * Finding (or creating) the topic a load generator works on, and the partitions it uses.
 * Creation goes to the controller with CreateTopics, as `kiln topics --create` does; a topic that
 * was just created may answer LEADER_NOT_AVAILABLE for a moment, so metadata is polled until every
 * partition has a leader.
 */
import { UsageError } from '../kiln.js';
import { KafkaError, checkError, type KafkaClient, type TopicMetadata } from '../client/kafka-client.js';
import { ErrorCode } from '../../server/protocol/error-codes.js';
import { CreateTopicsApi } from '../../server/protocol/apis/create-topics.js';
import type { PartitionSelection } from './perf-options.js';

const LEADER_WAIT_MS = 15_000;
const POLL_MS = 100;

/**
 * The topic's metadata once every partition has a leader. When it does not exist, it is created
 * with `createPartitions` partitions if given; otherwise that is an error naming the topic, with
 * `missingHint` as its detail.
 */
export async function ensureTopic(
  client: KafkaClient,
  name: string,
  createPartitions: number | null,
  missingHint = 'it does not exist',
): Promise<TopicMetadata> {
  let topic = await lookup(client, name);
  if (topic === undefined) {
    if (createPartitions === null) {
      throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic ${name}`, missingHint);
    }
    await create(client, name, createPartitions);
  }
  const deadline = Date.now() + LEADER_WAIT_MS;
  for (;;) {
    topic = await lookup(client, name);
    const ready =
      topic !== undefined &&
      topic.errorCode === ErrorCode.NONE &&
      topic.partitions.length > 0 &&
      topic.partitions.every((p) => p.leader >= 0 && p.errorCode === ErrorCode.NONE);
    if (ready) return topic!;
    if (Date.now() > deadline) {
      const code = topic?.errorCode || ErrorCode.LEADER_NOT_AVAILABLE;
      throw new KafkaError(code, `topic ${name}`, 'partitions have no leader');
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** The topic's metadata, or undefined when the broker does not know it. */
async function lookup(client: KafkaClient, name: string): Promise<TopicMetadata | undefined> {
  const topic = (await client.metadata([name])).topics.find((t) => t.name === name);
  if (!topic || topic.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) return undefined;
  if (topic.errorCode !== ErrorCode.NONE && topic.errorCode !== ErrorCode.LEADER_NOT_AVAILABLE) {
    checkError(topic.errorCode, `topic ${name}`);
  }
  return topic;
}

async function create(client: KafkaClient, name: string, partitions: number): Promise<void> {
  const conn = await client.controller();
  // -1 means "the broker's default" from CreateTopics v4; older brokers need a number.
  const replicationFactor = conn.version(CreateTopicsApi.key) >= 4 ? -1 : 1;
  const response = await conn.request(CreateTopicsApi, {
    topics: [{ name, numPartitions: partitions, replicationFactor, assignments: [], configs: [] }],
    timeoutMs: 30_000,
    validateOnly: false,
  });
  for (const t of response.topics) {
    // Someone else made it in the meantime: fine, it exists.
    if (t.errorCode === ErrorCode.TOPIC_ALREADY_EXISTS) continue;
    checkError(t.errorCode, `create topic ${name}`, t.errorMessage);
  }
}

/** The partitions to use: all of the topic's, or the listed ones, which must exist. */
export function selectPartitions(topic: TopicMetadata, selection: PartitionSelection): number[] {
  const existing = topic.partitions.map((p) => p.partition);
  if (selection === 'all') return existing;
  const missing = selection.filter((p) => !existing.includes(p));
  if (missing.length) {
    throw new UsageError(
      `--partitions: topic ${topic.name} has no partition ${missing.join(', ')} (it has ${existing.length})`,
    );
  }
  return selection;
}
