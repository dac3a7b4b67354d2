/**
 * The registry of topic-level properties: every one Kiln understands, by Kafka's name, with its
 * type and range, its built-in default, the broker properties that set its default for every
 * topic (its broker synonyms) and one line of documentation. Parsing (log-config.ts), the
 * broker's log.* settings, DescribeConfigs and the generated server.properties all read it.
 *
 * Broker synonyms are listed most specific first, as Kafka orders them: `log.retention.ms` wins
 * over `log.retention.minutes`, which wins over `log.retention.hours`. The first synonym is the one
 * that may be changed while the broker runs (a dynamic broker config, cluster-wide); the others
 * are read only at start. A synonym in minutes or hours carries its unit; Kafka writes the
 * built-in default under one of them (log.retention.hours=168), marked `default`. A few have no
 * broker synonym at all (the throttled replica lists, as in Kafka): only a topic sets them.
 */
import { LONG_MAX_TEXT, type ValueSpec } from './property-value.js';
import { KAFKA_VERSION_PATTERN } from './kafka-versions.js';

export type CleanupPolicy = 'delete' | 'compact' | 'compact,delete';
export type TimestampTypeName = 'CreateTime' | 'LogAppendTime';

/** A log's configuration, typed: one field per topic property (the `key` of each below). */
export interface LogConfig {
  segmentBytes: number;
  segmentMs: number;
  segmentJitterMs: number;
  segmentIndexBytes: number;
  indexIntervalBytes: number;
  retentionMs: number;
  retentionBytes: number;
  flushMessages: number;
  flushMs: number;
  maxMessageBytes: number;
  messageTimestampType: TimestampTypeName;
  /** message.format.version as given: deprecated, kept for DescribeConfigs and otherwise unused. */
  messageFormatVersion: string;
  messageTimestampDifferenceMaxMs: number;
  cleanupPolicy: CleanupPolicy;
  deleteRetentionMs: number;
  minCompactionLagMs: number;
  maxCompactionLagMs: number;
  minCleanableDirtyRatio: number;
  compressionType: string;
  fileDeleteDelayMs: number;
  minInsyncReplicas: number;
  uncleanLeaderElectionEnable: boolean;
  /** leader.replication.throttled.replicas as given: "", "*" or "partition:broker,...". */
  leaderReplicationThrottledReplicas: string;
  /** follower.replication.throttled.replicas, the same way. */
  followerReplicationThrottledReplicas: string;
}

export interface BrokerSynonym {
  name: string;
  /** Milliseconds per unit when the synonym is a time in minutes or hours. */
  unitMs?: number;
  /** Kafka's built-in default, written under this synonym in its own unit. */
  default?: string;
}

export interface TopicProperty extends ValueSpec {
  name: string;
  /** The LogConfig field it sets. */
  key: keyof LogConfig;
  /** Built-in default, as Kafka writes it. */
  default: string;
  /** Broker properties setting the default for every topic, most specific first. */
  synonyms: readonly BrokerSynonym[];
  doc: string;
  /** Set on a property Kafka deprecated and Kiln accepts but ignores: why, for the warning. */
  deprecated?: string;
}

const HOUR_MS = 3_600_000;

/**
 * A throttled replica list, as Kafka checks it: empty, the literal `*` (every partition on every
 * broker), or `partition:broker` items separated by commas (empty items and spaces around the
 * commas allowed). Each space belongs to one place in the pattern, so a value that fails fails
 * in linear time.
 */
const THROTTLED_REPLICAS: ValueSpec = {
  type: 'list',
  format: {
    pattern: /^(\*|(\d+:\d+\s*)?(,\s*(\d+:\d+\s*)?)*)$/,
    description: "'*' or a comma-separated list of partition:broker pairs, such as 0:1,0:2,1:3",
  },
};
const MINUTE_MS = 60_000;

function property(
  name: string,
  key: keyof LogConfig,
  spec: ValueSpec,
  defaultText: string,
  synonyms: string | BrokerSynonym[],
  doc: string,
): TopicProperty {
  const list = typeof synonyms === 'string' ? [{ name: synonyms }] : synonyms;
  return { name, key, ...spec, default: defaultText, synonyms: list, doc };
}

/** Every topic property, in the order DescribeConfigs and the docs list them. */
export const TOPIC_PROPERTIES: readonly TopicProperty[] = [
  property(
    'cleanup.policy',
    'cleanupPolicy',
    { type: 'list', values: ['delete', 'compact'] },
    'delete',
    'log.cleanup.policy',
    'What happens to old segments: delete them by age and size, compact them by key, or both.',
  ),
  property(
    'compression.type',
    'compressionType',
    { type: 'string', values: ['uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer'] },
    'producer',
    'compression.type',
    "Codec batches are stored with; 'producer' keeps whatever the producer used.",
  ),
  property(
    'delete.retention.ms',
    'deleteRetentionMs',
    { type: 'long', min: 0 },
    '86400000',
    'log.cleaner.delete.retention.ms',
    'How long a tombstone (a null value) survives compaction, so consumers can see the delete.',
  ),
  property(
    'file.delete.delay.ms',
    'fileDeleteDelayMs',
    { type: 'long', min: 0 },
    '60000',
    'log.segment.delete.delay.ms',
    'How long a removed segment stays on disk before its files are deleted.',
  ),
  property(
    'flush.messages',
    'flushMessages',
    { type: 'long', min: 1 },
    LONG_MAX_TEXT,
    'log.flush.interval.messages',
    'fsync a partition after this many messages (the default leaves it to the OS and replication).',
  ),
  property(
    'flush.ms',
    'flushMs',
    { type: 'long', min: 0 },
    LONG_MAX_TEXT,
    'log.flush.interval.ms',
    'fsync a partition when its oldest unflushed message is this old.',
  ),
  property(
    'follower.replication.throttled.replicas',
    'followerReplicationThrottledReplicas',
    THROTTLED_REPLICAS,
    '',
    [],
    "Replicas (partition:broker, or * for all) that fetch no faster than their broker's " +
      'follower.replication.throttled.rate while they are not caught up, as a partition move copies them.',
  ),
  property(
    'index.interval.bytes',
    'indexIntervalBytes',
    { type: 'int', min: 0 },
    '4096',
    'log.index.interval.bytes',
    'Log bytes between two offset index entries: smaller finds positions faster, larger indexes less.',
  ),
  property(
    'leader.replication.throttled.replicas',
    'leaderReplicationThrottledReplicas',
    THROTTLED_REPLICAS,
    '',
    [],
    "Replicas (partition:broker, or * for all) whose leader sends followers outside the ISR no more than its broker's " +
      'leader.replication.throttled.rate, as a partition move copies them.',
  ),
  property(
    'max.compaction.lag.ms',
    'maxCompactionLagMs',
    { type: 'long', min: 1 },
    LONG_MAX_TEXT,
    'log.cleaner.max.compaction.lag.ms',
    'Longest a message may stay uncompacted in a compacted topic.',
  ),
  property(
    'max.message.bytes',
    'maxMessageBytes',
    { type: 'int', min: 0 },
    '1048588',
    'message.max.bytes',
    'Largest record batch the topic accepts, after compression.',
  ),
  {
    ...property(
      'message.format.version',
      'messageFormatVersion',
      {
        type: 'string',
        format: {
          pattern: KAFKA_VERSION_PATTERN,
          description: 'a Kafka version from 0.8.0 to 3.9, such as 2.4 or 2.4-IV1',
        },
      },
      '2.4-IV1',
      'log.message.format.version',
      'Deprecated (Kafka 3.0): the record format to write. Kiln writes format v2 whatever it says.',
    ),
    deprecated: 'deprecated since Kafka 3.0 and ignored: Kiln always writes record format v2',
  },
  property(
    'message.timestamp.difference.max.ms',
    'messageTimestampDifferenceMaxMs',
    { type: 'long', min: 0 },
    LONG_MAX_TEXT,
    'log.message.timestamp.difference.max.ms',
    "Largest gap allowed between a CreateTime timestamp and the broker's clock.",
  ),
  property(
    'message.timestamp.type',
    'messageTimestampType',
    { type: 'string', values: ['CreateTime', 'LogAppendTime'] },
    'CreateTime',
    'log.message.timestamp.type',
    "Whether records keep the producer's timestamp or get the broker's time of append.",
  ),
  property(
    'min.cleanable.dirty.ratio',
    'minCleanableDirtyRatio',
    { type: 'double', min: 0, max: 1 },
    '0.5',
    'log.cleaner.min.cleanable.ratio',
    'Share of a compacted log not yet cleaned that makes the cleaner pick it.',
  ),
  property(
    'min.compaction.lag.ms',
    'minCompactionLagMs',
    { type: 'long', min: 0 },
    '0',
    'log.cleaner.min.compaction.lag.ms',
    'Shortest time a message stays uncompacted in a compacted topic.',
  ),
  property(
    'min.insync.replicas',
    'minInsyncReplicas',
    { type: 'int', min: 1 },
    '1',
    'min.insync.replicas',
    'Replicas that must have a write for acks=all to succeed.',
  ),
  property(
    'retention.bytes',
    'retentionBytes',
    { type: 'long' },
    '-1',
    'log.retention.bytes',
    'Size a partition may grow to before old segments are deleted; -1 means no size limit.',
  ),
  property(
    'retention.ms',
    'retentionMs',
    { type: 'long', min: -1 },
    '604800000',
    [
      { name: 'log.retention.ms' },
      { name: 'log.retention.minutes', unitMs: MINUTE_MS },
      { name: 'log.retention.hours', unitMs: HOUR_MS, default: '168' },
    ],
    'How long messages are kept before their segment is deleted; -1 means forever.',
  ),
  property(
    'segment.bytes',
    'segmentBytes',
    { type: 'int', min: 14 },
    '1073741824',
    'log.segment.bytes',
    'Size at which a segment file is closed and a new one started.',
  ),
  property(
    'segment.index.bytes',
    'segmentIndexBytes',
    { type: 'int', min: 4 },
    '10485760',
    'log.index.size.max.bytes',
    'Largest offset index (and time index) file of one segment.',
  ),
  property(
    'segment.jitter.ms',
    'segmentJitterMs',
    { type: 'long', min: 0 },
    '0',
    [{ name: 'log.roll.jitter.ms' }, { name: 'log.roll.jitter.hours', unitMs: HOUR_MS, default: '0' }],
    'Random time taken off segment.ms per segment, so partitions do not all roll at once.',
  ),
  property(
    'segment.ms',
    'segmentMs',
    { type: 'long', min: 1 },
    '604800000',
    [{ name: 'log.roll.ms' }, { name: 'log.roll.hours', unitMs: HOUR_MS, default: '168' }],
    'Age at which a segment is closed even if not full, so retention can delete it.',
  ),
  property(
    'unclean.leader.election.enable',
    'uncleanLeaderElectionEnable',
    { type: 'boolean' },
    'false',
    'unclean.leader.election.enable',
    'Whether a replica outside the ISR may become leader, losing data, when no in-sync one is left.',
  ),
];

/** Topic properties by name. */
export const TOPIC_PROPERTY: ReadonlyMap<string, TopicProperty> = new Map(
  TOPIC_PROPERTIES.map((p) => [p.name, p]),
);

/**
 * One warning per deprecated property among `names` (topic properties, or the broker properties
 * that set their defaults): accepted and ignored, as Kafka 3.x does, but worth a line in the log.
 */
export function deprecationWarnings(names: Iterable<string>): string[] {
  const warnings: string[] = [];
  for (const name of names) {
    const property =
      TOPIC_PROPERTY.get(name) ?? TOPIC_PROPERTIES.find((p) => p.synonyms.some((s) => s.name === name));
    if (property?.deprecated) warnings.push(`${name} is ${property.deprecated}`);
  }
  return warnings;
}

/**
 * The broker synonym that Kafka writes the built-in default under (e.g. log.retention.hours), or
 * undefined for a property no broker property sets.
 */
export function defaultSynonym(property: TopicProperty): (BrokerSynonym & { default: string }) | undefined {
  const marked = property.synonyms.find((s) => s.default !== undefined);
  if (marked) return marked as BrokerSynonym & { default: string };
  const first = property.synonyms[0];
  return first && { ...first, default: property.default };
}
