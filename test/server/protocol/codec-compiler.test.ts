import { describe, expect, it } from 'vitest';
import { API_SCHEMAS } from '../../../server/protocol/apis/index.js';
import { compileCodec } from '../../../server/protocol/codec-compiler.js';
import {
  absentValue,
  compileApi,
  decodeMessage,
  encodeMessage,
  type Message,
} from '../../../server/protocol/codec.js';
import { ProtocolError } from '../../../server/protocol/protocol-error.js';
import { ProtocolReader } from '../../../server/protocol/reader.js';
import {
  arrayOf,
  defineApi,
  field,
  inRange,
  struct,
  type FieldDef,
  type FieldType,
} from '../../../server/protocol/schema.js';
import { ProtocolWriter } from '../../../server/protocol/writer.js';
import { interpretDecode, interpretEncode } from '../../helpers/codec-interpreter.js';
import { RandomMessages, describeValue, outcome } from '../../helpers/random-message.js';
import { seededRandom } from '../../helpers/seeded-random.js';

/**
 * What the real schemas do not use (yet): the other primitives, arrays of arrays, nullable structs,
 * tags declared out of order, tagged fields of every kind of default, a field tagged in versions
 * it is not in.
 */
const SYNTHETIC = defineApi({
  key: -1,
  name: 'Synthetic',
  versions: '0-4',
  flexible: '2+',
  request: [
    field('u16', 'uint16', '0+'),
    field('u32', 'uint32', '0+'),
    field('f64', 'float64', '1+'),
    field('i8', 'int8', '0+', { default: -3 }),
    field('grid', arrayOf(arrayOf('string')), '0+', { nullable: '1+' }),
    field('box', struct([field('x', 'int64', '0+'), field('y', 'bytes', '3+')]), '0+', { nullable: '2+' }),
    field('late', 'uuid', '4+'),
    field('t5', 'bool', '2+', { tag: 5 }),
    field('t1', arrayOf('int32'), '2+', { tag: 1, default: [9, 9] }),
    field('t3', struct([field('z', 'int16', '0+')]), '2+', { tag: 3 }),
    field('t0', 'bytes', '2+', { tag: 0, nullable: '3+' }),
    field('t2', arrayOf('string'), '2+', { tag: 2, default: [] }),
    field('t4', 'string', '3+', { tag: 4, taggedVersions: '2+', nullable: '2+', default: null }),
  ],
  response: [
    field(
      'nested',
      arrayOf(struct([field('inner', arrayOf(struct([field('v', 'uint32', '0+')])), '0+')])),
      '0+',
    ),
    field('same', arrayOf(struct([field('v', 'uint32', '0+')])), '1+', { tag: 7 }),
  ],
});

const RANDOM_MESSAGES = 12;
const HOSTILE_MESSAGES = 6;

function encode(fields: readonly FieldDef[], version: number, flexible: boolean, message: Message): Buffer {
  const writer = new ProtocolWriter();
  encodeMessage(fields, version, flexible, message, writer);
  return writer.toBuffer();
}

function interpretedBytes(fields: readonly FieldDef[], version: number, flexible: boolean, message: Message) {
  const writer = new ProtocolWriter();
  interpretEncode(fields, version, flexible, message, writer);
  return writer.toBuffer();
}

/**
 * What decoding the encoding of `sent` gives: each field sent in its version, or else its absent
 * value — as is where nothing was written (a field of other versions, a tagged field left out), and
 * as it reads back where the absent value itself was written (a struct's own absent fields filled).
 */
function expectedDecode(
  fields: readonly FieldDef[],
  version: number,
  flexible: boolean,
  sent: Message,
): Message {
  const out: Message = {};
  for (const def of fields) {
    const given = inRange(version, def.versions) ? sent[def.name] : undefined;
    const tagged = flexible && def.tag !== undefined && inRange(version, def.taggedVersions);
    if (given === undefined && (tagged || !inRange(version, def.versions))) out[def.name] = absentValue(def);
    else
      out[def.name] = readBack(def.type, version, flexible, given === undefined ? absentValue(def) : given);
  }
  return out;
}

function readBack(type: FieldType, version: number, flexible: boolean, value: unknown): unknown {
  if (typeof type === 'string' || value === null) return value;
  if (type.kind === 'struct') return expectedDecode(type.fields, version, flexible, value as Message);
  return (value as unknown[]).map((item) => readBack(type.items, version, flexible, item));
}

/** Decodes `bytes` whole: the message, described, with how far the reader got. */
function decodeOutcome(
  decode: typeof decodeMessage,
  fields: readonly FieldDef[],
  version: number,
  flexible: boolean,
  bytes: Buffer,
): string {
  return outcome(() => {
    const reader = new ProtocolReader(bytes);
    const message = decode(fields, version, flexible, reader);
    return { message, offset: reader.offset };
  });
}

describe('compiled codec against the interpreter, on random messages', () => {
  for (const api of [...API_SCHEMAS, SYNTHETIC]) {
    for (const side of ['request', 'response'] as const) {
      it(`${api.name} ${side}, every version`, () => {
        const fields = api[side];
        for (let version = api.versions.min; version <= api.versions.max; version++) {
          const flexible = inRange(version, api.flexible);
          const random = seededRandom((api.key + 1) * 1000 + version * 2 + (side === 'request' ? 0 : 1));
          const label = `${api.name} v${version} ${side}`;
          const messages = new RandomMessages(random, version);
          for (let n = 0; n < RANDOM_MESSAGES; n++) {
            const sent = messages.message(fields);
            const bytes = encode(fields, version, flexible, sent);
            expect(bytes.equals(interpretedBytes(fields, version, flexible, sent)), label).toBe(true);

            const reader = new ProtocolReader(bytes);
            const decoded = decodeMessage(fields, version, flexible, reader);
            expect(reader.remaining, label).toBe(0);
            expect(decoded, label).toEqual(expectedDecode(fields, version, flexible, sent));
            const interpreted = interpretDecode(fields, version, flexible, new ProtocolReader(bytes));
            // Same keys in the same order, same values, at every depth.
            expect(describeValue(decoded), label).toBe(describeValue(interpreted));
            const again = encode(fields, version, flexible, decoded);
            expect(again.equals(interpretedBytes(fields, version, flexible, decoded)), label).toBe(true);
            // The real schemas are stable; the synthetic one is not (a tagged struct without a
            // default, or with a non-empty array default, decodes to a value that is sent again).
            if (api !== SYNTHETIC) expect(again.equals(bytes), label).toBe(true);

            // Damaged frames: both decoders agree on what they read or on the error.
            const damaged = [bytes.subarray(0, messages.int(bytes.length + 1))];
            for (let i = 0; i < 3 && bytes.length > 0; i++) {
              const copy = Buffer.from(bytes);
              copy[messages.int(copy.length)] = messages.int(256);
              damaged.push(copy);
            }
            for (const frame of damaged) {
              expect(decodeOutcome(decodeMessage, fields, version, flexible, frame), label).toBe(
                decodeOutcome(interpretDecode, fields, version, flexible, frame),
              );
            }
          }
          // Nulls and holes anywhere: the same bytes, or the same error.
          const hostile = new RandomMessages(random, version, true);
          for (let n = 0; n < HOSTILE_MESSAGES; n++) {
            const sent = hostile.message(fields);
            expect(
              outcome(() => encode(fields, version, flexible, sent)),
              label,
            ).toBe(outcome(() => interpretedBytes(fields, version, flexible, sent)));
          }
        }
      });
    }
  }
});

describe('compiled codec, case by case', () => {
  const item = struct([field('id', 'int32', '0+'), field('label', 'string', '0+', { nullable: '1+' })]);
  const FIELDS = [
    field('name', 'string', '0+'),
    field('maybe', 'string', '0+', { nullable: '1+' }),
    field('ids', arrayOf('int32'), '0+'),
    field('names', arrayOf('string'), '0+', { nullable: '2+' }),
    field('items', arrayOf(item), '0+'),
    field('payload', 'bytes', '0+', { nullable: '0+' }),
    field('flag', 'bool', '0+'),
    field('since5', 'int64', '5+', { default: -1 }),
    field('shared', arrayOf('int32'), '9+', { default: [7] }),
    field('child', item, '0+'),
    field('extra', arrayOf('int32'), '3+', { tag: 0 }),
    field('leader', struct([field('id', 'int32', '3+', { default: -1 })]), '3+', { tag: 1, default: null }),
    field('note', 'string', '3+', { tag: 2, default: 'none' }),
    field('later', 'records', '10+'),
    field('laterId', 'uuid', '10+'),
  ];

  function decode(version: number, flexible: boolean, bytes: Buffer): Message {
    const reader = new ProtocolReader(bytes);
    const message = decodeMessage(FIELDS, version, flexible, reader);
    expect(reader.remaining).toBe(0);
    return message;
  }

  function flexibleBody(tagged: (w: ProtocolWriter) => void): Buffer {
    const w = new ProtocolWriter();
    w.compactString('n').compactString(null).arrayLength(0, true).arrayLength(0, true).arrayLength(0, true);
    w.compactBytes(null).bool(true).int32(5).compactString('c').unsignedVarint(0);
    tagged(w);
    return w.toBuffer();
  }

  it('decodes every field in schema order, absent ones filled', () => {
    const bytes = encode(FIELDS, 3, true, { name: 'n' });
    const decoded = decode(3, true, bytes);
    expect(Object.keys(decoded)).toEqual(FIELDS.map((f) => f.name));
    expect(decoded).toMatchObject({ since5: -1, extra: [], leader: null, note: 'none', maybe: '' });
    expect(decoded.shared).toBe(FIELDS[8]!.default); // a default is shared
    expect(decoded.later).toBe(absentValue(FIELDS[13]!)); // the one empty Buffer
    expect((decoded.later as Buffer).length).toBe(0);
    expect(decoded.laterId).toBe('AAAAAAAAAAAAAAAAAAAAAA');
    const again = decode(3, true, bytes);
    expect(again.extra).not.toBe(decoded.extra); // zero arrays and structs are fresh
    expect(Object.keys(decoded.child as Message)).toEqual(['id', 'label']);
  });

  it('reads null where nullable and refuses it elsewhere', () => {
    const w = new ProtocolWriter();
    w.string(null);
    expect(() => decodeMessage(FIELDS, 1, false, new ProtocolReader(w.toBuffer()))).toThrow(
      new ProtocolError('field name is null in version 1'),
    );
    const items = new ProtocolWriter().string('n').string(null).int32(-1).toBuffer();
    expect(() => decodeMessage(FIELDS, 1, false, new ProtocolReader(items))).toThrow(
      new ProtocolError('array ids is null in version 1'),
    );
    const nullName = new ProtocolWriter().string('n').string(null).int32(0).int32(1).string(null).toBuffer();
    expect(() => decodeMessage(FIELDS, 1, false, new ProtocolReader(nullName))).toThrow(
      new ProtocolError('field names is null in version 1'),
    );
    const nullNames = new ProtocolWriter().string('n').string(null).int32(0).int32(-1).toBuffer();
    expect(() => decodeMessage(FIELDS, 1, false, new ProtocolReader(nullNames))).toThrow(
      new ProtocolError('array names is null in version 1'),
    );
    const ok = encode(FIELDS, 2, false, { name: 'n', maybe: null, names: null, payload: null });
    expect(decode(2, false, ok)).toMatchObject({ maybe: null, names: null, payload: null });
  });

  it('refuses to encode null where the version does not allow it, items too', () => {
    const cases: [Message, string][] = [
      [{ name: null }, 'field name may not be null in version 1'],
      [{ ids: null }, 'field ids may not be null in version 1'],
      [{ ids: [1, null] }, 'field ids may not be null in version 1'],
      [{ names: ['a', null] }, 'field names may not be null in version 1'],
      [{ items: [null] }, 'field items may not be null in version 1'],
      [{ items: [{ id: null }] }, 'field id may not be null in version 1'],
      [{ child: null }, 'field child may not be null in version 1'],
      [{ flag: null }, 'field flag may not be null in version 1'],
    ];
    for (const [message, error] of cases) {
      expect(() => encode(FIELDS, 1, false, message)).toThrow(new ProtocolError(error));
      expect(() => interpretedBytes(FIELDS, 1, false, message)).toThrow(new ProtocolError(error));
    }
  });

  it('encodes a null struct as {}, a bool by truthiness, undefined items as absent', () => {
    const nullable = [field('s', item, '0+', { nullable: '0+' }), field('b', 'bool', '0+')];
    const bytes = encode(nullable, 1, false, { s: null, b: 'yes' });
    expect(bytes).toEqual(encode(nullable, 1, false, { s: {}, b: true }));
    expect(encode(FIELDS, 1, false, { items: [undefined] })).toEqual(
      encode(FIELDS, 1, false, { items: [{}] }),
    );
  });

  it('keeps byte fields as subarrays of the input', () => {
    const payload = Buffer.alloc(2000, 3);
    const bytes = encode(FIELDS, 1, false, { payload });
    const decoded = decode(1, false, bytes);
    const got = decoded.payload as Buffer;
    expect(got.buffer).toBe(bytes.buffer);
    expect(got.equals(payload)).toBe(true);
  });

  it('skips unknown tagged fields and reads known ones', () => {
    const good = flexibleBody((w) => {
      w.unsignedVarint(3);
      w.unsignedVarint(0).unsignedVarint(5).arrayLength(1, true).int32(42);
      w.unsignedVarint(99).unsignedVarint(4).int32(-1); // unknown: skipped
      w.unsignedVarint(2).unsignedVarint(3).compactString('hi');
    });
    expect(decode(3, true, good)).toMatchObject({ extra: [42], note: 'hi', leader: null });
  });

  it('refuses a tagged field that does not fill its size', () => {
    const bytes = flexibleBody((w) => {
      w.unsignedVarint(1);
      w.unsignedVarint(0).unsignedVarint(6).arrayLength(1, true).int32(42).int8(0);
    });
    const message = 'tagged field extra did not fill its 6 bytes';
    expect(() => decodeMessage(FIELDS, 3, true, new ProtocolReader(bytes))).toThrow(
      new ProtocolError(message),
    );
    expect(() => interpretDecode(FIELDS, 3, true, new ProtocolReader(bytes))).toThrow(
      new ProtocolError(message),
    );
  });

  it('rejects array counts larger than the bytes left', () => {
    const bytes = new ProtocolWriter().string('n').string(null).int32(1000).toBuffer();
    expect(() => decodeMessage(FIELDS, 1, false, new ProtocolReader(bytes))).toThrow(
      new ProtocolError('array of 1000 elements in 0 bytes'),
    );
  });

  it('writes a tagged field only when set and not its default, in tag order', () => {
    const base = encode(FIELDS, 3, true, {});
    expect(encode(FIELDS, 3, true, { extra: [], leader: null, note: 'none' })).toEqual(base);
    const set = { note: 'x', leader: {}, extra: [1] };
    const bytes = encode(FIELDS, 3, true, set);
    expect(bytes).toEqual(interpretedBytes(FIELDS, 3, true, set));
    // A struct is never its zero value (a fresh {}), so {} is sent.
    expect(decode(3, true, bytes)).toMatchObject({ extra: [1], leader: { id: -1 }, note: 'x' });
    const tags: number[] = [];
    const r = new ProtocolReader(bytes, base.length - 1);
    for (let n = r.unsignedVarint(); n > 0; n--) {
      tags.push(r.unsignedVarint());
      r.skip(r.unsignedVarint());
    }
    expect(tags).toEqual([0, 1, 2]);
  });

  it('follows the interpreter on the odd corners of tagged fields', () => {
    const fields = SYNTHETIC.request;
    // A tagged struct without a default is never its default: null is written, and refused.
    const error = new ProtocolError('field t3 may not be null in version 2');
    expect(() => encode(fields, 2, true, { t3: null })).toThrow(error);
    expect(() => interpretedBytes(fields, 2, true, { t3: null })).toThrow(error);
    // A field tagged in a version it is not in is not written, but is read when sent.
    const base = encode(fields, 2, true, { t4: 'not written' });
    expect(base).toEqual(encode(fields, 2, true, {}));
    const w = new ProtocolWriter().raw(base.subarray(0, base.length - 1));
    w.unsignedVarint(1).unsignedVarint(4).unsignedVarint(3).compactString('ab');
    const bytes = w.toBuffer();
    expect(decodeMessage(fields, 2, true, new ProtocolReader(bytes)).t4).toBe('ab');
    expect(interpretDecode(fields, 2, true, new ProtocolReader(bytes)).t4).toBe('ab');
  });

  it('treats tagged fields as plain fields in versions that are not flexible', () => {
    const bytes = encode(FIELDS, 3, false, { extra: [4], leader: { id: 9 }, note: 'y' });
    expect(decode(3, false, bytes)).toMatchObject({ extra: [4], leader: { id: 9 }, note: 'y' });
  });

  it('puts field names into the generated source only as string literals', () => {
    const odd = ['a"b', "c'); throw new Error('x'); ('", 'd\ne', 'constructor', 'toString', '\u2028'];
    const fields = odd.map((name, i) => field(name, 'int32', '0+', { default: i }));
    const codec = compileCodec(fields, 0, false);
    const message = Object.fromEntries(odd.map((name, i) => [name, i * 10]));
    const w = new ProtocolWriter();
    codec.encode(message, w);
    const decoded = codec.decode(new ProtocolReader(w.toBuffer()));
    expect(Object.keys(decoded)).toEqual(odd);
    expect(decoded).toEqual(message);
    expect(() => compileCodec([field('__proto__', 'int32', '0+')], 0, false)).toThrow(/__proto__/);
  });

  it('compiles every version of every API up front', () => {
    for (const api of API_SCHEMAS) compileApi(api);
    const started = performance.now();
    for (const api of API_SCHEMAS) compileApi(api); // cached: nothing to do
    expect(performance.now() - started).toBeLessThan(50);
  });
});
