/**
 * The protocol codec as it was before it was compiled (server/protocol/codec-compiler.ts): it walks
 * the schema for every field of every message. Kept only as the oracle the compiled codec is checked
 * against (test/server/protocol/codec-compiler.test.ts) and as the baseline of bench/protocol.bench.ts.
 * Same semantics, same error messages; absent values come from the codec itself so that shared zero
 * values (the empty Buffer) are the same objects.
 */
import { absentValue, type Message } from '../../server/protocol/codec.js';
import { ProtocolError } from '../../server/protocol/protocol-error.js';
import type { ProtocolReader } from '../../server/protocol/reader.js';
import { inRange, type FieldDef, type FieldType } from '../../server/protocol/schema.js';
import { ProtocolWriter } from '../../server/protocol/writer.js';

export function interpretDecode(
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
  if (type.kind === 'struct') return interpretDecode(type.fields, version, flexible, r);
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

export function interpretEncode(
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
    interpretEncode(type.fields, version, flexible, (value ?? {}) as Message, w);
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

function isDefault(def: FieldDef, value: unknown): boolean {
  const absent = absentValue(def);
  if (Array.isArray(value)) return value.length === 0 && Array.isArray(absent) && absent.length === 0;
  return value === absent;
}
