// Random messages of any schema at any version, for property tests of the codec: a seeded PRNG
// (seeded-random.ts) picks a value of each field's type, nullable fields are sometimes null, tagged
// fields sometimes set, arrays hold 0-3 items and structs nest. Every such message round-trips: what
// decodes back is what was sent, with absent values (absent-value.ts) filled in.
//
// In hostile mode any value may instead be null or undefined, where the codec must refuse it (or
// fall back to an absent value) exactly as the interpreter it replaced did.
import type { Message } from '../../server/protocol/codec.js';
import { inRange, type FieldDef, type FieldType } from '../../server/protocol/schema.js';

/** Characters of 1 to 4 UTF-8 bytes (a surrogate pair among them), plus quote and backslash. */
const ALPHABET = ['a', 'b', 'z', 'Q', '0', '-', '.', '_', ' ', '"', '\\', 'é', 'ß', '☃', '€', '😀', '\n'];

const EDGE_INT64 = [0, -1, 1, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 2 ** 32, -(2 ** 32) - 1];

export class RandomMessages {
  constructor(
    private readonly random: () => number,
    private readonly version: number,
    private readonly hostile = false,
  ) {}

  message(fields: readonly FieldDef[]): Message {
    const out: Message = {};
    for (const def of fields) {
      const tagged = def.tag !== undefined && inRange(this.version, def.taggedVersions);
      if (this.chance(tagged ? 0.5 : 0.1)) continue; // left out: the absent value is sent
      out[def.name] = this.value(def, def.type, tagged);
    }
    return out;
  }

  private value(def: FieldDef, type: FieldType, taggedField: boolean): unknown {
    if (this.hostile && this.chance(0.03)) return this.chance(0.5) ? null : undefined;
    if (inRange(this.version, def.nullable) && this.chance(0.2)) {
      // Null round-trips as null for strings, bytes and arrays; a struct is written as {} instead,
      // except a tagged struct whose default is null, which is then not written at all.
      if (typeof type === 'string' ? ['string', 'bytes', 'records'].includes(type) : type.kind === 'array')
        return null;
      if (taggedField && def.default === null) return null;
    }
    if (typeof type !== 'string') {
      if (type.kind === 'struct') return this.message(type.fields);
      const count = this.int(4);
      const items: unknown[] = [];
      for (let i = 0; i < count; i++) items.push(this.value(def, type.items, false));
      return items;
    }
    switch (type) {
      case 'bool':
        return this.chance(0.5);
      case 'int8':
        return this.int(256) - 128;
      case 'int16':
        return this.int(65536) - 32768;
      case 'uint16':
        return this.int(65536);
      case 'int32':
        return this.int(2 ** 32) - 2 ** 31;
      case 'uint32':
        return this.int(2 ** 32);
      case 'int64':
        if (this.chance(0.3)) return EDGE_INT64[this.int(EDGE_INT64.length)]!;
        return Math.floor((this.random() * 2 - 1) * Number.MAX_SAFE_INTEGER);
      case 'float64':
        return this.chance(0.2) ? 0.5 : (this.random() - 0.5) * 1e9;
      case 'uuid':
        return this.bytes(16).toString('base64url');
      case 'string': {
        const length = this.chance(0.05) ? 300 + this.int(300) : this.int(12);
        let text = '';
        for (let i = 0; i < length; i++) text += ALPHABET[this.int(ALPHABET.length)];
        return text;
      }
      case 'bytes':
      case 'records':
        // Now and then past the writer's by-reference threshold (1 KiB).
        return this.bytes(this.chance(0.05) ? 1024 + this.int(2048) : this.int(16));
    }
  }

  private bytes(length: number): Buffer {
    const out = Buffer.alloc(length);
    for (let i = 0; i < length; i++) out[i] = this.int(256);
    return out;
  }

  int(bound: number): number {
    return Math.floor(this.random() * bound);
  }

  chance(p: number): boolean {
    return this.random() < p;
  }
}

/**
 * A value as text, objects in their own key order, Buffers as hex and -0 kept apart from 0: two
 * decoded messages with the same text have the same shape and the same values.
 */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (Buffer.isBuffer(value)) return `<${value.toString('hex')}>`;
  if (Array.isArray(value)) return `[${value.map(describeValue).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${describeValue(item)}`).join(',')}}`;
  }
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  return String(value);
}

/** What running `f` comes to: its value described, or the class and message of what it threw. */
export function outcome(f: () => unknown): string {
  try {
    return `returns ${describeValue(f())}`;
  } catch (error) {
    const e = error as Error;
    return `throws ${e.constructor.name}: ${e.message}`;
  }
}
