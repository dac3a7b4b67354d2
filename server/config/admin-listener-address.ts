/**
 * kiln.admin.listener: `http://host:port` (an IPv6 host in brackets), or `none` for no admin
 * listener. Only plain HTTP is served; anything else is a config error naming the property.
 */
import { ConfigError } from './config-error.js';

export interface AdminAddress {
  host: string;
  port: number;
}

export function parseAdminListener(key: string, text: string): AdminAddress | null {
  const value = text.trim();
  if (value === '' || value.toLowerCase() === 'none') return null;
  const match = /^http:\/\/(\[[0-9a-fA-F:.]+\]|[^:/[\]\s]+):(\d+)\/?$/i.exec(value);
  if (!match) throw new ConfigError(key, `expected http://host:port or none, got '${value}'`);
  const port = Number(match[2]);
  if (port > 65535) throw new ConfigError(key, `port ${port} is out of range`);
  return { host: match[1]!.replace(/^\[|\]$/g, ''), port };
}
