import { describe, expect, it } from 'vitest';
import { OffsetMap } from '../../../engine/cleaner/offset-map.js';
import { seededRandom } from '../../helpers/seeded-random.js';

const key = (text: string): Uint8Array => Buffer.from(text);

describe('OffsetMap', () => {
  it('keeps the latest offset per key', async () => {
    const map = await OffsetMap.create(64);
    map.put(key('a'), 1);
    map.put(key('b'), 2);
    map.put(key('a'), 7);
    expect([map.get(key('a')), map.get(key('b')), map.get(key('c'))]).toEqual([7, 2, -1]);
    expect(map.size).toBe(2);
  });

  it('agrees with a plain Map over many random keys, offsets up to 2^53', async () => {
    const random = seededRandom(11);
    const map = await OffsetMap.create(OffsetMap.slotsFor(20 * 40_000));
    const model = new Map<string, number>();
    let offset = 2 ** 52;
    for (let i = 0; i < 30_000; i++) {
      const k = `key-${Math.floor(random() * 20_000)}`;
      offset += 1 + Math.floor(random() * 3);
      expect(map.put(key(k), offset)).toBe(true);
      model.set(k, offset);
    }
    for (const [k, o] of model) expect(map.get(key(k))).toBe(o);
    expect(map.size).toBe(model.size);
    expect(map.get(key('never-put'))).toBe(-1);
    expect(map.probeRate).toBeLessThan(3);
  });

  it('refuses new keys past its load factor, but still updates known ones', async () => {
    const map = await OffsetMap.create(10);
    let accepted = 0;
    for (let i = 0; i < 20; i++) if (map.put(key(`k${i}`), i)) accepted++;
    expect(accepted).toBe(9);
    expect(map.isFull).toBe(true);
    expect(map.put(key('k0'), 100)).toBe(true);
    expect(map.get(key('k0'))).toBe(100);
    map.clear();
    expect([map.size, map.get(key('k0'))]).toEqual([0, -1]);
  });

  it('tells apart keys that differ in one byte, empty keys and binary keys', async () => {
    const map = await OffsetMap.create(64);
    map.put(new Uint8Array([]), 1);
    map.put(new Uint8Array([0]), 2);
    map.put(new Uint8Array([0, 0]), 3);
    map.put(key('abc'), 4);
    map.put(key('abd'), 5);
    expect([
      map.get(new Uint8Array([])),
      map.get(new Uint8Array([0])),
      map.get(new Uint8Array([0, 0])),
      map.get(key('abc')),
      map.get(key('abd')),
    ]).toEqual([1, 2, 3, 4, 5]);
  });
});
