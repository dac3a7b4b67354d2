/**
 * One property value as text (server.properties, a CreateTopics or AlterConfigs request) checked
 * against its type and range, the way Kafka's config types read them: int and long are whole
 * numbers within Java's int or long, double a finite number, boolean `true`/`false`, string any
 * text (or one of `values`), list comma-separated items (each one of `values`, at least one). A
 * `format` replaces those checks with a pattern the whole text must match (the throttled replica
 * lists: empty, `*`, or `partition:broker` items), named in the error when it does not.
 *
 * Kafka's "no limit" for longs is 9223372036854775807; it is read as Number.MAX_SAFE_INTEGER and
 * written back as Kafka's text by `propertyText`. The topic and broker registries both use this,
 * so a value is judged the same way wherever it is given.
 */
import { InvalidConfigError } from '../errors.js';

export type PropertyType = 'int' | 'long' | 'double' | 'boolean' | 'string' | 'list';

export interface ValueSpec {
  type: PropertyType;
  /** Smallest and largest number allowed (int, long, double). */
  min?: number;
  max?: number;
  /** The allowed values (string) or items (list); any when absent. */
  values?: readonly string[];
  /**
   * A pattern the whole value (trimmed) must match instead, and what it describes (errors and docs
   * say "expected <description>"). Written so that it cannot backtrack: it is run on client input.
   */
  format?: { pattern: RegExp; description: string };
}

export type PropertyValue = number | string | boolean;

export const LONG_MAX = Number.MAX_SAFE_INTEGER;
export const LONG_MAX_TEXT = '9223372036854775807';
const INT_MAX = 0x7fff_ffff;

/** Reads `text` as `spec` says; throws InvalidConfigError naming `name` and saying why. */
export function parsePropertyValue(name: string, spec: ValueSpec, raw: string): PropertyValue {
  const text = raw.trim();
  if (spec.format) {
    if (spec.format.pattern.test(text)) return text;
    throw new InvalidConfigError(name, `expected ${spec.format.description}, got '${raw}'`);
  }
  switch (spec.type) {
    case 'boolean': {
      const lower = text.toLowerCase();
      if (lower === 'true' || lower === 'false') return lower === 'true';
      throw new InvalidConfigError(name, `expected true or false, got '${raw}'`);
    }
    case 'string':
      if (!spec.values || spec.values.includes(text)) return text;
      throw new InvalidConfigError(name, `expected one of ${spec.values.join(', ')}, got '${raw}'`);
    case 'list': {
      const items = [...new Set(listItems(text))].sort();
      const bad = spec.values ? items.filter((item) => !spec.values!.includes(item)) : [];
      if (items.length > 0 && bad.length === 0) return items.join(',');
      const allowed = spec.values ? `one or more of ${spec.values.join(', ')}` : 'a comma-separated list';
      throw new InvalidConfigError(name, `expected ${allowed}, got '${raw}'`);
    }
    case 'double': {
      const value = Number(text);
      if (text === '' || !Number.isFinite(value))
        throw new InvalidConfigError(name, `expected a number, got '${raw}'`);
      return checkRange(name, spec, value);
    }
    default: {
      if (!/^-?\d+$/.test(text)) throw new InvalidConfigError(name, `expected a whole number, got '${raw}'`);
      const big = BigInt(text);
      const limit = spec.type === 'int' ? BigInt(INT_MAX) : BigInt(LONG_MAX_TEXT);
      if (big > limit || big < -limit - 1n) {
        const what = spec.type === 'int' ? 'an int' : 'a long';
        throw new InvalidConfigError(name, `${text} is out of range for ${what}`);
      }
      return checkRange(name, spec, big > BigInt(LONG_MAX) ? LONG_MAX : Number(big));
    }
  }
}

/** A parsed value as Kafka writes it (Long.MAX_VALUE again for "no limit"). */
export function propertyText(value: PropertyValue): string {
  return value === LONG_MAX ? LONG_MAX_TEXT : String(value);
}

/** The range of `spec` in words, for documentation: "at least 1", "one of a, b". */
export function describeRange(spec: ValueSpec): string {
  if (spec.format) return spec.format.description;
  if (spec.values) return `${spec.type === 'list' ? 'any of' : 'one of'} ${spec.values.join(', ')}`;
  if (spec.min !== undefined && spec.max !== undefined) return `${spec.min} to ${spec.max}`;
  if (spec.min !== undefined) return `at least ${spec.min}`;
  if (spec.max !== undefined) return `at most ${spec.max}`;
  return '';
}

export function listItems(text: string): string[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function checkRange(name: string, spec: ValueSpec, value: number): number {
  if (spec.min !== undefined && value < spec.min)
    throw new InvalidConfigError(name, `${value} is below the minimum ${spec.min}`);
  if (spec.max !== undefined && value > spec.max)
    throw new InvalidConfigError(name, `${value} is above the maximum ${spec.max}`);
  return value;
}
