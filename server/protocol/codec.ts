/**
 * The one codec: reads and writes any version of any message described in schema.ts.
 *
 * Messages are plain objects keyed by field name. Decoding a version fills every field of the
 * message, in schema order: a field the version lacks, or a tagged field that was not sent, gets
 * its absent value (absent-value.ts). Encoding reads only the fields of that version and falls back
 * to the absent value when a field is undefined, so handlers can build responses without knowing
 * which fields a version has. Unknown tagged fields are skipped on read; a tagged field is written
 * only when it is set and differs from its default.
 *
 * Null is refused where the version does not make the field nullable — on read ("field X is null
 * in version V", "array X is null in version V") and on write ("field X may not be null in version
 * V") — and array items follow their field's nullability.
 *
 * The work is done by code compiled once per (fields, version, flexible) (codec-compiler.ts) and
 * cached here, on the first use of each version (compiling all of them up front would add some
 * 60 ms to every start); compileApi does it up front for every version of an API.
 */
import { compileCodec, type CompiledCodec, type Message } from './codec-compiler.js';
import type { ProtocolReader } from './reader.js';
import { inRange, type ApiDef, type FieldDef } from './schema.js';
import type { ProtocolWriter } from './writer.js';

export type { Message } from './codec-compiler.js';
export { absentValue } from './absent-value.js';

/** A compiled codec without its source (about 1 MiB over every API, and V8 keeps its own copy). */
type Codec = Pick<CompiledCodec, 'decode' | 'encode'>;

interface ByVersion {
  plain: Map<number, Codec>;
  flexible: Map<number, Codec>;
}

/** Keyed by the fields array itself: schemas are module constants, so each compiles once. */
const compiled = new WeakMap<readonly FieldDef[], ByVersion>();

function codecFor(fields: readonly FieldDef[], version: number, flexible: boolean): Codec {
  let byVersion = compiled.get(fields);
  if (byVersion === undefined) {
    byVersion = { plain: new Map(), flexible: new Map() };
    compiled.set(fields, byVersion);
  }
  const cache = flexible ? byVersion.flexible : byVersion.plain;
  let codec = cache.get(version);
  if (codec === undefined) {
    const { decode, encode } = compileCodec(fields, version, flexible);
    codec = { decode, encode };
    cache.set(version, codec);
  }
  return codec;
}

export function decodeMessage(
  fields: readonly FieldDef[],
  version: number,
  flexible: boolean,
  reader: ProtocolReader,
): Message {
  return codecFor(fields, version, flexible).decode(reader);
}

export function encodeMessage(
  fields: readonly FieldDef[],
  version: number,
  flexible: boolean,
  message: Message,
  writer: ProtocolWriter,
): void {
  codecFor(fields, version, flexible).encode(message, writer);
}

/** Compiles the request and response of every version the API supports, so none waits for it later. */
export function compileApi(api: ApiDef): void {
  const { min, max } = api.versions;
  if (!Number.isFinite(max)) throw new Error(`${api.name} declares no highest version`);
  for (let version = min; version <= max; version++) {
    const flexible = inRange(version, api.flexible);
    codecFor(api.request, version, flexible);
    codecFor(api.response, version, flexible);
  }
}
