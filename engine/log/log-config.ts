/**
 * Per-log configuration, under Kafka's topic-level property names. The broker's defaults and each
 * topic's overrides are both written as these properties (strings, as in server.properties or a
 * CreateTopics request); `parseLogConfig` validates them and yields typed values.
 *
 * Kafka's "no limit" for longs is 9223372036854775807; it is kept as Number.MAX_SAFE_INTEGER here
 * and shown as Kafka's value again by `logConfigToProperties`.
 */
import { InvalidConfigError } from '../errors.js';

export type CleanupPolicy = 'delete' | 'compact' | 'compact,delete';
export type TimestampTypeName = 'CreateTime' | 'LogAppendTime';

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
}

const LONG_MAX = Number.MAX_SAFE_INTEGER;
const LONG_MAX_TEXT = '9223372036854775807';
const INT_MAX = 0x7fff_ffff;
const DAY_MS = 24 * 60 * 60 * 1000;

type Kind = 'int' | 'long' | 'double' | 'boolean' | 'enum';

interface PropertySpec {
  key: keyof LogConfig;
  kind: Kind;
  min?: number;
  max?: number;
  values?: readonly string[];
}

/** Every topic-level property Kiln understands, by Kafka's name. */
export const LOG_PROPERTIES: Readonly<Record<string, PropertySpec>> = {
  'segment.bytes': { key: 'segmentBytes', kind: 'int', min: 14 },
  'segment.ms': { key: 'segmentMs', kind: 'long', min: 1 },
  'segment.jitter.ms': { key: 'segmentJitterMs', kind: 'long', min: 0 },
  'segment.index.bytes': { key: 'segmentIndexBytes', kind: 'int', min: 4 },
  'index.interval.bytes': { key: 'indexIntervalBytes', kind: 'int', min: 0 },
  'retention.ms': { key: 'retentionMs', kind: 'long', min: -1 },
  'retention.bytes': { key: 'retentionBytes', kind: 'long' },
  'flush.messages': { key: 'flushMessages', kind: 'long', min: 1 },
  'flush.ms': { key: 'flushMs', kind: 'long', min: 0 },
  'max.message.bytes': { key: 'maxMessageBytes', kind: 'int', min: 0 },
  'message.timestamp.type': {
    key: 'messageTimestampType',
    kind: 'enum',
    values: ['CreateTime', 'LogAppendTime'],
  },
  'message.timestamp.difference.max.ms': { key: 'messageTimestampDifferenceMaxMs', kind: 'long', min: 0 },
  'cleanup.policy': { key: 'cleanupPolicy', kind: 'enum', values: ['delete', 'compact', 'compact,delete'] },
  'delete.retention.ms': { key: 'deleteRetentionMs', kind: 'long', min: 0 },
  'min.compaction.lag.ms': { key: 'minCompactionLagMs', kind: 'long', min: 0 },
  'max.compaction.lag.ms': { key: 'maxCompactionLagMs', kind: 'long', min: 1 },
  'min.cleanable.dirty.ratio': { key: 'minCleanableDirtyRatio', kind: 'double', min: 0, max: 1 },
  'compression.type': {
    key: 'compressionType',
    kind: 'enum',
    values: ['uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer'],
  },
  'file.delete.delay.ms': { key: 'fileDeleteDelayMs', kind: 'long', min: 0 },
  'min.insync.replicas': { key: 'minInsyncReplicas', kind: 'int', min: 1 },
  'unclean.leader.election.enable': { key: 'uncleanLeaderElectionEnable', kind: 'boolean' },
};

export const DEFAULT_LOG_CONFIG: Readonly<LogConfig> = Object.freeze({
  segmentBytes: 1024 * 1024 * 1024,
  segmentMs: 7 * DAY_MS,
  segmentJitterMs: 0,
  segmentIndexBytes: 10 * 1024 * 1024,
  indexIntervalBytes: 4096,
  retentionMs: 7 * DAY_MS,
  retentionBytes: -1,
  flushMessages: LONG_MAX,
  flushMs: LONG_MAX,
  maxMessageBytes: 1024 * 1024 + 12,
  messageTimestampType: 'CreateTime',
  messageTimestampDifferenceMaxMs: LONG_MAX,
  cleanupPolicy: 'delete',
  deleteRetentionMs: DAY_MS,
  minCompactionLagMs: 0,
  maxCompactionLagMs: LONG_MAX,
  minCleanableDirtyRatio: 0.5,
  compressionType: 'producer',
  fileDeleteDelayMs: 60_000,
  minInsyncReplicas: 1,
  uncleanLeaderElectionEnable: false,
});

/**
 * Applies Kafka-named properties on top of `base`. Throws InvalidConfigError naming the first
 * unknown property or bad value; `base` is never modified.
 */
export function parseLogConfig(
  properties: Readonly<Record<string, string | number | boolean>>,
  base: Readonly<LogConfig> = DEFAULT_LOG_CONFIG,
): LogConfig {
  const config: LogConfig = { ...base };
  for (const [name, raw] of Object.entries(properties)) {
    const spec = LOG_PROPERTIES[name];
    if (!spec) throw new InvalidConfigError(name, 'unknown topic configuration');
    (config as unknown as Record<string, unknown>)[spec.key] = parseValue(name, spec, String(raw).trim());
  }
  return config;
}

function parseValue(name: string, spec: PropertySpec, text: string): number | string | boolean {
  switch (spec.kind) {
    case 'boolean':
      if (text === 'true' || text === 'false') return text === 'true';
      throw new InvalidConfigError(name, `expected true or false, got '${text}'`);
    case 'enum': {
      const value = spec.key === 'cleanupPolicy' ? normalizePolicy(text) : text;
      if (spec.values?.includes(value)) return value;
      throw new InvalidConfigError(name, `expected one of ${spec.values?.join(', ')}, got '${text}'`);
    }
    case 'double': {
      const value = Number(text);
      if (text === '' || !Number.isFinite(value))
        throw new InvalidConfigError(name, `expected a number, got '${text}'`);
      return checkRange(name, spec, value);
    }
    default: {
      if (!/^-?\d+$/.test(text)) throw new InvalidConfigError(name, `expected a whole number, got '${text}'`);
      const big = BigInt(text);
      const limit = spec.kind === 'int' ? BigInt(INT_MAX) : BigInt(LONG_MAX_TEXT);
      if (big > limit || big < -limit - 1n) {
        throw new InvalidConfigError(
          name,
          `${text} is out of range for ${spec.kind === 'int' ? 'an int' : 'a long'}`,
        );
      }
      const value = big > BigInt(LONG_MAX) ? LONG_MAX : Number(big);
      return checkRange(name, spec, value);
    }
  }
}

function checkRange(name: string, spec: PropertySpec, value: number): number {
  if (spec.min !== undefined && value < spec.min)
    throw new InvalidConfigError(name, `${value} is below the minimum ${spec.min}`);
  if (spec.max !== undefined && value > spec.max)
    throw new InvalidConfigError(name, `${value} is above the maximum ${spec.max}`);
  return value;
}

/** `delete,compact` and `compact, delete` mean the same as `compact,delete`. */
function normalizePolicy(text: string): string {
  const parts = text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
  return [...new Set(parts)].sort().join(',');
}

/** The config as Kafka-named string properties (what DescribeConfigs shows). */
export function logConfigToProperties(config: Readonly<LogConfig>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, spec] of Object.entries(LOG_PROPERTIES)) {
    const value = config[spec.key];
    out[name] = value === LONG_MAX ? LONG_MAX_TEXT : String(value);
  }
  return out;
}

export function isCompacted(config: Readonly<LogConfig>): boolean {
  return config.cleanupPolicy.includes('compact');
}

export function isDeletable(config: Readonly<LogConfig>): boolean {
  return config.cleanupPolicy.includes('delete');
}
