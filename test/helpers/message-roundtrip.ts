// Round-trips one message of one API version through the codec, for schema tests of versions that
// no capture covers: encode, decode with nothing left over, re-encode to the same bytes.
import { expect } from 'vitest';
import { absentValue, decodeMessage, encodeMessage, type Message } from '../../server/protocol/codec.js';
import { ProtocolReader } from '../../server/protocol/reader.js';
import { inRange, type ApiDef, type FieldDef, type FieldType } from '../../server/protocol/schema.js';
import { ProtocolWriter } from '../../server/protocol/writer.js';

export type Side = 'request' | 'response';

export function encodeBody(api: ApiDef, side: Side, version: number, message: Message): Buffer {
  const writer = new ProtocolWriter();
  encodeMessage(api[side], version, inRange(version, api.flexible), message, writer);
  return writer.toBuffer();
}

/** Encodes `message`, decodes it back and checks the bytes are stable; returns both. */
export function roundTrip(
  api: ApiDef,
  side: Side,
  version: number,
  message: Message,
): { bytes: Buffer; decoded: Message } {
  const bytes = encodeBody(api, side, version, message);
  const reader = new ProtocolReader(bytes);
  const decoded = decodeMessage(api[side], version, inRange(version, api.flexible), reader);
  expect(reader.remaining).toBe(0);
  expect(encodeBody(api, side, version, decoded).equals(bytes)).toBe(true);
  return { bytes, decoded };
}

/**
 * What decoding `sent` in `version` must give: the sent value of every field the version has (or
 * its default when not sent) and the default of every field it lacks, nested structs included.
 */
export function expectedAt(fields: readonly FieldDef[], version: number, sent: Message): Message {
  const out: Message = {};
  for (const def of fields) {
    const given = inRange(version, def.versions) ? sent[def.name] : undefined;
    const value = given === undefined ? absentValue(def) : given;
    out[def.name] = shape(def.type, version, value);
  }
  return out;
}

function shape(type: FieldType, version: number, value: unknown): unknown {
  if (typeof type === 'string' || value === null) return value;
  if (type.kind === 'struct') return expectedAt(type.fields, version, value as Message);
  return (value as unknown[]).map((item) => shape(type.items, version, item));
}

/** Round-trips `message` in every version the API supports and checks each decodes as expected. */
export function checkEveryVersion(
  api: ApiDef,
  side: Side,
  message: Message | ((version: number) => Message),
): void {
  for (let version = api.versions.min; version <= api.versions.max; version++) {
    const sent = typeof message === 'function' ? message(version) : message;
    const { decoded } = roundTrip(api, side, version, sent);
    expect(decoded, `${api.name} v${version} ${side}`).toEqual(expectedAt(api[side], version, sent));
  }
}

/** Bytes written by hand, to pin a version's wire layout independently of the schema. */
export function wire(build: (writer: ProtocolWriter) => unknown): Buffer {
  const writer = new ProtocolWriter();
  build(writer);
  return writer.toBuffer();
}

/** The part of `message` that `version` carries: fields of other versions dropped, at every depth. */
export function atVersion(fields: readonly FieldDef[], version: number, message: Message): Message {
  const out: Message = {};
  for (const def of fields) {
    if (inRange(version, def.versions) && def.name in message)
      out[def.name] = valueAt(def.type, version, message[def.name]);
  }
  return out;
}

function valueAt(type: FieldType, version: number, value: unknown): unknown {
  if (value === null || typeof type === 'string') return value;
  if (type.kind === 'struct') return atVersion(type.fields, version, value as Message);
  return (value as unknown[]).map((item) => valueAt(type.items, version, item));
}

/** Every version in the API's range. */
export function versionsOf(api: ApiDef): number[] {
  const out: number[] = [];
  for (let v = api.versions.min; v <= api.versions.max; v++) out.push(v);
  return out;
}

/** A 16-byte UUID in Kafka's text form, from a seed byte. */
export function uuidOf(seed: number): string {
  return Buffer.alloc(16, seed).toString('base64url');
}

/** Decodes a message body of `api` at `version`, expecting every byte to be read. */
export function decodeBody(api: ApiDef, side: Side, version: number, bytes: Buffer): Message {
  const reader = new ProtocolReader(bytes);
  const message = decodeMessage(api[side], version, inRange(version, api.flexible), reader);
  expect(reader.remaining).toBe(0);
  return message;
}

/** Kiln's codec writes exactly `bytes` for `message`, and reads `bytes` back as `decoded`. */
export function expectWire(
  api: ApiDef,
  side: Side,
  version: number,
  message: Message,
  bytes: Buffer,
  decoded: Message,
): void {
  expect(encodeBody(api, side, version, message)).toEqual(bytes);
  expect(decodeBody(api, side, version, bytes)).toEqual(decoded);
}

/** An int32 array: int32 count, or (flexible) unsigned varint count + 1, then the items. */
export function int32s(w: ProtocolWriter, values: number[], compact: boolean): void {
  w.arrayLength(values.length, compact);
  for (const value of values) w.int32(value);
}
