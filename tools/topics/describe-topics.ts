/**
 * `kiln topics --describe`, in kafka-topics.sh's layout:
 *
 *   Topic: orders	TopicId: ...	PartitionCount: 3	ReplicationFactor: 2	Configs: retention.ms=60000
 *   	Topic: orders	Partition: 0	Leader: 1	Replicas: 1,2	Isr: 1,2
 *
 * (a partition without a leader shows "Leader: none"). --topics-with-overrides prints only the
 * topic lines of topics with overrides; a partition report (partition-filters.ts) only the
 * partition lines it selects, with no topic lines. `--json` gives the same selection as JSON.
 */
import { printJson } from '../client/cli.js';
import { checkError, type KafkaClient } from '../client/kafka-client.js';
import { inReport, minIsrOf, type PartitionReport } from './partition-filters.js';
import { matchingTopics } from './matching-topics.js';

const TOPIC_RESOURCE = 2;

export interface DescribeOptions {
  excludeInternal: boolean;
  overridesOnly: boolean;
  json: boolean;
  /** Only the partitions of this report. */
  report: PartitionReport | undefined;
}

interface DescribedTopic {
  name: string;
  topicId: string;
  partitionCount: number;
  replicationFactor: number;
  configs: Record<string, string | null>;
  partitions: { partition: number; leader: number; replicas: number[]; isr: number[] }[];
}

export async function describeTopics(
  client: KafkaClient,
  pattern: RegExp | undefined,
  given: string | undefined,
  ifExists: boolean,
  options: DescribeOptions,
): Promise<number> {
  const names = pattern
    ? await matchingTopics(client, pattern, given!, ifExists, options.excludeInternal)
    : (await client.metadata(null)).topics
        .filter((t) => !(options.excludeInternal && t.isInternal))
        .map((t) => t.name)
        .sort();
  const meta = names.length > 0 ? await client.metadata(names) : { topics: [], brokers: new Map() };
  const live = new Set(meta.brokers.keys());
  const described: DescribedTopic[] = [];
  for (const topic of meta.topics.sort((a, b) => a.name.localeCompare(b.name))) {
    checkError(topic.errorCode, `topic ${topic.name}`);
    const all = await client.describeConfigs(TOPIC_RESOURCE, topic.name);
    const configs = all.filter((c) => c.source === 'DYNAMIC_TOPIC_CONFIG');
    if (options.overridesOnly && configs.length === 0) continue;
    const minIsr = minIsrOf(all.find((c) => c.name === 'min.insync.replicas')?.value);
    const report = options.report;
    const partitions = topic.partitions
      .filter((p) => report === undefined || inReport(report, p, live, minIsr))
      .map((p) => ({ partition: p.partition, leader: p.leader, replicas: p.replicas, isr: p.isr }));
    if (report !== undefined && partitions.length === 0) continue;
    described.push({
      name: topic.name,
      topicId: topic.topicId,
      partitionCount: topic.partitions.length,
      replicationFactor: topic.partitions[0]?.replicas.length ?? 0,
      configs: Object.fromEntries(configs.map((c) => [c.name, c.isSensitive ? null : c.value])),
      partitions,
    });
  }
  if (options.json) {
    printJson(described);
    return 0;
  }
  for (const t of described) {
    // A partition report prints partition lines only, as Kafka's tool does.
    if (options.report === undefined) {
      const configText = Object.entries(t.configs)
        .map(([k, v]) => `${k}=${v ?? '(sensitive)'}`)
        .join(',');
      process.stdout.write(
        `Topic: ${t.name}\tTopicId: ${t.topicId}\tPartitionCount: ${t.partitionCount}\tReplicationFactor: ${t.replicationFactor}\tConfigs: ${configText}\n`,
      );
    }
    // --topics-with-overrides prints the topic lines only, as Kafka's tool does.
    if (options.overridesOnly) continue;
    for (const p of t.partitions) {
      const leader = p.leader < 0 ? 'none' : String(p.leader);
      process.stdout.write(
        `\tTopic: ${t.name}\tPartition: ${p.partition}\tLeader: ${leader}\tReplicas: ${p.replicas.join(',')}\tIsr: ${p.isr.join(',')}\n`,
      );
    }
  }
  return 0;
}
