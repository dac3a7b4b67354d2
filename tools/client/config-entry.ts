/** A config as DescribeConfigs answers it, read into the shape the tools print. */
import type { Message } from '../../server/protocol/codec.js';

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
export function configEntryOf(c: Message): ConfigEntry {
  const source = (c.configSource as number | undefined) ?? -1;
  return {
    name: c.name as string,
    value: c.value as string | null,
    readOnly: c.readOnly as boolean,
    isSensitive: c.isSensitive as boolean,
    // v0 has isDefault; later versions a source, 5 being DEFAULT_CONFIG.
    isDefault: source === -1 ? (c.isDefault as boolean) : source === 5,
    source: CONFIG_SOURCES[source] ?? 'UNKNOWN',
    synonyms: ((c.synonyms as Message[] | undefined) ?? []).map((y) => ({
      name: y.name as string,
      value: y.value as string | null,
      source: CONFIG_SOURCES[y.source as number] ?? 'UNKNOWN',
    })),
  };
}
