/** A config as DescribeConfigs answers it, read into the shape the tools print. */
import type { DescribeConfigsApi } from '../../server/protocol/apis/describe-configs.js';
import type { ResponseReceived } from '../../server/protocol/message-types.js';

type DescribedConfig = ResponseReceived<typeof DescribeConfigsApi>['results'][number]['configs'][number];

export interface ConfigEntry {
  name: string;
  value: string | null;
  readOnly: boolean;
  isSensitive: boolean;
  isDefault: boolean;
  source: string;
  /** Where the value could come from, most specific first (DescribeConfigs v1+). */
  synonyms: { name: string; value: string | null; source: string }[];
}

const CONFIG_SOURCES: Record<number, string> = {
  0: 'UNKNOWN',
  1: 'DYNAMIC_TOPIC_CONFIG',
  2: 'DYNAMIC_BROKER_CONFIG',
  3: 'DYNAMIC_DEFAULT_BROKER_CONFIG',
  4: 'STATIC_BROKER_CONFIG',
  5: 'DEFAULT_CONFIG',
  6: 'DYNAMIC_BROKER_LOGGER_CONFIG',
};

/** One entry of a DescribeConfigs result. */
export function configEntryOf(c: DescribedConfig): ConfigEntry {
  // configSource is -1 (its default) in v0, which has isDefault instead; 5 is DEFAULT_CONFIG.
  const source = c.configSource;
  return {
    name: c.name,
    value: c.value,
    readOnly: c.readOnly,
    isSensitive: c.isSensitive,
    isDefault: source === -1 ? c.isDefault : source === 5,
    source: CONFIG_SOURCES[source] ?? 'UNKNOWN',
    synonyms: c.synonyms.map((y) => ({
      name: y.name,
      value: y.value,
      source: CONFIG_SOURCES[y.source] ?? 'UNKNOWN',
    })),
  };
}
