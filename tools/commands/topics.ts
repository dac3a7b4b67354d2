/** `kiln topics`: create, list, describe, alter and delete topics (Kafka's kafka-topics.sh). */
import { parseArgs } from 'node:util';
import type { Command } from '../kiln.js';
import { UsageError } from '../kiln.js';
import { parseInteger, parseKeyValues, printJson, printTable, withClient } from '../client/cli.js';
import { ApiKey, checkError, type KafkaClient } from '../client/kafka-client.js';
import type { Message } from '../../server/protocol/codec.js';

const USAGE = `usage: kiln topics --bootstrap-server HOST:PORT (--create|--list|--describe|--alter|--delete) [options]

  --create --topic T [--partitions N] [--replication-factor R] [--config k=v]...
  --list [--json]
  --describe [--topic T] [--json]   partitions, leader, replicas, isr and non-default configs
  --alter --topic T [--partitions N] [--config k=v]...   more partitions (CreatePartitions) and/or
                                    configs (IncrementalAlterConfigs)
  --delete --topic T

Broker errors are printed with the Kafka error name; exit code 1.`;

const TOPIC_RESOURCE = 2;

export const command: Command = {
  name: 'topics',
  summary: 'create, list, describe, alter and delete topics',
  usage: USAGE,
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        'bootstrap-server': { type: 'string' },
        create: { type: 'boolean' },
        list: { type: 'boolean' },
        describe: { type: 'boolean' },
        alter: { type: 'boolean' },
        delete: { type: 'boolean' },
        topic: { type: 'string' },
        partitions: { type: 'string' },
        'replication-factor': { type: 'string' },
        config: { type: 'string', multiple: true },
        json: { type: 'boolean' },
      },
    });
    const actions = (['create', 'list', 'describe', 'alter', 'delete'] as const).filter((a) => values[a]);
    if (actions.length !== 1)
      throw new UsageError('give exactly one of --create, --list, --describe, --alter, --delete');
    const action = actions[0]!;
    const topic = values.topic;
    if (action !== 'list' && action !== 'describe' && !topic)
      throw new UsageError(`--${action} needs --topic`);
    const partitions = parseInteger(values.partitions, '--partitions');
    const replication = parseInteger(values['replication-factor'], '--replication-factor');
    const configs = parseKeyValues(values.config);

    return withClient('topics', values['bootstrap-server'], async (client) => {
      switch (action) {
        case 'create':
          return create(client, topic!, partitions, replication, configs);
        case 'list':
          return list(client, values.json ?? false);
        case 'describe':
          return describe(client, topic, values.json ?? false);
        case 'alter':
          if (partitions === undefined && configs.size === 0) {
            throw new UsageError('--alter needs --partitions and/or --config');
          }
          return alter(client, topic!, partitions, configs);
        case 'delete':
          return remove(client, topic!);
      }
    });
  },
};

async function create(
  client: KafkaClient,
  name: string,
  partitions: number | undefined,
  replication: number | undefined,
  configs: Map<string, string>,
): Promise<number> {
  const conn = await client.controller();
  // -1 means "the broker's default" from CreateTopics v4; older brokers need explicit numbers.
  const useDefaults = conn.version(ApiKey.CreateTopics) >= 4;
  const response = await conn.request(ApiKey.CreateTopics, {
    topics: [
      {
        name,
        numPartitions: partitions ?? (useDefaults ? -1 : 1),
        replicationFactor: replication ?? (useDefaults ? -1 : 1),
        assignments: [],
        configs: [...configs].map(([key, value]) => ({ name: key, value })),
      },
    ],
    timeoutMs: 30_000,
    validateOnly: false,
  });
  for (const t of response.topics as Message[])
    checkError(t.errorCode, `create topic ${name}`, t.errorMessage);
  process.stdout.write(`Created topic ${name}.\n`);
  return 0;
}

async function list(client: KafkaClient, json: boolean): Promise<number> {
  const meta = await client.metadata(null);
  const names = meta.topics.map((t) => t.name).sort();
  if (json) printJson(names);
  else if (names.length) process.stdout.write(names.join('\n') + '\n');
  return 0;
}

async function describe(client: KafkaClient, name: string | undefined, json: boolean): Promise<number> {
  const meta = await client.metadata(name ? [name] : null);
  const described = [];
  for (const topic of meta.topics.sort((a, b) => a.name.localeCompare(b.name))) {
    checkError(topic.errorCode, `topic ${topic.name}`);
    const configs = (await client.describeConfigs(TOPIC_RESOURCE, topic.name)).filter((c) => !c.isDefault);
    described.push({
      name: topic.name,
      topicId: topic.topicId,
      partitionCount: topic.partitions.length,
      replicationFactor: topic.partitions[0]?.replicas.length ?? 0,
      configs: Object.fromEntries(configs.map((c) => [c.name, c.isSensitive ? null : c.value])),
      partitions: topic.partitions.map((p) => ({
        partition: p.partition,
        leader: p.leader,
        replicas: p.replicas,
        isr: p.isr,
      })),
    });
  }
  if (json) {
    printJson(described);
    return 0;
  }
  for (const t of described) {
    const configText = Object.entries(t.configs)
      .map(([k, v]) => `${k}=${v ?? '(sensitive)'}`)
      .join(',');
    process.stdout.write(
      `Topic: ${t.name}\tTopicId: ${t.topicId}\tPartitionCount: ${t.partitionCount}\tReplicationFactor: ${t.replicationFactor}\tConfigs: ${configText}\n`,
    );
    printTable(
      ['', 'Partition', 'Leader', 'Replicas', 'Isr'],
      t.partitions.map((p) => ['', p.partition, p.leader, p.replicas.join(','), p.isr.join(',')]),
    );
  }
  return 0;
}

async function alter(
  client: KafkaClient,
  name: string,
  partitions: number | undefined,
  configs: Map<string, string>,
): Promise<number> {
  if (partitions !== undefined) {
    const conn = await client.controller();
    const response = await conn.request(ApiKey.CreatePartitions, {
      topics: [{ name, count: partitions, assignments: null }],
      timeoutMs: 30_000,
      validateOnly: false,
    });
    for (const r of response.results as Message[])
      checkError(r.errorCode, `alter partitions of ${name}`, r.errorMessage);
    process.stdout.write(`Topic ${name} now has ${partitions} partitions.\n`);
  }
  if (configs.size) {
    await client.alterConfigs(TOPIC_RESOURCE, name, configs, []);
    process.stdout.write(`Updated configs of topic ${name}.\n`);
  }
  return 0;
}

async function remove(client: KafkaClient, name: string): Promise<number> {
  const conn = await client.controller();
  const response = await conn.request(ApiKey.DeleteTopics, {
    topicNames: [name],
    topics: [{ name }],
    timeoutMs: 30_000,
  });
  for (const r of response.responses as Message[])
    checkError(r.errorCode, `delete topic ${name}`, r.errorMessage);
  process.stdout.write(`Deleted topic ${name}.\n`);
  return 0;
}
