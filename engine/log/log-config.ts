/**
 * Per-log configuration, under Kafka's topic-level property names. The broker's defaults and each
 * topic's overrides are both written as these properties (strings, as in server.properties or a
 * CreateTopics request); `parseLogConfig` validates them against the registry
 * (topic-properties.ts) and yields typed values.
 */
import { InvalidConfigError } from '../errors.js';
import { parsePropertyValue, propertyText } from './property-value.js';
import { TOPIC_PROPERTIES, TOPIC_PROPERTY, type LogConfig } from './topic-properties.js';

export type { CleanupPolicy, LogConfig, TimestampTypeName } from './topic-properties.js';

/** The built-in defaults: every registry default, parsed. */
export const DEFAULT_LOG_CONFIG: Readonly<LogConfig> = Object.freeze(
  Object.fromEntries(
    TOPIC_PROPERTIES.map((p) => [p.key, parsePropertyValue(p.name, p, p.default)]),
  ) as unknown as LogConfig,
);

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
    const spec = TOPIC_PROPERTY.get(name);
    if (!spec) throw new InvalidConfigError(name, 'unknown topic configuration');
    (config as unknown as Record<string, unknown>)[spec.key] = parsePropertyValue(name, spec, String(raw));
  }
  return config;
}

/** The config as Kafka-named string properties (what DescribeConfigs shows). */
export function logConfigToProperties(config: Readonly<LogConfig>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const property of TOPIC_PROPERTIES) out[property.name] = propertyText(config[property.key]);
  return out;
}

export function isCompacted(config: Readonly<LogConfig>): boolean {
  return config.cleanupPolicy.includes('compact');
}

export function isDeletable(config: Readonly<LogConfig>): boolean {
  return config.cleanupPolicy.includes('delete');
}
