/**
 * Config entries as DescribeConfigs (and CreateTopics v5+) show them: a topic's effective configs
 * and the broker's properties, each with where its value comes from and its synonyms, all read
 * from the registries (engine topic-properties.ts, server/config/broker-properties.ts).
 *
 * Sources are Kafka's ids: 1 a topic override, 2 a dynamic config of this broker, 3 the dynamic
 * cluster-wide default, 4 server.properties (or --override), 5 the built-in default. Synonyms are
 * listed as Kafka lists them: by source, most specific first, and within a source by the
 * precedence of the names (log.retention.ms, log.retention.minutes, log.retention.hours).
 */
import {
  TOPIC_PROPERTIES,
  logConfigToProperties,
  type BrokerSynonym,
  type LogConfig,
  type PropertyType,
} from '../../../engine/index.js';
import type { BrokerContext } from '../../broker-context.js';
import type { DynamicBrokerConfigs } from '../../config/dynamic-broker-configs.js';
import { BROKER_PROPERTIES, BROKER_PROPERTY } from '../../config/broker-properties.js';
import type { DescribeConfigsApi } from '../../protocol/apis/describe-configs.js';
import type { ResponseOf } from '../../protocol/message-types.js';
import { dynamicConfigsOf } from './config-changes.js';

export const ConfigSource = {
  DYNAMIC_TOPIC_CONFIG: 1,
  DYNAMIC_BROKER_CONFIG: 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
} as const;

/** DescribeConfigs v3+ configType: Kafka's ConfigDef.Type ids. */
const CONFIG_TYPE: Record<PropertyType, number> = {
  boolean: 1,
  string: 2,
  int: 3,
  long: 5,
  double: 6,
  list: 7,
};

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
  documentation: string;
}

type Level = [source: number, values: Readonly<Record<string, string>>];

let builtInDefaults: Record<string, string> | undefined;

/** The broker properties that have a built-in default, by name. */
function defaults(): Record<string, string> {
  builtInDefaults ??= Object.fromEntries(
    BROKER_PROPERTIES.filter((p) => p.default !== null).map((p) => [p.name, p.default!]),
  );
  return builtInDefaults;
}

/**
 * The broker-level sources, most specific first; `perBroker` false leaves this broker's out.
 * `dynamic` is the dynamic configs to show (cluster mode: as ZooKeeper has them now), else the
 * broker's own.
 */
function brokerLevels(
  broker: BrokerContext,
  perBroker: boolean,
  dynamic: DynamicBrokerConfigs = dynamicConfigsOf(broker),
): Level[] {
  const levels: Level[] = [];
  if (perBroker) levels.push([ConfigSource.DYNAMIC_BROKER_CONFIG, dynamic.get('broker')]);
  levels.push(
    [ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG, dynamic.get('default')],
    [ConfigSource.STATIC_BROKER_CONFIG, broker.config.properties],
    [ConfigSource.DEFAULT_CONFIG, defaults()],
  );
  return levels;
}

function synonymsAt(levels: Level[], names: readonly BrokerSynonym[]): ConfigSynonym[] {
  const out: ConfigSynonym[] = [];
  for (const [source, values] of levels)
    for (const { name } of names)
      if (values[name] !== undefined) out.push({ name, value: values[name], source });
  return out;
}

/**
 * The topic defaults with `dynamic` in effect (the broker's own when not given: its logs have them).
 */
function topicDefaults(
  broker: BrokerContext,
  dynamic: DynamicBrokerConfigs | undefined,
): Readonly<LogConfig> {
  return dynamic ? dynamic.logDefaults(broker.config.logDefaults) : broker.logs.defaults;
}

/**
 * Every topic config Kiln knows, with its effective value for a topic that has `overrides`;
 * `dynamic` as in brokerLevels.
 */
export function topicConfigEntries(
  broker: BrokerContext,
  overrides: Record<string, string>,
  dynamic?: DynamicBrokerConfigs,
): ConfigEntry[] {
  // The levels first: a context without dynamic configs loaded loads (and applies) them here.
  const levels = brokerLevels(broker, true, dynamic);
  const effective = effectiveTopicProperties(topicDefaults(broker, dynamic), overrides);
  return TOPIC_PROPERTIES.map((property) => {
    const { name } = property;
    const synonyms: ConfigSynonym[] = [];
    if (overrides[name] !== undefined)
      synonyms.push({ name, value: overrides[name], source: ConfigSource.DYNAMIC_TOPIC_CONFIG });
    synonyms.push(...synonymsAt(levels, property.synonyms));
    return {
      name,
      value: effective[name]!,
      readOnly: false,
      configSource: synonyms[0]?.source ?? ConfigSource.DEFAULT_CONFIG,
      isSensitive: false,
      synonyms,
      configType: CONFIG_TYPE[property.type],
      documentation: property.doc,
    };
  });
}

/** The effective topic properties: the broker's current defaults with the topic's overrides. */
function effectiveTopicProperties(
  defaults: Readonly<LogConfig>,
  overrides: Record<string, string>,
): Record<string, string> {
  const base = logConfigToProperties(defaults);
  for (const [name, value] of Object.entries(overrides)) if (name in base) base[name] = value.trim();
  return base;
}

/**
 * The broker's properties (resource name = its id): every one Kiln uses, read-only unless it may
 * change at run time. A log.* property that sets a topic default shows the default in effect.
 * `dynamic` as in brokerLevels.
 */
export function brokerConfigEntries(broker: BrokerContext, dynamic?: DynamicBrokerConfigs): ConfigEntry[] {
  const levels = brokerLevels(broker, true, dynamic);
  const defaultValues = logConfigToProperties(topicDefaults(broker, dynamic));
  const entries: ConfigEntry[] = [];
  for (const property of BROKER_PROPERTIES) {
    const synonyms = synonymsAt(levels, property.synonyms);
    // One Kiln does not use, or one Kafka describes only when set, is shown only where something sets it.
    const hidden = property.ignored || property.describedWhenSet;
    if (hidden && !synonyms.some((s) => s.source !== ConfigSource.DEFAULT_CONFIG)) continue;
    const primaryOfTopic = property.topic !== undefined && property.synonyms[0]!.name === property.name;
    const value = primaryOfTopic
      ? defaultValues[property.topic!]!
      : (synonyms.find((s) => s.name === property.name)?.value ?? null);
    entries.push(entry(property.name, value, synonyms));
  }
  return entries;
}

/**
 * The cluster-wide dynamic defaults (resource name ""): only those that are set, as in Kafka.
 * `dynamic` as in brokerLevels.
 */
export function clusterDefaultEntries(broker: BrokerContext, dynamic?: DynamicBrokerConfigs): ConfigEntry[] {
  const levels = brokerLevels(broker, false, dynamic);
  return Object.entries((dynamic ?? dynamicConfigsOf(broker)).get('default')).map(([name, value]) =>
    entry(name, value, synonymsAt(levels, BROKER_PROPERTY.get(name)!.synonyms)),
  );
}

/**
 * Cluster mode: another broker's dynamic configs (resource name = its id), only those set for it,
 * as `dynamic` (ZooKeeper's) holds them. Its server.properties are its own, not known here: the
 * synonyms are its dynamic value, the cluster default and the built-in default.
 */
export function otherBrokerEntries(dynamic: DynamicBrokerConfigs): ConfigEntry[] {
  const levels: Level[] = [
    [ConfigSource.DYNAMIC_BROKER_CONFIG, dynamic.get('broker')],
    [ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG, dynamic.get('default')],
    [ConfigSource.DEFAULT_CONFIG, defaults()],
  ];
  return Object.entries(dynamic.get('broker')).map(([name, value]) =>
    entry(name, value, synonymsAt(levels, BROKER_PROPERTY.get(name)!.synonyms)),
  );
}

function entry(name: string, value: string | null, synonyms: ConfigSynonym[]): ConfigEntry {
  const property = BROKER_PROPERTY.get(name)!;
  return {
    name,
    value,
    readOnly: property.dynamic === 'read-only',
    configSource: synonyms[0]?.source ?? ConfigSource.DEFAULT_CONFIG,
    isSensitive: false,
    synonyms,
    configType: CONFIG_TYPE[property.type],
    documentation: property.doc,
  };
}

type DescribedConfig = ResponseOf<typeof DescribeConfigsApi>['results'][number]['configs'][number];

/** An entry as the response carries it: v0's isDefault, synonyms and documentation when asked. */
export function describedEntry(
  entry: ConfigEntry,
  includeSynonyms: boolean,
  includeDocumentation = false,
): DescribedConfig {
  return {
    name: entry.name,
    value: entry.value,
    readOnly: entry.readOnly,
    isDefault: entry.configSource === ConfigSource.DEFAULT_CONFIG,
    configSource: entry.configSource,
    isSensitive: entry.isSensitive,
    synonyms: includeSynonyms ? entry.synonyms : [],
    configType: entry.configType,
    documentation: includeDocumentation ? entry.documentation : null,
  };
}
