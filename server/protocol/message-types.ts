/**
 * Request and response types, derived by the compiler from the schemas themselves (schema.ts keeps
 * each description's literal names, types and version ranges in its type parameters):
 *
 *   RequestOf<typeof SyncGroupApi>      a decoded request: every field is there (the codec fills a
 *                                       field outside the version with its default)
 *   RequestOf<typeof SyncGroupApi, 2>   only the fields version 2 has: reading a newer one is an error
 *   ResponseOf<typeof SyncGroupApi>     what a handler returns: a field every version has (and no
 *                                       default) must be given; the others may be left out, and the
 *                                       codec writes their default; a name not in the schema is an error
 *
 * Value types follow the codec: int8 to int64, uint and float64 are numbers, uuid and string are
 * strings, bytes and records are Buffers, a struct is an object, an array an array; a field that is
 * nullable in some version, or defaults to null, may be null.
 */
import type {
  ApiDef,
  ArrayType,
  FieldDef,
  FieldOptions,
  FieldType,
  Primitive,
  StructType,
} from './schema.js';

type Scalar<P extends Primitive> = P extends 'bool'
  ? boolean
  : P extends 'uuid' | 'string'
    ? string
    : P extends 'bytes' | 'records'
      ? Buffer
      : number;

/** 'decoded' (a request as handlers get it) or 'encoded' (a response as handlers give it). */
type Mode = 'decoded' | 'encoded';

/** Every field at once (`V` = never) or the fields of version `V`. */
type ValueOf<T, M extends Mode, V extends number> = T extends Primitive
  ? Scalar<T>
  : T extends StructType<infer F>
    ? Shape<F, M, V>
    : T extends ArrayType<infer I>
      ? ValueOf<I, M, V>[]
      : never;

type OptionsOf<D> = D extends FieldDef<string, FieldType, string, infer O> ? O : never;
type RangeOf<D> = D extends FieldDef<string, FieldType, infer R, FieldOptions> ? R : never;

type MayBeNull<O> = O extends { nullable: infer N }
  ? N extends 'none'
    ? false
    : true
  : O extends { default: null }
    ? true
    : false;

type FieldValue<D, M extends Mode, V extends number> =
  D extends FieldDef<string, infer T>
    ? ValueOf<T, M, V> | (MayBeNull<OptionsOf<D>> extends true ? null : never)
    : never;

/** A response field that must be given: in every version, not tagged, with no default. */
type Required<D> =
  RangeOf<D> extends '0+'
    ? OptionsOf<D> extends { default: unknown } | { tag: number }
      ? false
      : true
    : false;

/** Builds a tuple of `N` elements, to compare small numbers (versions) at the type level. */
type Count<N extends number, Acc extends unknown[] = []> = Acc['length'] extends N
  ? Acc
  : Count<N, [...Acc, unknown]>;
type AtLeast<A extends number, B extends number> =
  Count<A> extends [...Count<B>, ...unknown[]] ? true : false;

/** Whether version `V` is in the range written `R` ('3+', '0-7', '5', 'none'). */
export type InVersions<V extends number, R extends string> = R extends 'none'
  ? false
  : R extends `${infer Min extends number}+`
    ? AtLeast<V, Min>
    : R extends `${infer Min extends number}-${infer Max extends number}`
      ? AtLeast<V, Min> extends true
        ? AtLeast<Max, V>
        : false
      : R extends `${infer Only extends number}`
        ? V extends Only
          ? true
          : false
        : false;

type Present<D, V extends number> = [V] extends [never] ? true : InVersions<V, RangeOf<D>>;

type Shape<F extends readonly FieldDef[], M extends Mode, V extends number> = M extends 'decoded'
  ? { [D in F[number] as Present<D, V> extends true ? D['name'] : never]: FieldValue<D, M, V> }
  : {
      [
        D in F[number] as Present<D, V> extends true ? (Required<D> extends true ? D['name'] : never) : never
      ]: FieldValue<D, M, V>;
    } & {
      [
        D in F[number] as Present<D, V> extends true ? (Required<D> extends true ? never : D['name']) : never
      ]?: FieldValue<D, M, V>;
    };

/** A decoded request of `A` (of version `V` when given). */
export type RequestOf<A extends ApiDef, V extends number = never> = Shape<A['request'], 'decoded', V>;

/** A response of `A` as a handler builds it (of version `V` when given). */
export type ResponseOf<A extends ApiDef, V extends number = never> = Shape<A['response'], 'encoded', V>;

/** A request of `A` as a client builds it: like a response, only the always-present fields are needed. */
export type RequestToSend<A extends ApiDef, V extends number = never> = Shape<A['request'], 'encoded', V>;

/** A decoded response of `A`, as a client reads it. */
export type ResponseReceived<A extends ApiDef, V extends number = never> = Shape<A['response'], 'decoded', V>;

/**
 * `T` with every field that `S` does not have turned to `never`, at every depth (structs and arrays
 * of structs), so that `T & Exact<T, S>` accepts a value of `T` only when it has no field `S`
 * lacks. The compiler checks extra fields of an object literal only where the literal is written
 * against a declared type; a response built in several steps (a `map` callback's objects, say)
 * escapes that check, and a misspelt optional field would be written as its default.
 */
export type Exact<T, S> = T extends readonly (infer E)[]
  ? [NonNullable<S>] extends [readonly (infer SE)[]]
    ? Exact<E, SE>[]
    : T
  : T extends Buffer
    ? T
    : T extends object
      ? [NonNullable<S>] extends [object]
        ? { [K in keyof T]: K extends keyof NonNullable<S> ? Exact<T[K], NonNullable<S>[K]> : never }
        : T
      : T;
