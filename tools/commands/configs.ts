/**
 * `kiln configs`: describe and alter topic and broker configs, in the manner of Kafka's
 * kafka-configs.sh: the same flags, and the same text layout, so scripts written for Kafka's tool
 * read Kiln's answers:
 *
 *   Dynamic configs for topic orders are:
 *     retention.ms=60000 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:retention.ms=60000, ...}
 *
 * `--json` gives the same as a JSON array.
 */
import { parseArgs } from 'node:util';
import { deprecationWarnings } from '../../engine/index.js';
import type { Command } from '../kiln.js';
import { UsageError } from '../kiln.js';
import { BROKER_OPTIONS, bootstrapFrom, printJson, withClient } from '../client/cli.js';
import type { ConfigEntry, KafkaClient } from '../client/kafka-client.js';
import {
  BROKER_RESOURCE,
  TOPIC_RESOURCE,
  entityOf,
  parseAddConfig,
  parseDeleteConfig,
  readConfigFile,
  type Entity,
} from '../configs/config-arguments.js';

const USAGE = `usage: kiln configs --bootstrap-server HOST:PORT ENTITY (--describe [--all] [--json] | --alter CHANGES)

ENTITY:   --entity-type topics|brokers (--entity-name N | --entity-default), or --topic T,
          --broker N, --broker-defaults. --describe without a name describes every topic or broker.
CHANGES:  --add-config k1=v1,k2=[a,b]   set keys (square brackets hold a list value)
          --add-config-file FILE        set the keys of a properties file
          --delete-config k1,k2         return keys to their defaults
          (IncrementalAlterConfigs; the options may be repeated)

  --describe       the entity's overrides (what Kafka calls its dynamic configs); with --all,
                   every config with its source and synonyms
  --broker-list is accepted for --bootstrap-server.`;

export const command: Command = {
  name: 'configs',
  summary: 'describe and alter topic and broker configs',
  usage: USAGE,
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        ...BROKER_OPTIONS,
        'entity-type': { type: 'string' },
        'entity-name': { type: 'string' },
        'entity-default': { type: 'boolean' },
        topic: { type: 'string' },
        broker: { type: 'string' },
        'broker-defaults': { type: 'boolean' },
        describe: { type: 'boolean' },
        alter: { type: 'boolean' },
        all: { type: 'boolean' },
        'add-config': { type: 'string', multiple: true },
        'add-config-file': { type: 'string' },
        'delete-config': { type: 'string', multiple: true },
        json: { type: 'boolean' },
      },
    });
    if (Boolean(values.describe) === Boolean(values.alter))
      throw new UsageError('give exactly one of --describe, --alter');
    const entity = entityOf(values);
    const add = parseAddConfig(values['add-config'] ?? []);
    if (values['add-config-file'] !== undefined)
      for (const [k, v] of readConfigFile(values['add-config-file'])) add.set(k, v);
    const remove = parseDeleteConfig(values['delete-config'] ?? []);
    for (const warning of deprecationWarnings(add.keys())) process.stderr.write(`Warning: ${warning}\n`);
    if (values.alter) {
      if (add.size === 0 && remove.length === 0)
        throw new UsageError('--alter needs --add-config, --add-config-file and/or --delete-config');
      const both = remove.filter((k) => add.has(k));
      if (both.length > 0) throw new UsageError(`${both.join(', ')}: both added and deleted`);
      if (entity.name === undefined) throw new UsageError('--alter needs the entity named (--entity-name)');
    } else if (add.size > 0 || remove.length > 0) {
      throw new UsageError('--add-config and --delete-config go with --alter');
    }

    return withClient('configs', bootstrapFrom(values), async (client) => {
      if (values.alter) return alter(client, entity as Entity & { name: string }, add, remove);
      return describe(client, entity, values.all ?? false, values.json ?? false);
    });
  },
};

function title(entity: Entity & { name: string }): string {
  if (entity.kind === 'topics') return `topic ${entity.name}`;
  return entity.name === '' ? 'brokers in the cluster' : `broker ${entity.name}`;
}

async function alter(
  client: KafkaClient,
  entity: Entity & { name: string },
  add: Map<string, string>,
  remove: string[],
): Promise<number> {
  const type = entity.kind === 'topics' ? TOPIC_RESOURCE : BROKER_RESOURCE;
  await client.alterConfigs(type, entity.name, add, remove);
  process.stdout.write(
    entity.kind === 'brokers' && entity.name === ''
      ? 'Completed updating default config for brokers in the cluster.\n'
      : `Completed updating config for ${title(entity)}.\n`,
  );
  return 0;
}

/** Every entity of the kind when none is named: all topics, or every broker. */
async function namesOf(client: KafkaClient, entity: Entity): Promise<string[]> {
  if (entity.name !== undefined) return [entity.name];
  const meta = await client.metadata(entity.kind === 'topics' ? null : []);
  return entity.kind === 'topics'
    ? meta.topics.map((t) => t.name).sort()
    : [...meta.brokers.keys()].sort((a, b) => a - b).map(String);
}

/** The sources that are an override at this entity's own level. */
function ownSource(entity: Entity & { name: string }): string {
  if (entity.kind === 'topics') return 'DYNAMIC_TOPIC_CONFIG';
  return entity.name === '' ? 'DYNAMIC_DEFAULT_BROKER_CONFIG' : 'DYNAMIC_BROKER_CONFIG';
}

async function describe(client: KafkaClient, entity: Entity, all: boolean, json: boolean): Promise<number> {
  const type = entity.kind === 'topics' ? TOPIC_RESOURCE : BROKER_RESOURCE;
  const out: unknown[] = [];
  for (const name of await namesOf(client, entity)) {
    const one = { ...entity, name };
    const configs = (await client.describeConfigs(type, name))
      .filter((c) => all || c.source === ownSource(one))
      .sort((a, b) => a.name.localeCompare(b.name));
    if (json) {
      out.push({ entity: title(one), configs: configs.map(jsonOf) });
      continue;
    }
    const heading = all
      ? 'All configs for'
      : one.kind === 'brokers' && name === ''
        ? 'Default configs for'
        : 'Dynamic configs for';
    process.stdout.write(`${heading} ${title(one)} are:\n`);
    for (const c of configs) process.stdout.write(`  ${line(c)}\n`);
  }
  if (json) printJson(entity.name === undefined ? out : (out[0] as { configs: unknown }).configs);
  return 0;
}

function line(c: ConfigEntry): string {
  const value = c.isSensitive ? null : c.value;
  const synonyms = c.synonyms
    .map((s) => `${s.source}:${s.name}=${c.isSensitive ? null : s.value}`)
    .join(', ');
  return `${c.name}=${value} sensitive=${c.isSensitive} synonyms={${synonyms}}`;
}

function jsonOf(c: ConfigEntry): unknown {
  return {
    name: c.name,
    value: c.isSensitive ? null : c.value,
    source: c.source,
    readOnly: c.readOnly,
    sensitive: c.isSensitive,
    synonyms: c.synonyms,
  };
}
