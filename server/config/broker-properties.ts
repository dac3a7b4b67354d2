/**
 * The registry of broker properties (server.properties, --override, DescribeConfigs and
 * AlterConfigs on a broker resource): name, type and range, built-in default, whether it can be
 * changed while the broker runs (Kafka's update modes: read-only, per-broker, cluster-wide) and one
 * line of documentation. Parsing, validation, DescribeConfigs and the generated server.properties
 * all come from here.
 *
 * The log.* properties are not written out here: each is a broker synonym of a topic property and
 * is derived from the engine's topic registry (its type, range, default and documentation), so a
 * topic property is described once. As in Kafka, only the first (most specific) synonym of each
 * can change at run time: log.retention.ms can, log.retention.hours cannot.
 *
 * Some properties have other names (`node.id` for `broker.id`, `log.dir` for `log.dirs`, a time in
 * minutes for one in ms); `synonyms` lists every name in precedence order, the first one set wins.
 */
import { TOPIC_PROPERTIES, type BrokerSynonym, type TopicProperty } from '../../engine/index.js';
import type { BrokerProperty } from './broker-property.js';
import { CLUSTER_PROPERTIES } from './cluster-properties.js';
import { LOG_PROPERTIES } from './log-properties.js';
import { REPLICATION_PROPERTIES } from './replication-properties.js';

export type { BrokerProperty, UpdateMode } from './broker-property.js';

type Own = Omit<BrokerProperty, 'synonyms' | 'group'> & { synonyms?: BrokerSynonym[] };

function group(name: string, properties: Own[]): BrokerProperty[] {
  return properties.map((p) => ({ ...p, group: name, synonyms: p.synonyms ?? [{ name: p.name }] }));
}

const readOnly = 'read-only' as const;

const SERVER: BrokerProperty[] = [
  ...group('Server', [
    {
      name: 'broker.id',
      type: 'int',
      min: 0,
      default: '0',
      dynamic: readOnly,
      doc: "This broker's id in the cluster (node.id, if given, wins).",
      synonyms: [{ name: 'node.id' }, { name: 'broker.id' }],
    },
    {
      name: 'node.id',
      type: 'int',
      min: 0,
      default: null,
      dynamic: readOnly,
      extension: true,
      doc: 'The KRaft name of broker.id; wins over it when both are given.',
      synonyms: [{ name: 'node.id' }, { name: 'broker.id' }],
    },
    {
      name: 'cluster.id',
      type: 'string',
      default: null,
      dynamic: readOnly,
      extension: true,
      doc: 'Id of the cluster; made at first start and kept in meta.properties when not given.',
    },
    {
      name: 'listeners',
      type: 'string',
      default: 'PLAINTEXT://127.0.0.1:9092',
      dynamic: readOnly,
      doc: 'Where the broker listens: NAME://host:port, comma-separated; 0.0.0.0 means every interface.',
    },
    {
      name: 'advertised.listeners',
      type: 'string',
      default: null,
      dynamic: readOnly,
      doc: 'Addresses clients are told to connect to, if not listeners (required with 0.0.0.0).',
    },
    {
      name: 'log.dirs',
      type: 'string',
      default: null,
      dynamic: readOnly,
      doc: 'Data directories, comma-separated; new partitions go to the one holding the fewest (unset: log.dir).',
      synonyms: [{ name: 'log.dirs' }, { name: 'log.dir' }],
    },
    {
      name: 'log.dir',
      type: 'string',
      default: './data',
      dynamic: readOnly,
      doc: 'The data directory when log.dirs is not given.',
      synonyms: [{ name: 'log.dirs' }, { name: 'log.dir' }],
    },
  ]),
  ...group('Topics', [
    {
      name: 'num.partitions',
      type: 'int',
      min: 1,
      default: '1',
      dynamic: readOnly,
      doc: 'Partitions of a topic created without a count (auto-created ones too).',
    },
    {
      name: 'default.replication.factor',
      type: 'int',
      min: 1,
      default: '1',
      dynamic: readOnly,
      doc: 'Replicas of a topic created without a replication factor.',
    },
    {
      name: 'auto.create.topics.enable',
      type: 'boolean',
      default: 'true',
      dynamic: readOnly,
      doc: 'Create a topic when a client asks for metadata of one that does not exist.',
    },
    {
      name: 'delete.topic.enable',
      type: 'boolean',
      default: 'true',
      dynamic: readOnly,
      doc: 'Allow DeleteTopics; when false, deleting a topic is refused.',
    },
    {
      name: 'log.cleaner.enable',
      type: 'boolean',
      default: 'true',
      dynamic: readOnly,
      doc: 'Run the cleaner that compacts topics with cleanup.policy=compact.',
    },
    {
      name: 'log.retention.check.interval.ms',
      type: 'long',
      min: 1,
      default: '300000',
      dynamic: readOnly,
      doc: 'How often retention looks for segments to delete.',
    },
    {
      name: 'producer.id.expiration.ms',
      type: 'int',
      min: 1,
      default: '86400000',
      dynamic: readOnly,
      extension: true,
      doc:
        "(Kafka 3.4's name, dynamic there.) How long a partition keeps an idle idempotent producer's state (its epoch and last batches, " +
        'for retries and sequence checks) after its last batch; a producer back after that is taken ' +
        'at whatever sequence it sends. When not given, transactional.id.expiration.ms sets it, as in ' +
        'Kafka before 3.4.',
      synonyms: [{ name: 'producer.id.expiration.ms' }, { name: 'transactional.id.expiration.ms' }],
    },
    {
      name: 'transactional.id.expiration.ms',
      type: 'int',
      min: 1,
      default: '604800000',
      dynamic: readOnly,
      doc:
        'How long producer ids are kept after their last write when producer.id.expiration.ms is not ' +
        'given (Kafka 2.x expired producer ids with it). Transactions are not supported, so it has no ' +
        'other use.',
    },
    {
      name: 'producer.id.expiration.check.interval.ms',
      type: 'int',
      min: 1,
      default: '600000',
      dynamic: readOnly,
      extension: true,
      doc: 'How often partitions forget producers idle past producer.id.expiration.ms.',
    },
    {
      name: 'log.flush.offset.checkpoint.interval.ms',
      type: 'int',
      min: 0,
      default: '60000',
      dynamic: readOnly,
      doc: 'How often the recovery-point checkpoint is written (bounds the recovery work after a crash).',
    },
  ]),
  ...group('Network', [
    {
      name: 'socket.request.max.bytes',
      type: 'int',
      min: 1,
      default: '104857600',
      dynamic: readOnly,
      doc: 'Largest request the broker reads; a larger one closes the connection.',
    },
    {
      name: 'queued.max.request.bytes',
      type: 'long',
      min: 1,
      default: '536870912',
      dynamic: readOnly,
      doc: 'Request bytes being read or waiting, across all connections; reading pauses above it.',
    },
    {
      name: 'kiln.queued.max.response.bytes',
      type: 'long',
      min: 1,
      default: '536870912',
      dynamic: readOnly,
      doc: 'Response bytes built but not yet sent, across all connections; fetches read less above it.',
    },
    {
      name: 'kiln.request.read.timeout.ms',
      type: 'int',
      min: 1,
      default: '30000',
      dynamic: readOnly,
      doc: 'A request must arrive whole within this long of its first byte, or the connection closes.',
    },
    {
      name: 'connections.max.idle.ms',
      type: 'long',
      min: -1,
      default: '600000',
      dynamic: readOnly,
      doc: 'A connection with no request for this long is closed; -1 means never (0 is refused).',
    },
    {
      name: 'kiln.log.slow.request.ms',
      type: 'long',
      min: -1,
      default: '1000',
      dynamic: readOnly,
      extension: true,
      doc: 'A request that takes longer than this (ms, arrival to answer) is logged at info with its API and client id; -1 logs none.',
    },
    {
      name: 'kiln.admin.listener',
      type: 'string',
      default: 'http://127.0.0.1:9644',
      dynamic: readOnly,
      extension: true,
      doc: 'Where the HTTP admin listener serves /metrics (Prometheus), /healthz and /readyz: http://host:port, or none for no listener.',
    },
  ]),
  ...group('Consumer groups', [
    {
      name: 'offsets.topic.num.partitions',
      type: 'int',
      min: 1,
      default: '50',
      dynamic: readOnly,
      doc: 'Partitions of __consumer_offsets, made when the first group needs them.',
    },
    {
      name: 'offsets.retention.minutes',
      type: 'int',
      min: 1,
      default: '10080',
      dynamic: readOnly,
      doc: 'How long committed offsets of an empty group are kept.',
      synonyms: [{ name: 'offsets.retention.ms' }, { name: 'offsets.retention.minutes', unitMs: 60_000 }],
    },
    {
      name: 'offsets.retention.ms',
      type: 'long',
      min: 1,
      default: null,
      dynamic: readOnly,
      extension: true,
      doc: 'offsets.retention.minutes in milliseconds; wins when both are given.',
      synonyms: [{ name: 'offsets.retention.ms' }, { name: 'offsets.retention.minutes', unitMs: 60_000 }],
    },
    {
      name: 'offsets.commit.timeout.ms',
      type: 'int',
      min: 1,
      default: '5000',
      dynamic: readOnly,
      doc:
        'In a cluster, how long an offset commit or the group metadata of a rebalance may wait for the ' +
        "in-sync replicas of its __consumer_offsets partition before it fails (a single node doesn't wait).",
    },
    {
      name: 'offsets.commit.required.acks',
      type: 'int',
      min: -1,
      max: 1,
      default: '-1',
      dynamic: readOnly,
      doc:
        'In a cluster, the acks of offset commits and group metadata written to __consumer_offsets: -1 waits ' +
        'for its in-sync replicas (at least min.insync.replicas of them), 1 or 0 only for the leader; keep -1.',
    },
    {
      name: 'group.initial.rebalance.delay.ms',
      type: 'int',
      min: 0,
      // Kafka's code says 3000, its shipped server.properties 0 ("a better out-of-the-box
      // experience"): Kiln starts as Kafka's quickstart does, so a group's first members are
      // consuming at once, not 3 s (6 s with a second joiner) later.
      default: '0',
      dynamic: readOnly,
      doc:
        "How long a new group waits for more members before its first rebalance, extended per joiner. 0 as in Kafka's " +
        "shipped server.properties; 3000 (Kafka's built-in default) saves rebalances when many consumers start at once.",
    },
    {
      name: 'group.min.session.timeout.ms',
      type: 'int',
      min: 0,
      default: '6000',
      dynamic: readOnly,
      doc: 'Shortest session timeout a consumer may ask for.',
    },
    {
      name: 'group.max.session.timeout.ms',
      type: 'int',
      min: 0,
      default: '1800000',
      dynamic: readOnly,
      doc: 'Longest session timeout a consumer may ask for.',
    },
  ]),
  ...group('Limits', [
    {
      name: 'kiln.max.partitions.per.topic',
      type: 'int',
      min: 1,
      default: '10000',
      dynamic: 'cluster-wide',
      doc: 'CreateTopics and CreatePartitions refuse a topic with more partitions (POLICY_VIOLATION).',
    },
    {
      name: 'kiln.max.partitions',
      type: 'int',
      min: 1,
      default: '100000',
      dynamic: 'cluster-wide',
      doc: 'Partitions this broker may hold in all; creating more is refused.',
    },
  ]),
];

/**
 * The log.* properties, one per broker synonym of each topic property (none for a topic property
 * without broker synonyms, such as the throttled replica lists).
 */
function logProperties(topic: TopicProperty): BrokerProperty[] {
  const primary = topic.synonyms[0];
  if (!primary) return [];
  const marked = topic.synonyms.some((s) => s.default !== undefined);
  return topic.synonyms.map((synonym, index) => ({
    name: synonym.name,
    // A time in minutes or hours is an int in Kafka; its range is the topic property's.
    ...(synonym.unitMs
      ? { type: 'int' as const, min: topic.min }
      : { type: topic.type, min: topic.min, max: topic.max, values: topic.values }),
    default: synonym.default ?? (index === 0 && !marked ? topic.default : null),
    dynamic: index === 0 ? 'cluster-wide' : readOnly,
    doc:
      index === 0
        ? `Topic default of ${topic.name}: ${topic.doc.charAt(0).toLowerCase()}${topic.doc.slice(1)}`
        : `${primary.name} in ${synonym.unitMs === 60_000 ? 'minutes' : 'hours'}; ${topic.synonyms[index - 1]!.name} wins when given.`,
    group: 'Topic defaults (log.*)',
    synonyms: topic.synonyms,
    topic: topic.name,
    ...(topic.deprecated ? { deprecated: true } : {}),
  }));
}

/** Kafka properties Kiln accepts in server.properties and does not use. */
const IGNORED_NAMES = [
  'socket.send.buffer.bytes',
  'socket.receive.buffer.bytes',
  'transaction.state.log.replication.factor',
  'transaction.state.log.min.isr',
  'inter.broker.protocol.version',
  'listener.security.protocol.map',
  'inter.broker.listener.name',
  'log.flush.scheduler.interval.ms',
  'group.max.size',
];

const ignored = (name: string, more: Partial<BrokerProperty> = {}): BrokerProperty => ({
  name,
  type: 'string',
  default: null,
  dynamic: readOnly,
  doc: 'Accepted from Kafka configurations; Kiln does not use it.',
  group: 'Accepted and ignored',
  synonyms: [{ name }],
  ignored: true,
  ...more,
});

/**
 * Unused properties Kafka lets change at run time: accepted (and kept) the same way, so a tool
 * that tunes them, or librdkafka's own admin test (which sets the Kerberos one on a broker),
 * succeeds as it would against Kafka.
 */
const IGNORED_DYNAMIC: BrokerProperty[] = [
  ignored('num.network.threads', { type: 'int', min: 1, default: '3', dynamic: 'cluster-wide' }),
  ignored('num.io.threads', { type: 'int', min: 1, default: '8', dynamic: 'cluster-wide' }),
  ignored('num.recovery.threads.per.data.dir', {
    type: 'int',
    min: 1,
    default: '1',
    dynamic: 'cluster-wide',
  }),
  ignored('num.replica.fetchers', { type: 'int', min: 1, default: '1', dynamic: 'cluster-wide' }),
  ignored('log.cleaner.threads', { type: 'int', min: 0, default: '1', dynamic: 'cluster-wide' }),
  ignored('sasl.kerberos.min.time.before.relogin', { type: 'long', default: '60000', dynamic: 'per-broker' }),
];

const IGNORED: BrokerProperty[] = [...IGNORED_NAMES.map((name) => ignored(name)), ...IGNORED_DYNAMIC];

/** Every broker property Kiln accepts, in the order the docs list them. */
export const BROKER_PROPERTIES: readonly BrokerProperty[] = [
  ...SERVER,
  ...CLUSTER_PROPERTIES,
  ...REPLICATION_PROPERTIES,
  ...LOG_PROPERTIES,
  ...TOPIC_PROPERTIES.flatMap(logProperties),
  ...IGNORED,
];

/** Broker properties by name. */
export const BROKER_PROPERTY: ReadonlyMap<string, BrokerProperty> = new Map(
  BROKER_PROPERTIES.map((p) => [p.name, p]),
);

/**
 * The broker property that sets the default of topic property `topic` at run time; undefined when
 * none does (an unknown name, or a topic-only property such as leader.replication.throttled.replicas).
 */
export function brokerSynonymOf(topic: string): string | undefined {
  return TOPIC_PROPERTIES.find((p) => p.name === topic)?.synonyms[0]?.name;
}
