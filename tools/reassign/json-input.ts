/**
 * Reading the JSON files the operator commands take (reassignment plans, topics to move, the
 * partitions of a leader election): a file that cannot be read, text that is not JSON, or a value
 * of the wrong shape is an InputError naming the file and the place in it ("plan.json:
 * partitions[2].replicas: expected an array of broker ids"). The commands print its message and
 * exit 1, as Kafka's tools end on a bad file.
 */
import fs from 'node:fs';

/** Bad input from a file (or a plan that does not fit the cluster): one readable message, exit 1. */
export class InputError extends Error {}

/** The parsed JSON of `file`; what kind of file it should be (`what`) goes into the messages. */
export function readJsonFile(file: string, what: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as { code?: string }).code;
    throw new InputError(`cannot read ${what} ${file} (${code ?? (err as Error).message})`);
  }
  if (text.trim() === '') throw new InputError(`${file}: the ${what} is empty`);
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new InputError(`${file}: not valid JSON (${(err as Error).message})`);
  }
}

/** A JSON object's fields, or an InputError saying `where` should be an object. */
export function objectAt(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new InputError(`${where}: expected a JSON object`);
  return value as Record<string, unknown>;
}

/** An array, or an InputError. */
export function arrayAt(value: unknown, where: string): unknown[] {
  if (!Array.isArray(value)) throw new InputError(`${where}: expected a JSON array`);
  return value;
}

/** A non-empty string, or an InputError. */
export function nameAt(value: unknown, where: string): string {
  if (typeof value !== 'string' || value === '')
    throw new InputError(`${where}: expected a non-empty string`);
  return value;
}

/** A whole number from 0 to 2^31-1 (a partition index or a broker id), or an InputError. */
export function idAt(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0x7fffffff)
    throw new InputError(`${where}: expected a whole number from 0, got ${JSON.stringify(value)}`);
  return value;
}

/**
 * The "version" field of Kafka's admin JSON files: absent means 1, the only version there is.
 */
export function checkVersion(fields: Record<string, unknown>, where: string): void {
  const version = fields.version;
  if (version !== undefined && version !== 1)
    throw new InputError(`${where}: unsupported "version" ${JSON.stringify(version)} (only 1 is known)`);
}

/** The items of `list` that appear more than once, each once, in order of first repeat. */
export function repeated<T>(list: readonly T[], key: (item: T) => string | number = String): T[] {
  const seen = new Set<string | number>();
  const twice = new Map<string | number, T>();
  for (const item of list) {
    const k = key(item);
    if (seen.has(k) && !twice.has(k)) twice.set(k, item);
    seen.add(k);
  }
  return [...twice.values()];
}
