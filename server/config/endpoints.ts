/** Listener addresses: `NAME://host:port`, comma-separated; an empty host means all interfaces. */
import { ConfigError } from './config-error.js';

export interface Endpoint {
  name: string;
  host: string;
  port: number;
}

export function parseEndpoints(key: string, text: string): Endpoint[] {
  const list = text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  if (list.length === 0) throw new ConfigError(key, 'no listener given');
  const names = new Set<string>();
  return list.map((entry) => {
    const match = /^([A-Za-z0-9_]+):\/\/(\[[^\]]*\]|[^:]*):(\d+)$/.exec(entry);
    if (!match) throw new ConfigError(key, `expected NAME://host:port, got '${entry}'`);
    const port = Number(match[3]);
    if (port > 65535) throw new ConfigError(key, `port ${port} is out of range`);
    // As in Kafka, each listener needs a name of its own (a second one was silently never bound).
    const name = match[1]!.toUpperCase();
    if (names.has(name)) throw new ConfigError(key, `listener name ${match[1]} is used more than once`);
    names.add(name);
    return { name: match[1]!, host: match[2]!.replace(/^\[|\]$/g, ''), port };
  });
}

/** Endpoints written back as the property's text (IPv6 hosts in brackets). */
export function endpointsText(endpoints: Endpoint[]): string {
  return endpoints
    .map((e) => `${e.name}://${e.host.includes(':') ? `[${e.host}]` : e.host}:${e.port}`)
    .join(',');
}
