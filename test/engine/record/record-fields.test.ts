// The bytes fields and header lists of a record: sizes agree with what is written, strings go in
// as UTF-8 without a Buffer made for them.
import { describe, expect, it } from 'vitest';
import {
  type BytesInput,
  fieldSize,
  headersSize,
  lengthOf,
  writeBytes,
  writeHeaders,
} from '../../../engine/record/record-fields.js';
import { VarintCursor, readVarint, writeVarint } from '../../../engine/record/varint.js';

describe('bytes fields', () => {
  it.each<[string, BytesInput, string]>([
    ['null', null, ''],
    ['undefined', undefined, ''],
    ['empty', '', ''],
    ['ascii', 'abc', '616263'],
    ['multi-byte', 'é✓', 'c3a9e29c93'],
    ['buffer', Buffer.from([0, 255]), '00ff'],
  ])('writes a %s field in the size it reports', (_, bytes, hex) => {
    const length = lengthOf(bytes);
    expect(length).toBe(bytes === null || bytes === undefined ? -1 : hex.length / 2);
    const buf = Buffer.alloc(32, 0xee);
    const end = writeBytes(buf, bytes, length, writeVarint(buf, length, 3));
    expect(end - 3).toBe(fieldSize(length));
    const cursor = new VarintCursor(3, end);
    expect(readVarint(buf, cursor)).toBe(length);
    expect(buf.toString('hex', cursor.pos, end)).toBe(hex);
    expect(buf[end]).toBe(0xee); // nothing written past it
  });
});

describe('header lists', () => {
  it('writes no headers as one zero byte', () => {
    const buf = Buffer.alloc(4, 0xee);
    expect(headersSize(undefined)).toBe(1);
    expect(headersSize([])).toBe(1);
    expect(writeHeaders(buf, undefined, 1)).toBe(2);
    expect(writeHeaders(buf, [], 2)).toBe(3);
    expect(buf.toString('hex')).toBe('ee0000ee');
  });

  it('writes count, then key and value per header, in the size it reports', () => {
    const headers = [
      { key: 'ké', value: 'v' },
      { key: '', value: null },
      { key: 'b', value: Buffer.from([1, 2, 3]) },
    ];
    const buf = Buffer.alloc(64);
    const end = writeHeaders(buf, headers, 0);
    expect(end).toBe(headersSize(headers));
    // count 3; 'ké' (3 bytes) 'v'; '' null; 'b' 010203
    expect(buf.toString('hex', 0, end)).toBe('06' + '066bc3a9' + '0276' + '00' + '01' + '0262' + '06010203');
  });
});
