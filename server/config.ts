/**
 * Broker configuration under Kafka's property names (server.properties style): defaults, parsing,
 * validation with an error naming the property, and the mapping of the broker's log.* settings
 * onto the topic-level defaults the engine takes.
 *
 * Properties Kafka has but Kiln does not use (thread counts, ZooKeeper timeouts, ...) are accepted
 * and ignored, so an existing server.properties works; a property nobody knows is an error.
 */
import fs from 'node:fs';
import { DEFAULT_LOG_CONFIG, parseLogConfig, type LogConfig } from '../engine/index.js';

export class ConfigError extends Error {
  constructor(
    readonly property: string,
    message: string,
  ) {
    super(`${property}: ${message}`);
    this.name = 'ConfigError';
  }
}

export interface Endpoint {
  name: string;
  host: string;
  port: number;
}

export interface BrokerConfig {
  brokerId: number;
  listeners: Endpoint[];
  advertisedListeners: Endpoint[];
  logDirs: string[];
  numPartitions: number;
  defaultReplicationFactor: number;
  autoCreateTopics: boolean;
  deleteTopicEnable: boolean;
  socketRequestMaxBytes: number;
  retentionCheckIntervalMs: number;
  checkpointIntervalMs: number;
  offsetsTopicPartitions: number;
  offsetsRetentionMs: number;
  groupInitialRebalanceDelayMs: number;
  groupMinSessionTimeoutMs: number;
  groupMaxSessionTimeoutMs: number;
  logCleanerEnable: boolean;
  clusterId: string | undefined;
  /** queued.max.request.bytes: request bytes being read or waiting, across all connections. */
  queuedMaxRequestBytes: number;
  /** kiln.queued.max.response.bytes: response bytes built but not yet sent, across all connections. */
  queuedMaxResponseBytes: number;
  /** kiln.request.read.timeout.ms: a request must arrive whole within this long of its first byte. */
  requestReadTimeoutMs: number;
  /** connections.max.idle.ms: a connection with no request for this long is closed. */
  connectionsMaxIdleMs: number;
  /** kiln.max.partitions.per.topic: CreateTopics and CreatePartitions refuse more (POLICY_VIOLATION). */
  maxPartitionsPerTopic: number;
  /** kiln.max.partitions: partitions the broker may hold in all; creation beyond it is refused. */
  maxPartitions: number;
  /** Defaults for every topic (the broker's log.* settings, translated). */
  logDefaults: LogConfig;
}

/** Broker property -> topic property it sets the default of. */
const LOG_PROPERTY: Record<string, string> = {
  'log.segment.bytes': 'segment.bytes',
  'log.roll.ms': 'segment.ms',
  'log.roll.jitter.ms': 'segment.jitter.ms',
  'log.index.size.max.bytes': 'segment.index.bytes',
  'log.index.interval.bytes': 'index.interval.bytes',
  'log.retention.ms': 'retention.ms',
  'log.retention.bytes': 'retention.bytes',
  'log.flush.interval.messages': 'flush.messages',
  'log.flush.interval.ms': 'flush.ms',
  'message.max.bytes': 'max.message.bytes',
  'log.message.timestamp.type': 'message.timestamp.type',
  'log.message.timestamp.difference.max.ms': 'message.timestamp.difference.max.ms',
  'log.cleanup.policy': 'cleanup.policy',
  'log.cleaner.delete.retention.ms': 'delete.retention.ms',
  'log.cleaner.min.compaction.lag.ms': 'min.compaction.lag.ms',
  'log.cleaner.max.compaction.lag.ms': 'max.compaction.lag.ms',
  'log.cleaner.min.cleanable.ratio': 'min.cleanable.dirty.ratio',
  'compression.type': 'compression.type',
  'log.segment.delete.delay.ms': 'file.delete.delay.ms',
  'min.insync.replicas': 'min.insync.replicas',
  'unclean.leader.election.enable': 'unclean.leader.election.enable',
};

/**
 * Time properties Kafka accepts in several units; the finest unit set wins (ms over minutes over
 * hours), defaults included.
 */
const TIME_GROUPS: { target: string; units: [string, number][] }[] = [
  {
    target: 'log.retention.ms',
    units: [
      ['log.retention.ms', 1],
      ['log.retention.minutes', 60_000],
      ['log.retention.hours', 3_600_000],
    ],
  },
  {
    target: 'log.roll.ms',
    units: [
      ['log.roll.ms', 1],
      ['log.roll.hours', 3_600_000],
    ],
  },
  {
    target: 'log.roll.jitter.ms',
    units: [
      ['log.roll.jitter.ms', 1],
      ['log.roll.jitter.hours', 3_600_000],
    ],
  },
  {
    target: 'offsets.retention.ms',
    units: [
      ['offsets.retention.ms', 1],
      ['offsets.retention.minutes', 60_000],
    ],
  },
];

/** Kafka broker properties Kiln accepts and ignores. */
const IGNORED = new Set([
  'num.network.threads',
  'num.io.threads',
  'num.recovery.threads.per.data.dir',
  'num.replica.fetchers',
  'socket.send.buffer.bytes',
  'socket.receive.buffer.bytes',
  'zookeeper.connect',
  'zookeeper.connection.timeout.ms',
  'zookeeper.session.timeout.ms',
  'offsets.topic.replication.factor',
  'transaction.state.log.replication.factor',
  'transaction.state.log.min.isr',
  'inter.broker.protocol.version',
  'log.message.format.version',
  'log.cleaner.threads',
  'listener.security.protocol.map',
  'inter.broker.listener.name',
  'log.flush.scheduler.interval.ms',
  'group.max.size',
]);

const KNOWN = new Set([
  'broker.id',
  'node.id',
  'listeners',
  'advertised.listeners',
  'log.dirs',
  'log.dir',
  'num.partitions',
  'default.replication.factor',
  'auto.create.topics.enable',
  'delete.topic.enable',
  'socket.request.max.bytes',
  'log.retention.check.interval.ms',
  'log.flush.offset.checkpoint.interval.ms',
  'offsets.topic.num.partitions',
  'offsets.retention.ms',
  'group.initial.rebalance.delay.ms',
  'group.min.session.timeout.ms',
  'group.max.session.timeout.ms',
  'log.cleaner.enable',
  'cluster.id',
  'queued.max.request.bytes',
  'kiln.queued.max.response.bytes',
  'kiln.request.read.timeout.ms',
  'connections.max.idle.ms',
  'kiln.max.partitions.per.topic',
  'kiln.max.partitions',
  ...Object.keys(LOG_PROPERTY),
  ...TIME_GROUPS.flatMap((group) => group.units.map(([key]) => key)),
]);

export const DEFAULT_PROPERTIES: Readonly<Record<string, string>> = {
  'broker.id': '0',
  listeners: 'PLAINTEXT://127.0.0.1:9092',
  'log.dirs': './data',
  'num.partitions': '1',
  'default.replication.factor': '1',
  'auto.create.topics.enable': 'true',
  'delete.topic.enable': 'true',
  'socket.request.max.bytes': '104857600',
  'log.retention.check.interval.ms': '300000',
  'log.flush.offset.checkpoint.interval.ms': '60000',
  'offsets.topic.num.partitions': '50',
  'offsets.retention.minutes': '10080',
  'group.initial.rebalance.delay.ms': '3000',
  'group.min.session.timeout.ms': '6000',
  'group.max.session.timeout.ms': '1800000',
  'log.cleaner.enable': 'true',
  'log.retention.hours': '168',
  'queued.max.request.bytes': '536870912',
  'kiln.queued.max.response.bytes': '536870912',
  'kiln.request.read.timeout.ms': '30000',
  'connections.max.idle.ms': '600000',
  'kiln.max.partitions.per.topic': '10000',
  'kiln.max.partitions': '100000',
};

/** Reads a server.properties file: `key=value` lines, `#` and `!` comments, blank lines. */
export function readPropertiesFile(file: string): Record<string, string> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError('--config', `cannot read ${file}: ${(err as Error).message}`);
  }
  const out: Record<string, string> = {};
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    const match = /^([^=:\s]+)\s*[=:]\s*(.*)$/.exec(line);
    if (!match) throw new ConfigError(`${file}:${index + 1}`, `expected key=value, got '${line}'`);
    out[match[1]!] = match[2]!;
  }
  return out;
}

/** Parses `key=value` overrides (from --override). */
export function parseOverride(text: string): [string, string] {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new ConfigError('--override', `expected key=value, got '${text}'`);
  return [text.slice(0, eq).trim(), text.slice(eq + 1).trim()];
}

/** Validates properties (defaults, then `properties` on top) into a BrokerConfig. */
export function buildBrokerConfig(properties: Record<string, string>): BrokerConfig {
  const props: Record<string, string> = { ...DEFAULT_PROPERTIES };
  for (const [key, value] of Object.entries(properties)) {
    if (IGNORED.has(key)) continue;
    if (!KNOWN.has(key)) throw new ConfigError(key, 'unknown broker property');
    props[key] = value;
  }
  for (const { target, units } of TIME_GROUPS) {
    const unit = units.find(([key]) => props[key] !== undefined);
    if (!unit) continue;
    const value = integer(unit[0], props[unit[0]]!, -1);
    props[target] = String(value < 0 ? -1 : value * unit[1]);
  }
  const logOverrides: Record<string, string> = {};
  for (const [brokerKey, topicKey] of Object.entries(LOG_PROPERTY)) {
    if (props[brokerKey] !== undefined) logOverrides[topicKey] = props[brokerKey]!;
  }
  let logDefaults: LogConfig;
  try {
    logDefaults = parseLogConfig(logOverrides, DEFAULT_LOG_CONFIG);
  } catch (err) {
    const key = (err as { key?: string }).key;
    const brokerKey = Object.entries(LOG_PROPERTY).find(([, topic]) => topic === key)?.[0] ?? String(key);
    throw new ConfigError(brokerKey, (err as Error).message.replace(/^invalid value for [^:]+: /, ''));
  }
  const listeners = endpoints('listeners', props.listeners!);
  const config: BrokerConfig = {
    brokerId: integer('broker.id', props['node.id'] ?? props['broker.id']!, 0),
    listeners,
    advertisedListeners: props['advertised.listeners']
      ? endpoints('advertised.listeners', props['advertised.listeners'])
      : listeners,
    logDirs: (props['log.dirs'] ?? props['log.dir'] ?? '')
      .split(',')
      .map((d) => d.trim())
      .filter(Boolean),
    numPartitions: integer('num.partitions', props['num.partitions']!, 1),
    defaultReplicationFactor: integer('default.replication.factor', props['default.replication.factor']!, 1),
    autoCreateTopics: boolean('auto.create.topics.enable', props['auto.create.topics.enable']!),
    deleteTopicEnable: boolean('delete.topic.enable', props['delete.topic.enable']!),
    socketRequestMaxBytes: integer('socket.request.max.bytes', props['socket.request.max.bytes']!, 1),
    retentionCheckIntervalMs: integer(
      'log.retention.check.interval.ms',
      props['log.retention.check.interval.ms']!,
      1,
    ),
    checkpointIntervalMs: integer(
      'log.flush.offset.checkpoint.interval.ms',
      props['log.flush.offset.checkpoint.interval.ms']!,
      0,
    ),
    offsetsTopicPartitions: integer(
      'offsets.topic.num.partitions',
      props['offsets.topic.num.partitions']!,
      1,
    ),
    offsetsRetentionMs: integer('offsets.retention.ms', props['offsets.retention.ms']!, 1),
    groupInitialRebalanceDelayMs: integer(
      'group.initial.rebalance.delay.ms',
      props['group.initial.rebalance.delay.ms']!,
      0,
    ),
    groupMinSessionTimeoutMs: integer(
      'group.min.session.timeout.ms',
      props['group.min.session.timeout.ms']!,
      0,
    ),
    groupMaxSessionTimeoutMs: integer(
      'group.max.session.timeout.ms',
      props['group.max.session.timeout.ms']!,
      0,
    ),
    logCleanerEnable: boolean('log.cleaner.enable', props['log.cleaner.enable']!),
    clusterId: props['cluster.id'],
    queuedMaxRequestBytes: integer('queued.max.request.bytes', props['queued.max.request.bytes']!, 1),
    queuedMaxResponseBytes: integer(
      'kiln.queued.max.response.bytes',
      props['kiln.queued.max.response.bytes']!,
      1,
    ),
    requestReadTimeoutMs: integer('kiln.request.read.timeout.ms', props['kiln.request.read.timeout.ms']!, 1),
    connectionsMaxIdleMs: integer('connections.max.idle.ms', props['connections.max.idle.ms']!, -1),
    maxPartitionsPerTopic: integer(
      'kiln.max.partitions.per.topic',
      props['kiln.max.partitions.per.topic']!,
      1,
    ),
    maxPartitions: integer('kiln.max.partitions', props['kiln.max.partitions']!, 1),
    logDefaults,
  };
  if (config.queuedMaxRequestBytes < config.socketRequestMaxBytes) {
    // The request budget must hold one request of the largest size a client may send.
    throw new ConfigError(
      'queued.max.request.bytes',
      `${config.queuedMaxRequestBytes} is below socket.request.max.bytes (${config.socketRequestMaxBytes})`,
    );
  }
  if (config.connectionsMaxIdleMs === 0) {
    throw new ConfigError('connections.max.idle.ms', '0 would close every connection; -1 means never');
  }
  return config;
}

function integer(key: string, text: string, min: number): number {
  if (!/^-?\d+$/.test(text.trim())) throw new ConfigError(key, `expected a whole number, got '${text}'`);
  const value = Number(text);
  if (value < min) throw new ConfigError(key, `${value} is below the minimum ${min}`);
  return value;
}

function boolean(key: string, text: string): boolean {
  const value = text.trim().toLowerCase();
  if (value !== 'true' && value !== 'false')
    throw new ConfigError(key, `expected true or false, got '${text}'`);
  return value === 'true';
}

/** `PLAINTEXT://host:port,NAME://host:port`; an empty host means all interfaces. */
function endpoints(key: string, text: string): Endpoint[] {
  const list = text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  if (list.length === 0) throw new ConfigError(key, 'no listener given');
  return list.map((entry) => {
    const match = /^([A-Za-z0-9_]+):\/\/(\[[^\]]*\]|[^:]*):(\d+)$/.exec(entry);
    if (!match) throw new ConfigError(key, `expected NAME://host:port, got '${entry}'`);
    const port = Number(match[3]);
    if (port > 65535) throw new ConfigError(key, `port ${port} is out of range`);
    return { name: match[1]!, host: match[2]!.replace(/^\[|\]$/g, ''), port };
  });
}
