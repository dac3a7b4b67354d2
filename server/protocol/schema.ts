/**
 * The schema language: each API's request and response described once, for every version, as data.
 * One codec (codec.ts) reads and writes any version from these descriptions.
 *
 * A field exists in a range of versions (`'0+'`, `'3-7'`, `'5'`, `'none'`), may be nullable in a
 * range, and in flexible versions may instead be a tagged field (`tag`), written only when it
 * differs from its default. Types are the protocol's primitives, `records` (a record set: bytes
 * kept as a raw Buffer slice), a nested struct, or an array of any type. Flexible versions use the
 * compact forms of strings, bytes and arrays and end every struct with a tagged-field section.
 *
 *   const api = defineApi({
 *     key: 18, name: 'ApiVersions', versions: '0-3', flexible: '3+',
 *     request: [field('clientSoftwareName', 'string', '3+'), ...],
 *     response: [field('errorCode', 'int16', '0+'), field('apiKeys', arrayOf(struct([...])), '0+'), ...],
 *   });
 */

export type Primitive =
  | 'bool'
  | 'int8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'float64'
  | 'uuid'
  | 'string'
  | 'bytes'
  | 'records';

/**
 * The type parameters below carry each description's literal names, types and version ranges to
 * the compiler, so message-types.ts can derive every request and response type from the very
 * objects the codec reads (no second description, no generated files). At run time they are gone.
 */
export interface StructType<F extends readonly FieldDef[] = readonly FieldDef[]> {
  kind: 'struct';
  fields: F;
}

export interface ArrayType<I extends FieldType = FieldType> {
  kind: 'array';
  items: I;
}

export type FieldType = Primitive | StructType | ArrayType;

/** An inclusive version range; `max` is Infinity for "and later". Empty when min > max. */
export interface VersionRange {
  min: number;
  max: number;
}

export interface FieldOptions {
  nullable?: string;
  tag?: number;
  taggedVersions?: string;
  default?: unknown;
}

export interface FieldDef<
  N extends string = string,
  T extends FieldType = FieldType,
  V extends string = string,
  O extends FieldOptions = FieldOptions,
> {
  name: N;
  type: T;
  versions: VersionRange;
  nullable: VersionRange;
  /** Tag number when the field is a tagged field (in `taggedVersions`). */
  tag?: number;
  taggedVersions: VersionRange;
  /** Value used when the field is absent from a version, or absent as a tagged field. */
  default?: unknown;
  /** For the compiler only (never set): the version range and options as written. */
  readonly spec?: { versions: V; options: O };
}

export interface ApiDef<
  Req extends readonly FieldDef[] = readonly FieldDef[],
  Res extends readonly FieldDef[] = readonly FieldDef[],
> {
  key: number;
  name: string;
  /** The versions Kiln supports (what ApiVersions advertises). */
  versions: VersionRange;
  flexible: VersionRange;
  request: Req;
  response: Res;
}

export const NO_VERSIONS: VersionRange = { min: 1, max: 0 };

/** Parses `'3+'`, `'0-7'`, `'4'` or `'none'`. */
export function versionRange(text: string): VersionRange {
  if (text === 'none') return NO_VERSIONS;
  const plus = /^(\d+)\+$/.exec(text);
  if (plus) return { min: Number(plus[1]), max: Infinity };
  const span = /^(\d+)-(\d+)$/.exec(text);
  if (span) return { min: Number(span[1]), max: Number(span[2]) };
  if (/^\d+$/.test(text)) return { min: Number(text), max: Number(text) };
  throw new Error(`bad version range '${text}'`);
}

export function inRange(version: number, range: VersionRange): boolean {
  return version >= range.min && version <= range.max;
}

export function field<
  const N extends string,
  const T extends FieldType,
  const V extends string,
  const O extends FieldOptions = Record<never, never>,
>(name: N, type: T, versions: V, options?: O): FieldDef<N, T, V, O> {
  const opts: FieldOptions = options ?? {};
  const def: FieldDef<N, T, V, O> = {
    name,
    type,
    versions: versionRange(versions),
    nullable: versionRange(opts.nullable ?? 'none'),
    taggedVersions: versionRange(opts.taggedVersions ?? 'none'),
  };
  if (opts.tag !== undefined) {
    def.tag = opts.tag;
    if (opts.taggedVersions === undefined) def.taggedVersions = def.versions;
  }
  if (opts.default !== undefined) def.default = opts.default;
  return def;
}

export function struct<const F extends readonly FieldDef[]>(fields: F): StructType<F> {
  return { kind: 'struct', fields };
}

export function arrayOf<const I extends FieldType>(items: I): ArrayType<I> {
  return { kind: 'array', items };
}

export function defineApi<
  const Req extends readonly FieldDef[],
  const Res extends readonly FieldDef[],
>(spec: {
  key: number;
  name: string;
  versions: string;
  flexible: string;
  request: Req;
  response: Res;
}): ApiDef<Req, Res> {
  return {
    key: spec.key,
    name: spec.name,
    versions: versionRange(spec.versions),
    flexible: versionRange(spec.flexible),
    request: spec.request,
    response: spec.response,
  };
}
