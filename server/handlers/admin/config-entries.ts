/**
 * Config entries as DescribeConfigs (and CreateTopics v5+) show them: a topic's effective configs
 * with where each value comes from, and the broker's own settings. Shared by the config handlers so
 * every API reports a config the same way.
 *
 * Sources follow Kafka: 1 a topic override, 4 a broker setting from server.properties, 5 the
 * built-in default. Kiln keeps no record of which properties were written in server.properties, so
 * a broker value that differs from the built-in default counts as set there (one set to exactly the
 * default shows as a default, which is what it is in effect).
 */
import {
  DEFAULT_LOG_CONFIG,
  InvalidConfigError,
  LOG_PROPERTIES,
  logConfigToProperties,
  parseLogConfig,
  type LogConfig,
} from '../../../engine/index.js';
import type { BrokerContext } from '../../broker-context.js';
import { topicNameProblem } from '../../cluster/topic-store.js';
import { buildBrokerConfig, type BrokerConfig, type Endpoint } from '../../config.js';
import type { Message } from '../../protocol/codec.js';
import { ErrorCode } from '../../protocol/error-codes.js';

export const ResourceType = { TOPIC: 2, BROKER: 4 } as const;

export const ConfigSource = {
  DYNAMIC_TOPIC_CONFIG: 1,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
} as const;

/** DescribeConfigs v3+ configType: Kafka's ConfigDef.Type ids. */
const ConfigType = { BOOLEAN: 1, STRING: 2, INT: 3, LONG: 5, DOUBLE: 6, LIST: 7 } as const;

export interface ConfigSynonym {
  name: string;
  value: string | null;
  source: number;
}

export interface ConfigEntry {
  name: string;
  value: string | null;
  readOnly: boolean;
  configSource: number;
  isSensitive: boolean;
  synonyms: ConfigSynonym[];
  configType: number;
}

/**
 * Topic property -> the broker property that sets its default. The same table as config.ts keeps
 * privately (it is not exported and this change may not edit that file); a test checks that every
 * topic property has an entry here.
 */
export const BROKER_SYNONYM: Readonly<Record<string, string>> = {
  'segment.bytes': 'log.segment.bytes',
  'segment.ms': 'log.roll.ms',
  'segment.jitter.ms': 'log.roll.jitter.ms',
  'segment.index.bytes': 'log.index.size.max.bytes',
  'index.interval.bytes': 'log.index.interval.bytes',
  'retention.ms': 'log.retention.ms',
  'retention.bytes': 'log.retention.bytes',
  'flush.messages': 'log.flush.interval.messages',
  'flush.ms': 'log.flush.interval.ms',
  'max.message.bytes': 'message.max.bytes',
  'message.timestamp.type': 'log.message.timestamp.type',
  'message.timestamp.difference.max.ms': 'log.message.timestamp.difference.max.ms',
  'cleanup.policy': 'log.cleanup.policy',
  'delete.retention.ms': 'log.cleaner.delete.retention.ms',
  'min.compaction.lag.ms': 'log.cleaner.min.compaction.lag.ms',
  'max.compaction.lag.ms': 'log.cleaner.max.compaction.lag.ms',
  'min.cleanable.dirty.ratio': 'log.cleaner.min.cleanable.ratio',
  'compression.type': 'compression.type',
  'file.delete.delay.ms': 'log.segment.delete.delay.ms',
  'min.insync.replicas': 'min.insync.replicas',
  'unclean.leader.election.enable': 'unclean.leader.election.enable',
};

/** The list-valued topic configs (the ones IncrementalAlterConfigs may APPEND to or SUBTRACT from). */
export const LIST_CONFIGS: ReadonlySet<string> = new Set(['cleanup.policy']);

function topicConfigType(name: string): number {
  if (LIST_CONFIGS.has(name)) return ConfigType.LIST;
  switch (LOG_PROPERTIES[name]?.kind) {
    case 'int':
      return ConfigType.INT;
    case 'long':
      return ConfigType.LONG;
    case 'double':
      return ConfigType.DOUBLE;
    case 'boolean':
      return ConfigType.BOOLEAN;
    default:
      return ConfigType.STRING;
  }
}

/** Every topic config Kiln knows, with its effective value for a topic that has `overrides`. */
export function topicConfigEntries(broker: BrokerContext, overrides: Record<string, string>): ConfigEntry[] {
  const brokerValues = logConfigToProperties(broker.logs.defaults);
  const builtIn = logConfigToProperties(DEFAULT_LOG_CONFIG);
  const effective = effectiveTopicProperties(broker.logs.defaults, overrides);
  const entries: ConfigEntry[] = [];
  for (const name of Object.keys(LOG_PROPERTIES)) {
    const synonyms: ConfigSynonym[] = [];
    const overridden = overrides[name] !== undefined;
    if (overridden)
      synonyms.push({ name, value: overrides[name]!, source: ConfigSource.DYNAMIC_TOPIC_CONFIG });
    const brokerName = BROKER_SYNONYM[name] ?? name;
    const staticallySet = brokerValues[name] !== builtIn[name];
    if (staticallySet)
      synonyms.push({
        name: brokerName,
        value: brokerValues[name]!,
        source: ConfigSource.STATIC_BROKER_CONFIG,
      });
    synonyms.push({ name: brokerName, value: builtIn[name]!, source: ConfigSource.DEFAULT_CONFIG });
    entries.push({
      name,
      value: effective[name]!,
      readOnly: false,
      configSource: synonyms[0]!.source,
      isSensitive: false,
      synonyms,
      configType: topicConfigType(name),
    });
  }
  return entries;
}

/**
 * The effective topic properties. Overrides are shown as the engine reads them (a whole number
 * above Long.MAX_VALUE's safe range prints as Kafka's maximum, as logConfigToProperties does).
 */
function effectiveTopicProperties(
  defaults: Readonly<LogConfig>,
  overrides: Record<string, string>,
): Record<string, string> {
  const base = logConfigToProperties(defaults);
  for (const [name, value] of Object.entries(overrides)) if (name in base) base[name] = value.trim();
  return base;
}

interface BrokerSetting {
  name: string;
  type: number;
  value: (config: BrokerConfig) => string;
}

function listenerText(endpoints: Endpoint[]): string {
  return endpoints
    .map((e) => `${e.name}://${e.host.includes(':') ? `[${e.host}]` : e.host}:${e.port}`)
    .join(',');
}

/** The BrokerConfig fields under Kafka's names (offsets.retention.ms shows as Kafka's minutes). */
const BROKER_SETTINGS: BrokerSetting[] = [
  { name: 'broker.id', type: ConfigType.INT, value: (c) => String(c.brokerId) },
  { name: 'listeners', type: ConfigType.STRING, value: (c) => listenerText(c.listeners) },
  {
    name: 'advertised.listeners',
    type: ConfigType.STRING,
    value: (c) => listenerText(c.advertisedListeners),
  },
  { name: 'log.dirs', type: ConfigType.STRING, value: (c) => c.logDirs.join(',') },
  { name: 'num.partitions', type: ConfigType.INT, value: (c) => String(c.numPartitions) },
  {
    name: 'default.replication.factor',
    type: ConfigType.INT,
    value: (c) => String(c.defaultReplicationFactor),
  },
  { name: 'auto.create.topics.enable', type: ConfigType.BOOLEAN, value: (c) => String(c.autoCreateTopics) },
  { name: 'delete.topic.enable', type: ConfigType.BOOLEAN, value: (c) => String(c.deleteTopicEnable) },
  { name: 'socket.request.max.bytes', type: ConfigType.INT, value: (c) => String(c.socketRequestMaxBytes) },
  {
    name: 'log.retention.check.interval.ms',
    type: ConfigType.LONG,
    value: (c) => String(c.retentionCheckIntervalMs),
  },
  {
    name: 'log.flush.offset.checkpoint.interval.ms',
    type: ConfigType.INT,
    value: (c) => String(c.checkpointIntervalMs),
  },
  {
    name: 'offsets.topic.num.partitions',
    type: ConfigType.INT,
    value: (c) => String(c.offsetsTopicPartitions),
  },
  {
    name: 'offsets.retention.minutes',
    type: ConfigType.INT,
    value: (c) => String(Math.floor(c.offsetsRetentionMs / 60_000)),
  },
  {
    name: 'group.initial.rebalance.delay.ms',
    type: ConfigType.INT,
    value: (c) => String(c.groupInitialRebalanceDelayMs),
  },
  {
    name: 'group.min.session.timeout.ms',
    type: ConfigType.INT,
    value: (c) => String(c.groupMinSessionTimeoutMs),
  },
  {
    name: 'group.max.session.timeout.ms',
    type: ConfigType.INT,
    value: (c) => String(c.groupMaxSessionTimeoutMs),
  },
  { name: 'log.cleaner.enable', type: ConfigType.BOOLEAN, value: (c) => String(c.logCleanerEnable) },
  { name: 'queued.max.request.bytes', type: ConfigType.LONG, value: (c) => String(c.queuedMaxRequestBytes) },
  {
    name: 'kiln.queued.max.response.bytes',
    type: ConfigType.LONG,
    value: (c) => String(c.queuedMaxResponseBytes),
  },
  {
    name: 'kiln.request.read.timeout.ms',
    type: ConfigType.INT,
    value: (c) => String(c.requestReadTimeoutMs),
  },
  { name: 'connections.max.idle.ms', type: ConfigType.LONG, value: (c) => String(c.connectionsMaxIdleMs) },
  {
    name: 'kiln.max.partitions.per.topic',
    type: ConfigType.INT,
    value: (c) => String(c.maxPartitionsPerTopic),
  },
  { name: 'kiln.max.partitions', type: ConfigType.INT, value: (c) => String(c.maxPartitions) },
];

let builtInBroker: BrokerConfig | undefined;

/** The broker's settings: the BrokerConfig fields, then every log.* default. All read-only. */
export function brokerConfigEntries(broker: BrokerContext): ConfigEntry[] {
  builtInBroker ??= buildBrokerConfig({});
  const defaults = builtInBroker;
  const entries: ConfigEntry[] = [];
  const add = (name: string, type: number, value: string, builtIn: string): void => {
    const synonyms: ConfigSynonym[] = [];
    if (value !== builtIn) synonyms.push({ name, value, source: ConfigSource.STATIC_BROKER_CONFIG });
    synonyms.push({ name, value: builtIn, source: ConfigSource.DEFAULT_CONFIG });
    entries.push({
      name,
      value,
      readOnly: true,
      configSource: synonyms[0]!.source,
      isSensitive: false,
      synonyms,
      configType: type,
    });
  };
  for (const setting of BROKER_SETTINGS)
    add(setting.name, setting.type, setting.value(broker.config), setting.value(defaults));
  const values = logConfigToProperties(broker.logs.defaults);
  const builtIn = logConfigToProperties(DEFAULT_LOG_CONFIG);
  for (const [topicName, brokerName] of Object.entries(BROKER_SYNONYM)) {
    add(brokerName, topicConfigType(topicName), values[topicName]!, builtIn[topicName]!);
  }
  return entries;
}

/** An entry as the response carries it: v0's isDefault, synonyms only when asked for. */
export function describedEntry(entry: ConfigEntry, includeSynonyms: boolean): Message {
  return {
    name: entry.name,
    value: entry.value,
    readOnly: entry.readOnly,
    isDefault: entry.configSource === ConfigSource.DEFAULT_CONFIG,
    configSource: entry.configSource,
    isSensitive: entry.isSensitive,
    synonyms: includeSynonyms ? entry.synonyms : [],
    configType: entry.configType,
    documentation: null,
  };
}

export interface ResourceError {
  errorCode: number;
  errorMessage: string;
}

/**
 * Why a broker resource cannot be altered: Kiln has no dynamic broker configs (they would need a
 * place to live and every setting would need to be safe to change while running).
 */
export function brokerAlterError(): ResourceError {
  return {
    errorCode: ErrorCode.INVALID_REQUEST,
    errorMessage:
      'Dynamic broker configs are not supported by Kiln: set broker properties in server.properties and restart the broker.',
  };
}

export function unsupportedResourceError(resourceType: number): ResourceError {
  return {
    errorCode: ErrorCode.INVALID_REQUEST,
    errorMessage: `Unsupported resource type ${resourceType}: Kiln has topic (2) and broker (4) configs.`,
  };
}

export function unknownTopicError(name: string): ResourceError {
  return {
    errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    errorMessage: `Topic '${name}' does not exist.`,
  };
}

/** The topic an Alter request names, or why it cannot be altered. */
export function alterableTopic(
  broker: BrokerContext,
  resourceType: number,
  name: string,
): ResourceError | undefined {
  if (resourceType === ResourceType.BROKER) return brokerAlterError();
  if (resourceType !== ResourceType.TOPIC) return unsupportedResourceError(resourceType);
  const problem = topicNameProblem(name);
  if (problem) return { errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, errorMessage: problem };
  const topic = broker.topics.store.get(name);
  if (!topic) return unknownTopicError(name);
  // The broker's own topics keep the configs it relies on: __consumer_offsets made `delete` or
  // given a short retention would lose committed offsets.
  if (topic.internal)
    return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `${name} is an internal topic` };
  return undefined;
}

/**
 * Makes `overrides` the topic's whole override set: validated by the engine (INVALID_CONFIG with
 * its reason), then saved in the topic store (so it survives a restart) and applied to the open
 * logs. The store goes first: if saving fails nothing has changed yet.
 */
export function replaceTopicOverrides(
  broker: BrokerContext,
  topic: string,
  overrides: Record<string, string>,
  validateOnly: boolean,
): ResourceError | undefined {
  try {
    parseLogConfig(overrides, broker.logs.defaults);
  } catch (err) {
    if (err instanceof InvalidConfigError)
      return { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: err.message };
    throw err;
  }
  if (validateOnly) return undefined;
  broker.topics.store.setConfigs(topic, overrides);
  broker.logs.setTopicConfig(topic, overrides);
  broker.log.info({ topic, configs: overrides }, 'topic configs changed');
  return undefined;
}

/** Config names given more than once in one resource (Kafka refuses those with INVALID_REQUEST). */
export function duplicateKeysError(names: string[]): ResourceError | undefined {
  const seen = new Set<string>();
  const dupes = new Set<string>();
  for (const name of names) (seen.has(name) ? dupes : seen).add(name);
  if (dupes.size === 0) return undefined;
  return {
    errorCode: ErrorCode.INVALID_REQUEST,
    errorMessage: `Error due to duplicate config keys: ${[...dupes].join(', ')}`,
  };
}
