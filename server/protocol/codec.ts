/**
 * The one codec: reads and writes any version of any message described in schema.ts.
 *
 * Messages are plain objects keyed by field name. Decoding a version fills every field of that
 * version (a tagged field that was not sent gets its default); encoding reads only the fields of
 * that version and falls back to each field's default (or the type's zero value) when a field is
 * missing, so handlers can build responses without knowing which fields a version has.
 * Unknown tagged fields are skipped on read.
 */
import { ProtocolError } from './protocol-error.js';
import type { ProtocolReader } from './reader.js';
import { inRange, type FieldDef, type FieldType } from './schema.js';
import { ProtocolWriter } from './writer.js';

export type Message = Record<string, unknown>;

const EMPTY_BYTES = Buffer.alloc(0);

export function decodeMessage(
  fields: readonly FieldDef[],
  version: number,
  flexible: boolean,
  reader: ProtocolReader,
): Message {
  const out: Message = {};
  for (const def of fields) {
    if (!inRange(version, def.versions)) {
      out[def.name] = absentValue(def);
      continue;
    }
    if (flexible && def.tag !== undefined && inRange(version, def.taggedVersions)) {
      out[def.name] = absentValue(def); // filled from the tagged section below, if sent
      continue;
    }
    out[def.name] = decodeValue(def.type, def, version, flexible, reader);
  }
  if (flexible) decodeTaggedFields(fields, version, reader, out);
  return out;
}

function decodeValue(
  type: FieldType,
  def: FieldDef,
  version: number,
  flexible: boolean,
  r: ProtocolReader,
): unknown {
  const nullable = inRange(version, def.nullable);
  if (typeof type === 'string') {
    let value: unknown;
    switch (type) {
      case 'bool':
        return r.bool();
      case 'int8':
        return r.int8();
      case 'int16':
        return r.int16();
      case 'uint16':
        return r.uint16();
      case 'int32':
        return r.int32();
      case 'uint32':
        return r.uint32();
      case 'int64':
        return r.int64();
      case 'float64':
        return r.float64();
      case 'uuid':
        return r.uuid();
      case 'string':
        value = flexible ? r.compactString() : r.string();
        break;
      case 'bytes':
      case 'records':
        value = flexible ? r.compactBytes() : r.bytes();
        break;
    }
    if (value === null && !nullable)
      throw new ProtocolError(`field ${def.name} is null in version ${version}`);
    return value;
  }
  if (type.kind === 'struct') return decodeMessage(type.fields, version, flexible, r);
  const count = r.arrayLength(flexible);
  if (count === -1) {
    if (!nullable) throw new ProtocolError(`array ${def.name} is null in version ${version}`);
    return null;
  }
  const items = new Array<unknown>(count);
  for (let i = 0; i < count; i++) items[i] = decodeValue(type.items, def, version, flexible, r);
  return items;
}

function decodeTaggedFields(
  fields: readonly FieldDef[],
  version: number,
  r: ProtocolReader,
  out: Message,
): void {
  const count = r.unsignedVarint();
  for (let i = 0; i < count; i++) {
    const tag = r.unsignedVarint();
    const size = r.unsignedVarint();
    const def = fields.find((f) => f.tag === tag && inRange(version, f.taggedVersions));
    if (!def) {
      r.skip(size);
      continue;
    }
    const end = r.offset + size;
    out[def.name] = decodeValue(def.type, def, version, true, r);
    if (r.offset !== end) throw new ProtocolError(`tagged field ${def.name} did not fill its ${size} bytes`);
  }
}

export function encodeMessage(
  fields: readonly FieldDef[],
  version: number,
  flexible: boolean,
  message: Message,
  w: ProtocolWriter,
): void {
  let tagged: FieldDef[] | undefined;
  for (const def of fields) {
    if (!inRange(version, def.versions)) continue;
    if (flexible && def.tag !== undefined && inRange(version, def.taggedVersions)) {
      (tagged ??= []).push(def);
      continue;
    }
    encodeValue(def.type, def, version, flexible, valueOf(def, message), w);
  }
  if (flexible) encodeTaggedFields(tagged ?? [], version, message, w);
}

function encodeValue(
  type: FieldType,
  def: FieldDef,
  version: number,
  flexible: boolean,
  value: unknown,
  w: ProtocolWriter,
): void {
  if (value === null && !inRange(version, def.nullable)) {
    throw new ProtocolError(`field ${def.name} may not be null in version ${version}`);
  }
  if (typeof type === 'string') {
    switch (type) {
      case 'bool':
        w.bool(Boolean(value));
        return;
      case 'int8':
        w.int8(value as number);
        return;
      case 'int16':
        w.int16(value as number);
        return;
      case 'uint16':
        w.uint16(value as number);
        return;
      case 'int32':
        w.int32(value as number);
        return;
      case 'uint32':
        w.uint32(value as number);
        return;
      case 'int64':
        w.int64(value as number);
        return;
      case 'float64':
        w.float64(value as number);
        return;
      case 'uuid':
        w.uuid(value as string);
        return;
      case 'string':
        if (flexible) w.compactString(value as string | null);
        else w.string(value as string | null);
        return;
      case 'bytes':
      case 'records':
        if (flexible) w.compactBytes(value as Buffer | null);
        else w.bytes(value as Buffer | null);
        return;
    }
  }
  if (type.kind === 'struct') {
    encodeMessage(type.fields, version, flexible, (value ?? {}) as Message, w);
    return;
  }
  const items = value as unknown[] | null;
  w.arrayLength(items === null ? null : items.length, flexible);
  if (items) for (const item of items) encodeValue(type.items, def, version, flexible, item, w);
}

function encodeTaggedFields(
  tagged: readonly FieldDef[],
  version: number,
  message: Message,
  w: ProtocolWriter,
): void {
  const present = tagged.filter((def) => {
    const value = message[def.name];
    return value !== undefined && !isDefault(def, value);
  });
  w.unsignedVarint(present.length);
  present.sort((a, b) => (a.tag ?? 0) - (b.tag ?? 0));
  for (const def of present) {
    // The size of a tagged field comes before it, so it is encoded on its own first.
    const inner = new ProtocolWriter();
    encodeValue(def.type, def, version, true, message[def.name], inner);
    const bytes = inner.toBuffer();
    w.unsignedVarint(def.tag ?? 0)
      .unsignedVarint(bytes.length)
      .raw(bytes);
  }
}

function valueOf(def: FieldDef, message: Message): unknown {
  const value = message[def.name];
  return value === undefined ? absentValue(def) : value;
}

/** The value of a field the message does not carry: its default, or the zero value of its type. */
export function absentValue(def: FieldDef): unknown {
  if (def.default !== undefined) return def.default;
  return zeroValue(def.type);
}

function zeroValue(type: FieldType): unknown {
  if (typeof type !== 'string') return type.kind === 'array' ? [] : {};
  switch (type) {
    case 'bool':
      return false;
    case 'string':
      return '';
    case 'bytes':
    case 'records':
      return EMPTY_BYTES;
    case 'uuid':
      return 'AAAAAAAAAAAAAAAAAAAAAA';
    default:
      return 0;
  }
}

function isDefault(def: FieldDef, value: unknown): boolean {
  const absent = absentValue(def);
  if (Array.isArray(value)) return value.length === 0 && Array.isArray(absent) && absent.length === 0;
  return value === absent;
}
