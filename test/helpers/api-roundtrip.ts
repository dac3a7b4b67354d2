// Round-trips one hand-built message through the codec at one version, for the per-API schema
// tests that cover versions no captured frame has: encode, decode with no bytes left over, and
// encode the decoded message back to the same bytes.
import { expect } from 'vitest';
import { decodeMessage, encodeMessage, type Message } from '../../server/protocol/codec.js';
import { ProtocolReader } from '../../server/protocol/reader.js';
import { inRange, type ApiDef, type FieldDef, type FieldType } from '../../server/protocol/schema.js';
import { ProtocolWriter } from '../../server/protocol/writer.js';

export interface RoundTrip {
  decoded: Message;
  bytes: Buffer;
}

export function roundTrip(
  api: ApiDef,
  side: 'request' | 'response',
  version: number,
  message: Message,
): RoundTrip {
  const flexible = inRange(version, api.flexible);
  const fields = api[side];
  const writer = new ProtocolWriter();
  encodeMessage(fields, version, flexible, message, writer);
  const bytes = writer.toBuffer();
  const reader = new ProtocolReader(bytes);
  const decoded = decodeMessage(fields, version, flexible, reader);
  expect(reader.remaining).toBe(0);
  const again = new ProtocolWriter();
  encodeMessage(fields, version, flexible, decoded, again);
  expect(again.toBuffer().equals(bytes)).toBe(true);
  return { decoded, bytes };
}

/** The part of `message` that `version` carries: fields of other versions dropped, at every depth. */
export function atVersion(fields: FieldDef[], version: number, message: Message): Message {
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
