/**
 * `kiln topics`: create, list, describe, alter and delete topics, with the flags and output of
 * Kafka's kafka-topics.sh. As there, `--topic` names one topic for --create and is a regular
 * expression over the existing topics for the other actions; --describe prints
 *
 *   Topic: orders	TopicId: ...	PartitionCount: 3	ReplicationFactor: 1	Configs: retention.ms=60000
 *   	Topic: orders	Partition: 0	Leader: 0	Replicas: 0	Isr: 0
 *
 * `--json` gives the same as JSON. --describe is in tools/topics/describe-topics.ts, with its
 * partition reports (--under-replicated-partitions and the others, tools/topics/partition-filters.ts).
 */
import { parseArgs } from 'node:util';
import { deprecationWarnings } from '../../engine/index.js';
import type { Command } from '../kiln.js';
import { UsageError } from '../kiln.js';
import {
  BROKER_OPTIONS,
  bootstrapFrom,
  parseInteger,
  parseKeyValues,
  printJson,
  withClient,
} from '../client/cli.js';
import { checkError, type KafkaClient } from '../client/kafka-client.js';
import { ErrorCode } from '../../server/protocol/error-codes.js';
import { CreatePartitionsApi } from '../../server/protocol/apis/create-partitions.js';
import { CreateTopicsApi } from '../../server/protocol/apis/create-topics.js';
import { DeleteTopicsApi } from '../../server/protocol/apis/delete-topics.js';
import { describeTopics } from '../topics/describe-topics.js';
import { matchingTopics } from '../topics/matching-topics.js';
import { PARTITION_REPORTS } from '../topics/partition-filters.js';

const USAGE = `usage: kiln topics --bootstrap-server HOST:PORT (--create|--list|--describe|--alter|--delete) [options]

  --create --topic T [--partitions N] [--replication-factor R | --replica-assignment 0:0,0]
           [--config k=v]... [--if-not-exists]
  --list [--topic REGEX] [--exclude-internal] [--json]
  --describe [--topic REGEX] [--exclude-internal] [--topics-with-overrides] [--if-exists] [--json]
                                    partitions, leader, replicas, isr and the overrides
             [--under-replicated-partitions | --unavailable-partitions |
              --under-min-isr-partitions | --at-min-isr-partitions]
                                    only the partitions with fewer in-sync replicas than
                                    replicas / without a live leader / with fewer in-sync
                                    replicas than min.insync.replicas / with exactly that many
  --alter --topic REGEX [--partitions N] [--config k=v]... [--delete-config k]... [--if-exists]
                                    more partitions (CreatePartitions) and/or configs
                                    (IncrementalAlterConfigs)
  --delete --topic REGEX [--if-exists]

--topic is a regular expression except with --create, as in Kafka's tool. A topic that does not
exist is an error unless --if-exists; one that does, for --create, unless --if-not-exists.
Broker errors are printed with the Kafka error name; exit code 1. --broker-list is accepted for
--bootstrap-server.`;

const TOPIC_RESOURCE = 2;

export const command: Command = {
  name: 'topics',
  summary: 'create, list, describe, alter and delete topics',
  usage: USAGE,
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        ...BROKER_OPTIONS,
        create: { type: 'boolean' },
        list: { type: 'boolean' },
        describe: { type: 'boolean' },
        alter: { type: 'boolean' },
        delete: { type: 'boolean' },
        topic: { type: 'string' },
        partitions: { type: 'string' },
        'replication-factor': { type: 'string' },
        'replica-assignment': { type: 'string' },
        config: { type: 'string', multiple: true },
        'delete-config': { type: 'string', multiple: true },
        'if-exists': { type: 'boolean' },
        'if-not-exists': { type: 'boolean' },
        'exclude-internal': { type: 'boolean' },
        'topics-with-overrides': { type: 'boolean' },
        'under-replicated-partitions': { type: 'boolean' },
        'unavailable-partitions': { type: 'boolean' },
        'under-min-isr-partitions': { type: 'boolean' },
        'at-min-isr-partitions': { type: 'boolean' },
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
    if (values['if-not-exists'] && action !== 'create')
      throw new UsageError('--if-not-exists goes with --create');
    if (values['if-exists'] && (action === 'create' || action === 'list'))
      throw new UsageError('--if-exists goes with --alter, --delete or --describe');
    const reports = PARTITION_REPORTS.filter((r) => values[r]);
    if (reports.length > 0 && action !== 'describe')
      throw new UsageError(`--${reports[0]} goes with --describe`);
    if (reports.length > 1) throw new UsageError(`give one of ${reports.map((r) => `--${r}`).join(', ')}`);
    if (reports.length > 0 && values['topics-with-overrides'])
      throw new UsageError(`--${reports[0]} and --topics-with-overrides do not go together`);
    const partitions = parseInteger(values.partitions, '--partitions');
    const replication = parseInteger(values['replication-factor'], '--replication-factor');
    const assignment =
      values['replica-assignment'] === undefined
        ? undefined
        : parseReplicaAssignment(values['replica-assignment']);
    if (assignment && (partitions !== undefined || replication !== undefined))
      throw new UsageError('--replica-assignment replaces --partitions and --replication-factor');
    const configs = parseKeyValues(values.config);
    for (const warning of deprecationWarnings(configs.keys())) process.stderr.write(`Warning: ${warning}\n`);
    const deleted = (values['delete-config'] ?? []).flatMap((k) => k.split(',')).filter(Boolean);
    const pattern = action === 'create' || topic === undefined ? undefined : topicPattern(topic);
    const ifExists = values['if-exists'] ?? false;

    return withClient('topics', bootstrapFrom(values), async (client) => {
      switch (action) {
        case 'create':
          return create(
            client,
            topic!,
            partitions,
            replication,
            assignment,
            configs,
            values['if-not-exists'] ?? false,
          );
        case 'list':
          return list(client, pattern, values['exclude-internal'] ?? false, values.json ?? false);
        case 'describe':
          return describeTopics(client, pattern, topic, ifExists, {
            excludeInternal: values['exclude-internal'] ?? false,
            overridesOnly: values['topics-with-overrides'] ?? false,
            json: values.json ?? false,
            report: reports[0],
          });
        case 'alter': {
          if (partitions === undefined && configs.size === 0 && deleted.length === 0)
            throw new UsageError('--alter needs --partitions, --config and/or --delete-config');
          const names = await matchingTopics(client, pattern!, topic!, ifExists, false);
          for (const name of names) await alter(client, name, partitions, configs, deleted);
          return 0;
        }
        case 'delete': {
          const names = await matchingTopics(client, pattern!, topic!, ifExists, false);
          for (const name of names) await remove(client, name);
          return 0;
        }
      }
    });
  },
};

/** `--topic` as Kafka's tool reads it for the actions other than --create: the whole name matches. */
function topicPattern(text: string): RegExp {
  try {
    return new RegExp(`^(?:${text})$`);
  } catch (err) {
    throw new UsageError(`--topic '${text}' is not a regular expression: ${(err as Error).message}`);
  }
}

/** `0:0,0:0` (Kafka's --replica-assignment): per partition, the broker ids of its replicas. */
function parseReplicaAssignment(text: string): number[][] {
  if (!/^\d+(:\d+)*(,\d+(:\d+)*)*$/.test(text))
    throw new UsageError(
      `--replica-assignment '${text}': expected broker ids like 0:1,1:2 (one list per partition)`,
    );
  return text.split(',').map((replicas) => replicas.split(':').map(Number));
}

async function create(
  client: KafkaClient,
  name: string,
  partitions: number | undefined,
  replication: number | undefined,
  assignment: number[][] | undefined,
  configs: Map<string, string>,
  ifNotExists: boolean,
): Promise<number> {
  const conn = await client.controller();
  // -1 means "the broker's default" from CreateTopics v4; older brokers need explicit numbers.
  const useDefaults = conn.version(CreateTopicsApi.key) >= 4;
  const response = await conn.request(CreateTopicsApi, {
    topics: [
      {
        name,
        numPartitions: assignment ? -1 : (partitions ?? (useDefaults ? -1 : 1)),
        replicationFactor: assignment ? -1 : (replication ?? (useDefaults ? -1 : 1)),
        assignments: (assignment ?? []).map((brokerIds, partitionIndex) => ({ partitionIndex, brokerIds })),
        configs: [...configs].map(([key, value]) => ({ name: key, value })),
      },
    ],
    timeoutMs: 30_000,
    validateOnly: false,
  });
  for (const t of response.topics) {
    if (t.errorCode === ErrorCode.TOPIC_ALREADY_EXISTS && ifNotExists) return 0;
    checkError(t.errorCode, `create topic ${name}`, t.errorMessage);
  }
  process.stdout.write(`Created topic ${name}.\n`);
  return 0;
}

async function list(
  client: KafkaClient,
  pattern: RegExp | undefined,
  excludeInternal: boolean,
  json: boolean,
): Promise<number> {
  const meta = await client.metadata(null);
  const names = meta.topics
    .filter((t) => (!pattern || pattern.test(t.name)) && !(excludeInternal && t.isInternal))
    .map((t) => t.name)
    .sort();
  if (json) printJson(names);
  else if (names.length) process.stdout.write(names.join('\n') + '\n');
  return 0;
}

async function alter(
  client: KafkaClient,
  name: string,
  partitions: number | undefined,
  configs: Map<string, string>,
  deleted: string[],
): Promise<void> {
  if (partitions !== undefined) {
    const conn = await client.controller();
    const response = await conn.request(CreatePartitionsApi, {
      topics: [{ name, count: partitions, assignments: null }],
      timeoutMs: 30_000,
      validateOnly: false,
    });
    for (const r of response.results) checkError(r.errorCode, `alter partitions of ${name}`, r.errorMessage);
    process.stdout.write(`Topic ${name} now has ${partitions} partitions.\n`);
  }
  if (configs.size || deleted.length) {
    await client.alterConfigs(TOPIC_RESOURCE, name, configs, deleted);
    process.stdout.write(`Updated configs of topic ${name}.\n`);
  }
}

async function remove(client: KafkaClient, name: string): Promise<void> {
  const conn = await client.controller();
  const response = await conn.request(DeleteTopicsApi, {
    topicNames: [name],
    topics: [{ name }],
    timeoutMs: 30_000,
  });
  for (const r of response.responses) checkError(r.errorCode, `delete topic ${name}`, r.errorMessage);
  process.stdout.write(`Deleted topic ${name}.\n`);
}
