/**
 * The broker's configuration at start: the properties given (server.properties, --override) read
 * against the registry (broker-properties.ts) into typed values. A wrong value is an error naming
 * the property and why; a property nobody knows is a warning (logged at start, as Kafka does),
 * so a server.properties written for another version still starts.
 *
 * The log.* properties become the defaults of every topic (`logDefaults`): for each topic property
 * the first of its broker synonyms given wins (log.retention.ms over .minutes over .hours), a time
 * in minutes or hours converted to ms (-1 stays -1).
 */
import {
  deprecationWarnings,
  InvalidConfigError,
  TOPIC_PROPERTIES,
  parseLogConfig,
  parsePropertyValue,
  type BrokerSynonym,
  type LogConfig,
  type PropertyValue,
} from '../../engine/index.js';
import { BROKER_PROPERTY, type BrokerProperty } from './broker-properties.js';
import { ConfigError } from './config-error.js';
import { parseAdminListener, type AdminAddress } from './admin-listener-address.js';
import { parseEndpoints, type Endpoint } from './endpoints.js';

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
  /** producer.id.expiration.ms and producer.id.expiration.check.interval.ms. */
  producerIdExpirationMs: number;
  producerIdExpirationCheckIntervalMs: number;
  checkpointIntervalMs: number;
  offsetsTopicPartitions: number;
  offsetsRetentionMs: number;
  /** offsets.commit.timeout.ms (cluster mode): how long a commit waits for the ISR. */
  offsetsCommitTimeoutMs: number;
  /** offsets.commit.required.acks (cluster mode): -1 waits for the ISR, 1 or 0 for the leader only. */
  offsetsCommitRequiredAcks: number;
  groupInitialRebalanceDelayMs: number;
  groupMinSessionTimeoutMs: number;
  groupMaxSessionTimeoutMs: number;
  logCleanerEnable: boolean;
  clusterId: string | undefined;
  /** Cluster mode: where ZooKeeper is and how long to wait for it; null runs the single node. */
  zookeeper: ZooKeeperConfig | null;
  /** broker.rack, or null. */
  rack: string | null;
  /** auto.leader.rebalance.enable, leader.imbalance.per.broker.percentage, leader.imbalance.check.interval.seconds (ms). */
  leaderBalance: { enable: boolean; imbalancePercentage: number; checkIntervalMs: number };
  /** offsets.topic.replication.factor (cluster mode). */
  offsetsTopicReplicationFactor: number;
  /** replica.* (cluster mode): followers' fetches and the ISR's lag limit. */
  replication: ReplicationConfig;
  /** queued.max.request.bytes: request bytes being read or waiting, across all connections. */
  queuedMaxRequestBytes: number;
  /** kiln.queued.max.response.bytes: response bytes built but not yet sent, across all connections. */
  queuedMaxResponseBytes: number;
  /** kiln.request.read.timeout.ms: a request must arrive whole within this long of its first byte. */
  requestReadTimeoutMs: number;
  /** connections.max.idle.ms: a connection with no request for this long is closed. */
  connectionsMaxIdleMs: number;
  /** kiln.admin.listener: where the HTTP admin listener serves (metrics, health); null when none. */
  adminListener: AdminAddress | null;
  /** kiln.log.slow.request.ms: requests slower than this are logged at info; -1 logs none. */
  slowRequestMs: number;
  /** kiln.max.partitions.per.topic: CreateTopics and CreatePartitions refuse more (POLICY_VIOLATION). */
  maxPartitionsPerTopic: number;
  /** kiln.max.partitions: partitions the broker may hold in all; creation beyond it is refused. */
  maxPartitions: number;
  /** Defaults for every topic (the broker's log.* settings, translated). */
  logDefaults: LogConfig;
  /** The known properties as given (trimmed): DescribeConfigs shows them as set at start. */
  properties: Readonly<Record<string, string>>;
  /** What to log at start: unknown properties, ignored. */
  warnings: string[];
}

/** The value of `name` as given, else its default; null when neither. */
function read(props: Record<string, string>, name: string): PropertyValue | null {
  const property = BROKER_PROPERTY.get(name)!;
  const given = property.synonyms.find((s) => props[s.name] !== undefined);
  if (given) return valueOf(given, props[given.name]!);
  const withDefault = property.synonyms.find((s) => BROKER_PROPERTY.get(s.name)?.default != null);
  return withDefault ? valueOf(withDefault, BROKER_PROPERTY.get(withDefault.name)!.default!) : null;
}

/** `text` read as synonym `synonym` (its own type and range), in the unit of the property. */
function valueOf(synonym: BrokerSynonym, text: string): PropertyValue {
  const spec: BrokerProperty = BROKER_PROPERTY.get(synonym.name)!;
  const value = checked(synonym.name, () => parsePropertyValue(synonym.name, spec, text));
  if (synonym.unitMs && typeof value === 'number') return value < 0 ? -1 : value * synonym.unitMs;
  return value;
}

/** Runs `parse`, turning the engine's InvalidConfigError into a ConfigError naming `name`. */
function checked<T>(name: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof InvalidConfigError)
      throw new ConfigError(name, err.message.replace(/^invalid value for [^:]+: /, ''));
    throw err;
  }
}

/** The topic defaults the log.* properties in `props` give, on top of `base`. */
export function logDefaultsOf(props: Record<string, string>, base?: Readonly<LogConfig>): LogConfig {
  let config = base ? { ...base } : parseLogConfig({});
  for (const topic of TOPIC_PROPERTIES) {
    const given = topic.synonyms.find((s) => props[s.name] !== undefined);
    if (!given) continue;
    const value = valueOf(given, props[given.name]!);
    config = checked(given.name, () => parseLogConfig({ [topic.name]: value }, config));
  }
  return config;
}

export interface ReplicationConfig {
  lagTimeMaxMs: number;
  fetchMaxBytes: number;
  fetchResponseMaxBytes: number;
  fetchWaitMaxMs: number;
  fetchMinBytes: number;
  fetchBackoffMs: number;
  /** kiln.replica.linger.*: how long and up to how many bytes a leader gathers a follower's answer. */
  linger: { ms: number; bytes: number };
  /** controlled.shutdown.*: whether and how often a stopping broker asks to hand its leaderships over. */
  controlledShutdown: { enable: boolean; maxRetries: number; retryBackoffMs: number };
  /** The replication throttles as server.properties sets them (absent: no throttle, Kafka's window). */
  throttle?: ReplicationThrottleConfig;
}

/** *.replication.throttled.rate and replication.quota.window.*: see replication-properties.ts. */
export interface ReplicationThrottleConfig {
  /** Bytes per second; LONG_MAX (Kafka's Long.MAX_VALUE) is no limit. */
  leaderRate: number;
  followerRate: number;
  /** replication.quota.window.num samples of replication.quota.window.size.seconds each. */
  windowNum: number;
  windowMs: number;
}

export interface ZooKeeperConfig {
  /** zookeeper.connect as given: host:port[,host:port...][/chroot]. */
  connect: string;
  sessionTimeoutMs: number;
  connectionTimeoutMs: number;
}

/** zookeeper.connect checked (every server host:port, a chroot starting with /), or null if unset. */
function zooKeeperConfig(
  connect: string | null,
  props: Record<string, string>,
  int: (name: string) => number,
): ZooKeeperConfig | null {
  if (connect === null || connect === '') return null;
  const slash = connect.indexOf('/');
  const servers = slash < 0 ? connect : connect.slice(0, slash);
  const chroot = slash < 0 ? '' : connect.slice(slash);
  for (const server of servers.split(',')) {
    const m = /^(\[[0-9a-fA-F:.]+\]|[^:\s]+):(\d+)$/.exec(server.trim());
    if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) {
      throw new ConfigError('zookeeper.connect', `"${server}" is not host:port`);
    }
  }
  if (chroot !== '' && (chroot === '/' || chroot.endsWith('/') || chroot.includes('//'))) {
    throw new ConfigError('zookeeper.connect', `"${chroot}" is not a chroot path such as /kiln`);
  }
  const sessionTimeoutMs = int('zookeeper.session.timeout.ms');
  const connectionTimeoutMs =
    props['zookeeper.connection.timeout.ms'] === undefined
      ? sessionTimeoutMs
      : int('zookeeper.connection.timeout.ms');
  return { connect, sessionTimeoutMs, connectionTimeoutMs };
}

/** Validates properties (defaults, then `properties` on top) into a BrokerConfig. */
export function buildBrokerConfig(properties: Record<string, string>): BrokerConfig {
  const props: Record<string, string> = {};
  const warnings: string[] = [];
  for (const [key, value] of Object.entries(properties)) {
    const property = BROKER_PROPERTY.get(key);
    if (!property) {
      warnings.push(`${key}: not a known broker property, ignored`);
      continue;
    }
    props[key] = value.trim();
  }
  warnings.push(...deprecationWarnings(Object.keys(props)));
  const int = (name: string): number => read(props, name) as number;
  const bool = (name: string): boolean => read(props, name) as boolean;
  const text = (name: string): string | null => read(props, name) as string | null;
  const listeners = parseEndpoints('listeners', text('listeners')!);
  const advertisedText = text('advertised.listeners');
  const advertisedListeners = advertisedText
    ? parseEndpoints('advertised.listeners', advertisedText)
    : listeners;
  checkAdvertised(advertisedListeners, advertisedText !== null);
  const config: BrokerConfig = {
    brokerId: int('broker.id'),
    listeners,
    advertisedListeners,
    logDirs: text('log.dirs')!
      .split(',')
      .map((d) => d.trim())
      .filter(Boolean),
    numPartitions: int('num.partitions'),
    defaultReplicationFactor: int('default.replication.factor'),
    autoCreateTopics: bool('auto.create.topics.enable'),
    deleteTopicEnable: bool('delete.topic.enable'),
    socketRequestMaxBytes: int('socket.request.max.bytes'),
    retentionCheckIntervalMs: int('log.retention.check.interval.ms'),
    producerIdExpirationMs: int('producer.id.expiration.ms'),
    producerIdExpirationCheckIntervalMs: int('producer.id.expiration.check.interval.ms'),
    checkpointIntervalMs: int('log.flush.offset.checkpoint.interval.ms'),
    offsetsTopicPartitions: int('offsets.topic.num.partitions'),
    offsetsRetentionMs: int('offsets.retention.ms'),
    offsetsCommitTimeoutMs: int('offsets.commit.timeout.ms'),
    offsetsCommitRequiredAcks: int('offsets.commit.required.acks'),
    groupInitialRebalanceDelayMs: int('group.initial.rebalance.delay.ms'),
    groupMinSessionTimeoutMs: int('group.min.session.timeout.ms'),
    groupMaxSessionTimeoutMs: int('group.max.session.timeout.ms'),
    logCleanerEnable: bool('log.cleaner.enable'),
    leaderBalance: {
      enable: bool('auto.leader.rebalance.enable'),
      imbalancePercentage: int('leader.imbalance.per.broker.percentage'),
      checkIntervalMs: int('leader.imbalance.check.interval.seconds') * 1000,
    },
    clusterId: text('cluster.id') ?? undefined,
    zookeeper: zooKeeperConfig(text('zookeeper.connect'), props, int),
    rack: text('broker.rack') || null,
    offsetsTopicReplicationFactor: int('offsets.topic.replication.factor'),
    replication: {
      lagTimeMaxMs: int('replica.lag.time.max.ms'),
      fetchMaxBytes: int('replica.fetch.max.bytes'),
      fetchResponseMaxBytes: int('replica.fetch.response.max.bytes'),
      fetchWaitMaxMs: int('replica.fetch.wait.max.ms'),
      fetchMinBytes: int('replica.fetch.min.bytes'),
      fetchBackoffMs: int('replica.fetch.backoff.ms'),
      linger: { ms: int('kiln.replica.linger.ms'), bytes: int('kiln.replica.linger.bytes') },
      controlledShutdown: {
        enable: bool('controlled.shutdown.enable'),
        maxRetries: int('controlled.shutdown.max.retries'),
        retryBackoffMs: int('controlled.shutdown.retry.backoff.ms'),
      },
      throttle: {
        leaderRate: int('leader.replication.throttled.rate'),
        followerRate: int('follower.replication.throttled.rate'),
        windowNum: int('replication.quota.window.num'),
        windowMs: int('replication.quota.window.size.seconds') * 1000,
      },
    },
    queuedMaxRequestBytes: int('queued.max.request.bytes'),
    queuedMaxResponseBytes: int('kiln.queued.max.response.bytes'),
    requestReadTimeoutMs: int('kiln.request.read.timeout.ms'),
    connectionsMaxIdleMs: int('connections.max.idle.ms'),
    adminListener: parseAdminListener('kiln.admin.listener', text('kiln.admin.listener') ?? 'none'),
    slowRequestMs: int('kiln.log.slow.request.ms'),
    maxPartitionsPerTopic: int('kiln.max.partitions.per.topic'),
    maxPartitions: int('kiln.max.partitions'),
    logDefaults: logDefaultsOf(props),
    properties: props,
    warnings,
  };
  if (config.logDirs.length === 0) throw new ConfigError('log.dirs', 'no data directory given');
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

/** Addresses that mean "every interface": fine to bind, useless to connect to. */
const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '0:0:0:0:0:0:0:0']);

/**
 * Clients are told the advertised addresses; a wildcard one would send them to connect to
 * 0.0.0.0. Kafka refuses to start then, and so does Kiln.
 */
function checkAdvertised(advertised: Endpoint[], given: boolean): void {
  const wildcard = advertised.find((e) => WILDCARD_HOSTS.has(e.host));
  if (!wildcard) return;
  const where = `${wildcard.name}://${wildcard.host.includes(':') ? `[${wildcard.host}]` : wildcard.host}:${wildcard.port}`;
  throw new ConfigError(
    'advertised.listeners',
    given
      ? `${where} cannot be given to clients: ${wildcard.host} means every interface, not an address to connect to; advertise a host name or IP clients can reach`
      : `must be set when listeners binds to every interface (${where}): clients cannot connect to ${wildcard.host}, so advertise a host name or IP they can reach, e.g. advertised.listeners=${wildcard.name}://my-host:${wildcard.port}`,
  );
}
