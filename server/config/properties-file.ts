/** server.properties files (`key=value` lines, `#` and `!` comments) and `--override key=value`. */
import fs from 'node:fs';
import { ConfigError } from './config-error.js';

/** Reads a server.properties file: `key=value` or `key: value` lines, comments, blank lines. */
export function readPropertiesFile(file: string): Record<string, string> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError('--config', `cannot read ${file}: ${(err as Error).message}`);
  }
  return parseProperties(text, file);
}

/** Parses properties text; `source` names it in errors (file:line). */
export function parseProperties(text: string, source: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    const match = /^([^=:\s]+)\s*[=:]\s*(.*)$/.exec(line);
    if (!match) throw new ConfigError(`${source}:${index + 1}`, `expected key=value, got '${line}'`);
    out[match[1]!] = match[2]!;
  }
  return out;
}

/** Parses `key=value` overrides (from --override). */
export function parseOverride(text: string): [string, string] {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new ConfigError('--override', `expected key=value, got '${text}'`);
  return [text.slice(0, eq).trim(), text.slice(eq + 1).trim()];
}
