/**
 * The fields of the broker's start line ("kiln broker started"): enough to tell, from the log
 * alone, what ran: the version, where it listens, where its data is, and every property set to
 * something other than its default. Defaults are left out so the line stays short and what an
 * operator changed stands out.
 *
 * A secret's value is never written to a log: a property whose name says it holds one (passwords,
 * keys, JAAS configs, as Kafka's PASSWORD-typed configs) shows as [hidden]. Kiln has none today;
 * the rule is here so that one added later cannot leak.
 */
import { parsePropertyValue, type PropertyValue } from '../engine/index.js';
import type { BrokerConfig } from './config/broker-config.js';
import { BROKER_PROPERTY } from './config/broker-properties.js';
import { endpointsText } from './config/endpoints.js';
import { kilnVersion } from './config/kiln-version.js';

export const HIDDEN = '[hidden]';

const SECRET_NAME = /password|secret|\.key$|jaas\.config|credential|token/i;

export interface StartLineFields {
  version: string;
  /** The first listener, where clients connect (kept for scripts that read these two). */
  host: string;
  port: number;
  /** Every listener, as the listeners property writes them, with the port actually bound. */
  listeners: string;
  dirs: string[];
  /** The properties given that differ from their defaults, by name, secrets hidden. */
  properties: Record<string, string>;
  zookeeper?: string;
  clusterId?: string;
}

/** The start line's fields for a broker running `config`, its first listener bound to `boundPort`. */
export function startLineFields(
  config: BrokerConfig,
  bound: { port: number; clusterId?: string },
): StartLineFields {
  const first = config.listeners[0]!;
  const listeners = config.listeners.map((e, i) => (i === 0 ? { ...e, port: bound.port } : e));
  return {
    version: kilnVersion(),
    host: first.host,
    port: bound.port,
    listeners: endpointsText(listeners),
    dirs: config.logDirs,
    properties: nonDefaultProperties(config.properties),
    ...(config.zookeeper && bound.clusterId !== undefined
      ? { zookeeper: config.zookeeper.connect, clusterId: bound.clusterId }
      : {}),
  };
}

/** The properties in `given` whose values are not their defaults, sorted by name, secrets hidden. */
export function nonDefaultProperties(given: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(given).sort()) {
    const text = given[name]!;
    const property = BROKER_PROPERTY.get(name);
    if (property && property.default !== null && sameValue(name, text, property.default)) continue;
    out[name] = SECRET_NAME.test(name) ? HIDDEN : text;
  }
  return out;
}

/** Whether two texts mean the same value of property `name` (TRUE and true, 1000 and 01000). */
function sameValue(name: string, a: string, b: string): boolean {
  if (a.trim() === b.trim()) return true;
  const property = BROKER_PROPERTY.get(name)!;
  const parse = (text: string): PropertyValue | undefined => {
    try {
      return parsePropertyValue(name, property, text);
    } catch {
      return undefined;
    }
  };
  const left = parse(a);
  return left !== undefined && left === parse(b);
}
