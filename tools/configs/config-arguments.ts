/**
 * The arguments of `kiln configs` as Kafka's kafka-configs tool takes them: which entity
 * (`--entity-type topics|brokers --entity-name N`, `--entity-default`, or the shortcuts `--topic T`,
 * `--broker N`, `--broker-defaults`) and what to change (`--add-config k1=v1,k2=[a,b]`,
 * `--add-config-file FILE`, `--delete-config k1,k2`).
 */
import fs from 'node:fs';
import { UsageError } from '../kiln.js';

/** ConfigResource types of the Kafka protocol. */
export const TOPIC_RESOURCE = 2;
export const BROKER_RESOURCE = 4;

export interface Entity {
  kind: 'topics' | 'brokers';
  /** The topic or broker id; '' is the cluster-wide broker default; undefined means every one. */
  name: string | undefined;
}

export interface EntityFlags {
  'entity-type'?: string | undefined;
  'entity-name'?: string | undefined;
  'entity-default'?: boolean | undefined;
  topic?: string | undefined;
  broker?: string | undefined;
  'broker-defaults'?: boolean | undefined;
}

const OTHER_TYPES = ['clients', 'users', 'ips', 'broker-loggers'];

/** The one entity the flags name; a UsageError when they name none, several or one Kiln lacks. */
export function entityOf(flags: EntityFlags): Entity {
  const named: Entity[] = [];
  if (flags.topic !== undefined) named.push({ kind: 'topics', name: flags.topic });
  if (flags.broker !== undefined) named.push({ kind: 'brokers', name: flags.broker });
  if (flags['broker-defaults']) named.push({ kind: 'brokers', name: '' });
  const type = flags['entity-type'];
  if (type !== undefined) {
    const kind = type === 'topic' ? 'topics' : type === 'broker' ? 'brokers' : type;
    if (OTHER_TYPES.includes(kind))
      throw new UsageError(`--entity-type ${type}: Kiln has no ${type} configs`);
    if (kind !== 'topics' && kind !== 'brokers')
      throw new UsageError(`--entity-type must be topics or brokers, got '${type}'`);
    if (flags['entity-default'] && kind === 'topics')
      throw new UsageError('--entity-default applies to brokers only (topics take their defaults from them)');
    if (flags['entity-default'] && flags['entity-name'] !== undefined)
      throw new UsageError('give --entity-name or --entity-default, not both');
    named.push({ kind, name: flags['entity-default'] ? '' : flags['entity-name'] });
  } else if (flags['entity-name'] !== undefined || flags['entity-default']) {
    throw new UsageError('--entity-name and --entity-default need --entity-type topics|brokers');
  }
  if (named.length === 0)
    throw new UsageError(
      'name the entity: --entity-type topics|brokers --entity-name N (or --topic T, --broker N)',
    );
  if (named.length > 1) throw new UsageError('name one entity only');
  const entity = named[0]!;
  if (
    entity.kind === 'brokers' &&
    entity.name !== undefined &&
    entity.name !== '' &&
    !/^\d+$/.test(entity.name)
  )
    throw new UsageError(`a broker is named by its id, got '${entity.name}'`);
  return entity;
}

/**
 * `k1=v1,k2=[a,b]` pairs (repeatable): commas separate pairs except inside square brackets, which
 * hold a list value and are dropped (`k2` gets `a,b`).
 */
export function parseAddConfig(values: readonly string[]): Map<string, string> {
  const result = new Map<string, string>();
  for (const text of values) {
    for (const pair of splitOutsideBrackets(text)) {
      if (pair.trim() === '') continue;
      const eq = pair.indexOf('=');
      if (eq <= 0) throw new UsageError(`--add-config: expected key=value, got '${pair}'`);
      let value = pair.slice(eq + 1);
      if (value.startsWith('[') && value.endsWith(']')) value = value.slice(1, -1);
      result.set(pair.slice(0, eq).trim(), value);
    }
  }
  return result;
}

function splitOutsideBrackets(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '[') depth++;
    else if (c === ']') depth = Math.max(0, depth - 1);
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  if (depth > 0) throw new UsageError(`--add-config: unclosed '[' in '${text}'`);
  parts.push(text.slice(start));
  return parts;
}

/** A Java properties file's key=value lines (comments and blank lines skipped), for --add-config-file. */
export function readConfigFile(file: string): Map<string, string> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(
      `--add-config-file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  const result = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    const match = /^([^=:\s]+)\s*[=:]\s*(.*)$/.exec(line);
    if (!match) throw new UsageError(`--add-config-file ${file}: cannot read '${line}'`);
    result.set(match[1]!, match[2]!);
  }
  return result;
}

/** `--delete-config k1,k2` (repeatable). */
export function parseDeleteConfig(values: readonly string[]): string[] {
  return values
    .flatMap((v) => v.split(','))
    .map((k) => k.trim())
    .filter(Boolean);
}
