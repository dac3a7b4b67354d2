/**
 * The codec compiler: for one message (a list of fields from schema.ts) at one version, flexible or
 * not, it writes the JavaScript of a decoder and an encoder that know that version's layout — no
 * version checks, no type switches and no schema walk left at run time, and every decoded struct
 * built by one object literal, so V8 sees one shape per struct. codec.ts compiles each
 * (fields, version, flexible) once and caches it; the semantics are the interpreter's it replaced
 * (read codec.ts's header), down to the error messages.
 *
 * The generated module holds one decoder `dN(r)` and one encoder `eN(m, w)` per struct it reaches,
 * d0/e0 being the message itself. Produce v7's request comes out as (abridged):
 *
 *   function d0(r) {
 *     let f0; f0 = r.string();                                   // nullable: no check
 *     let f1; f1 = r.int16();
 *     ...
 *     let f3; const n4 = r.arrayLength(false);
 *     if (n4 === -1) { throw new PE("array topicData is null in version 7"); }
 *     else { const a5 = []; for (let i6 = 0; i6 < n4; i6++) { let x7; x7 = d1(r); a5.push(x7); } f3 = a5; }
 *     const o = {"transactionalId": f0, "acks": f1, "timeoutMs": f2, "topicData": f3};
 *     return o;
 *   }
 *   function e0(m, w) {
 *     let v8 = m["acks"]; if (v8 === undefined) v8 = 0;
 *     if (v8 === null) throw new PE("field acks may not be null in version 7");
 *     w.int16(v8);
 *     ...
 *   }
 *   return { decode: d0, encode: e0 };
 *
 * A flexible struct's decoder ends with a loop over its tagged section (a switch on the tag; unknown
 * tags skipped) and its encoder with the tagged fields that differ from their defaults, each encoded
 * into a writer of its own first, since its size comes before it. Field names reach the source only
 * through JSON.stringify; values that are not plain literals (object defaults, the empty Buffer) are
 * passed in as `k[i]`, ProtocolError as `PE` and ProtocolWriter as `W`.
 */
import { EMPTY_BYTES, ZERO_UUID } from './absent-value.js';
import { ProtocolError } from './protocol-error.js';
import type { ProtocolReader } from './reader.js';
import { inRange, type FieldDef, type FieldType, type Primitive } from './schema.js';
import { ProtocolWriter } from './writer.js';

export type Message = Record<string, unknown>;

export interface CompiledCodec {
  decode(reader: ProtocolReader): Message;
  encode(message: Message, writer: ProtocolWriter): void;
  /** The generated JavaScript, for reading when something goes wrong. */
  readonly source: string;
}

type Built = Pick<CompiledCodec, 'decode' | 'encode'>;

export function compileCodec(fields: readonly FieldDef[], version: number, flexible: boolean): CompiledCodec {
  const module = new CodecModule(version, flexible);
  const decode = module.decoder(fields);
  const encode = module.encoder(fields);
  const source = `'use strict';\n${module.functions.join('\n')}\nreturn { decode: ${decode}, encode: ${encode} };\n`;
  const build = new Function('k', 'PE', 'W', source) as (
    k: unknown[],
    pe: typeof ProtocolError,
    w: typeof ProtocolWriter,
  ) => Built;
  const built = build(module.constants, ProtocolError, ProtocolWriter);
  return { decode: built.decode, encode: built.encode, source };
}

/** Primitives read and written by the reader/writer method of the same name. */
const SAME_NAME: ReadonlySet<Primitive> = new Set([
  'bool',
  'int8',
  'int16',
  'uint16',
  'int32',
  'uint32',
  'int64',
  'float64',
  'uuid',
]);

/** The generated source of one (fields, version, flexible), built up struct by struct. */
class CodecModule {
  readonly functions: string[] = [];
  readonly constants: unknown[] = [];
  private readonly constantIndex = new Map<unknown, number>();
  private readonly decoders = new Map<readonly FieldDef[], string>();
  private readonly encoders = new Map<readonly FieldDef[], string>();
  /** Local names are a letter and this counter, so they never meet the fixed names (r, w, m, o, tag…). */
  private names = 0;

  constructor(
    private readonly version: number,
    private readonly flexible: boolean,
  ) {}

  decoder(fields: readonly FieldDef[]): string {
    const known = this.decoders.get(fields);
    if (known !== undefined) return known;
    const name = `d${this.decoders.size}`;
    this.decoders.set(fields, name);
    const out: string[] = [];
    const props: string[] = [];
    for (const def of fields) {
      const key = propertyKey(def.name);
      if (!inRange(this.version, def.versions) || this.isTagged(def)) {
        // Tagged fields start absent and are filled from the tagged section, if sent.
        props.push(`${key}: ${this.absent(def)}`);
        continue;
      }
      const target = this.local('f');
      out.push(`  let ${target};`);
      this.decodeValue(def.type, def, target, out, '  ');
      props.push(`${key}: ${target}`);
    }
    out.push(`  const o = {${props.join(', ')}};`);
    if (this.flexible) this.decodeTaggedSection(fields, out);
    out.push('  return o;');
    this.functions.push(`function ${name}(r) {\n${out.join('\n')}\n}`);
    return name;
  }

  encoder(fields: readonly FieldDef[]): string {
    const known = this.encoders.get(fields);
    if (known !== undefined) return known;
    const name = `e${this.encoders.size}`;
    this.encoders.set(fields, name);
    const out: string[] = [];
    const tagged: FieldDef[] = [];
    for (const def of fields) {
      if (!inRange(this.version, def.versions)) continue;
      if (this.isTagged(def)) {
        tagged.push(def);
        continue;
      }
      const value = this.local('v');
      out.push(`  let ${value} = m[${propertyKey(def.name)}];`);
      out.push(`  if (${value} === undefined) ${value} = ${this.absent(def)};`);
      this.encodeValue(def.type, def, value, 'w', out, '  ');
    }
    if (this.flexible) this.encodeTaggedSection(tagged, out);
    this.functions.push(`function ${name}(m, w) {\n${out.join('\n')}\n}`);
    return name;
  }

  private isTagged(def: FieldDef): boolean {
    return this.flexible && def.tag !== undefined && inRange(this.version, def.taggedVersions);
  }

  private local(letter: string): string {
    return `${letter}${this.names++}`;
  }

  /** Statements that read one value of `type` into the variable `target`. */
  private decodeValue(type: FieldType, def: FieldDef, target: string, out: string[], pad: string): void {
    const nullable = inRange(this.version, def.nullable);
    if (typeof type === 'string') {
      if (SAME_NAME.has(type)) {
        out.push(`${pad}${target} = r.${type}();`);
        return;
      }
      if (type === 'string') out.push(`${pad}${target} = r.${this.flexible ? 'compactString' : 'string'}();`);
      else if (type === 'bytes' || type === 'records')
        out.push(`${pad}${target} = r.${this.flexible ? 'compactBytes' : 'bytes'}();`);
      else throw new Error(`unknown field type ${String(type)}`);
      if (!nullable)
        out.push(`${pad}if (${target} === null) throw new PE(${this.text(`field ${def.name} is null`)});`);
      return;
    }
    if (type.kind === 'struct') {
      out.push(`${pad}${target} = ${this.decoder(type.fields)}(r);`);
      return;
    }
    const count = this.local('n');
    const items = this.local('a');
    const i = this.local('i');
    const item = this.local('x');
    out.push(`${pad}const ${count} = r.arrayLength(${this.flexible});`);
    out.push(`${pad}if (${count} === -1) {`);
    if (nullable) out.push(`${pad}  ${target} = null;`);
    else out.push(`${pad}  throw new PE(${this.text(`array ${def.name} is null`)});`);
    out.push(`${pad}} else {`);
    out.push(`${pad}  const ${items} = [];`);
    out.push(`${pad}  for (let ${i} = 0; ${i} < ${count}; ${i}++) {`);
    out.push(`${pad}    let ${item};`);
    this.decodeValue(type.items, def, item, out, `${pad}    `);
    out.push(`${pad}    ${items}.push(${item});`);
    out.push(`${pad}  }`);
    out.push(`${pad}  ${target} = ${items};`);
    out.push(`${pad}}`);
  }

  /** The loop over a flexible struct's tagged section; the first field with a tag takes it. */
  private decodeTaggedSection(fields: readonly FieldDef[], out: string[]): void {
    const byTag = new Map<number, FieldDef>();
    for (const def of fields) {
      if (def.tag === undefined || !inRange(this.version, def.taggedVersions) || byTag.has(def.tag)) continue;
      byTag.set(def.tag, def);
    }
    out.push('  const tagCount = r.unsignedVarint();');
    out.push('  for (let t = 0; t < tagCount; t++) {');
    out.push('    const tag = r.unsignedVarint();');
    out.push('    const size = r.unsignedVarint();');
    if (byTag.size === 0) out.push('    r.skip(size);');
    else {
      out.push('    switch (tag) {');
      for (const [tag, def] of byTag) {
        const value = this.local('x');
        out.push(`      case ${tagLiteral(tag)}: {`);
        out.push('        const end = r.offset + size;');
        out.push(`        let ${value};`);
        this.decodeValue(def.type, def, value, out, '        ');
        out.push(`        o[${propertyKey(def.name)}] = ${value};`);
        const message = JSON.stringify(`tagged field ${def.name} did not fill its `);
        out.push(`        if (r.offset !== end) throw new PE(${message} + size + " bytes");`);
        out.push('        break;');
        out.push('      }');
      }
      out.push('      default:');
      out.push('        r.skip(size);');
      out.push('    }');
    }
    out.push('  }');
  }

  /** Statements that write `value` (a variable) of `type` with the writer named `writer`. */
  private encodeValue(
    type: FieldType,
    def: FieldDef,
    value: string,
    writer: string,
    out: string[],
    pad: string,
  ): void {
    const nullable = inRange(this.version, def.nullable);
    if (!nullable)
      out.push(
        `${pad}if (${value} === null) throw new PE(${this.text(`field ${def.name} may not be null`)});`,
      );
    if (typeof type === 'string') {
      if (type === 'bool') out.push(`${pad}${writer}.bool(!!${value});`);
      else if (SAME_NAME.has(type)) out.push(`${pad}${writer}.${type}(${value});`);
      else if (type === 'string')
        out.push(`${pad}${writer}.${this.flexible ? 'compactString' : 'string'}(${value});`);
      else if (type === 'bytes' || type === 'records')
        out.push(`${pad}${writer}.${this.flexible ? 'compactBytes' : 'bytes'}(${value});`);
      else throw new Error(`unknown field type ${String(type)}`);
      return;
    }
    if (type.kind === 'struct') {
      out.push(`${pad}${this.encoder(type.fields)}(${value} ?? {}, ${writer});`);
      return;
    }
    const count = this.local('n');
    const i = this.local('i');
    const item = this.local('x');
    let inner = pad;
    if (nullable) {
      out.push(`${pad}if (${value} === null) {`);
      out.push(`${pad}  ${writer}.arrayLength(null, ${this.flexible});`);
      out.push(`${pad}} else {`);
      inner = `${pad}  `;
    }
    out.push(`${inner}const ${count} = ${value}.length;`);
    out.push(`${inner}${writer}.arrayLength(${count}, ${this.flexible});`);
    out.push(`${inner}for (let ${i} = 0; ${i} < ${count}; ${i}++) {`);
    out.push(`${inner}  const ${item} = ${value}[${i}];`);
    this.encodeValue(type.items, def, item, writer, out, `${inner}  `);
    out.push(`${inner}}`);
    if (nullable) out.push(`${pad}}`);
  }

  /**
   * The tagged section: the count of fields that are set and differ from their defaults, then each
   * in tag order (ties in schema order) as tag, size and value.
   */
  private encodeTaggedSection(tagged: readonly FieldDef[], out: string[]): void {
    if (tagged.length === 0) {
      out.push('  w.unsignedVarint(0);');
      return;
    }
    const values = new Map<FieldDef, { value: string; present: string }>();
    for (const def of tagged) {
      const value = this.local('t');
      const present = this.local('p');
      values.set(def, { value, present });
      out.push(`  const ${value} = m[${propertyKey(def.name)}];`);
      out.push(`  const ${present} = ${value} !== undefined && !(${this.isDefault(def, value)});`);
    }
    const count = [...values.values()].map(({ present }) => `(${present} ? 1 : 0)`).join(' + ');
    out.push(`  w.unsignedVarint(${count});`);
    const byTag = [...tagged].sort((a, b) => (a.tag ?? 0) - (b.tag ?? 0));
    for (const def of byTag) {
      const { value, present } = values.get(def)!;
      const inner = this.local('w');
      const bytes = this.local('b');
      out.push(`  if (${present}) {`);
      out.push(`    const ${inner} = new W();`);
      this.encodeValue(def.type, def, value, inner, out, '    ');
      out.push(`    const ${bytes} = ${inner}.toBuffer();`);
      out.push(
        `    w.unsignedVarint(${tagLiteral(def.tag ?? 0)}).unsignedVarint(${bytes}.length).raw(${bytes});`,
      );
      out.push('  }');
    }
  }

  /**
   * Whether `value` is the field's absent value, so a tagged field need not be written: arrays
   * when both are empty, anything else by identity (a fresh {} never matches).
   */
  private isDefault(def: FieldDef, value: string): string {
    const emptyArray = `Array.isArray(${value}) && ${value}.length === 0`;
    const absent = def.default;
    if (absent !== undefined) {
      if (Array.isArray(absent)) return absent.length === 0 ? emptyArray : 'false';
      return `${value} === ${this.literal(absent)}`;
    }
    if (typeof def.type !== 'string') return def.type.kind === 'array' ? emptyArray : 'false';
    return `${value} === ${this.absent(def)}`;
  }

  /** An expression for the field's absent value (see absent-value.ts): fresh where that is fresh. */
  private absent(def: FieldDef): string {
    if (def.default !== undefined) return this.literal(def.default);
    const type = def.type;
    if (typeof type !== 'string') return type.kind === 'array' ? '[]' : '{}';
    switch (type) {
      case 'bool':
        return 'false';
      case 'string':
        return '""';
      case 'bytes':
      case 'records':
        return this.constant(EMPTY_BYTES);
      case 'uuid':
        return JSON.stringify(ZERO_UUID);
      default:
        return '0';
    }
  }

  /** A value as source: plain literals inline, anything else (objects, -0, NaN) as a shared constant. */
  private literal(value: unknown): string {
    if (value === null) return 'null';
    if (typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
    if (typeof value === 'number' && Number.isFinite(value) && !Object.is(value, -0))
      return JSON.stringify(value);
    return this.constant(value);
  }

  private constant(value: unknown): string {
    let index = this.constantIndex.get(value);
    if (index === undefined) {
      index = this.constants.push(value) - 1;
      this.constantIndex.set(value, index);
    }
    return `k[${index}]`;
  }

  /** An error message naming this version, as a string literal. */
  private text(message: string): string {
    return JSON.stringify(`${message} in version ${this.version}`);
  }
}

/** A field name as an object key or property access in the source: always a JSON string literal. */
function propertyKey(name: string): string {
  // In an object literal this key would set the prototype instead of making a property.
  if (name === '__proto__') throw new Error('a field may not be named __proto__');
  return JSON.stringify(name);
}

function tagLiteral(tag: number): string {
  if (!Number.isSafeInteger(tag) || tag < 0) throw new Error(`bad tag ${tag}`);
  return String(tag);
}
