import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CorruptIndexError, IndexAppendError } from '../../../engine/errors.js';
import type { IndexOptions } from '../../../engine/segment/mapped-index.js';
import { TimeIndex } from '../../../engine/segment/time-index.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';
import { seededRandom } from '../../helpers/seeded-random.js';

const BASE = 500;
const T0 = 1_750_000_000_000; // well above 2^32, so both int32 halves matter
let dir: string;
let file: string;
beforeEach(() => {
  dir = makeTempDir();
  file = path.join(dir, '00000000000000000500.timeindex');
});
afterEach(() => {
  removeTempDir(dir);
});

const writable: IndexOptions = { maxIndexBytes: 1024 * 1024, writable: true, preallocateChunkBytes: 8192 };
const readOnly: IndexOptions = { ...writable, writable: false };

interface Entry {
  timestamp: number;
  offset: number;
}

function randomEntries(count: number, seed: number): Entry[] {
  const rnd = seededRandom(seed);
  const out: Entry[] = [];
  let timestamp = T0 + Math.floor(rnd() * 1000);
  let offset = BASE + Math.floor(rnd() * 3);
  for (let i = 0; i < count; i++) {
    out.push({ timestamp, offset });
    timestamp += 1 + Math.floor(rnd() * 5000);
    offset += Math.floor(rnd() * 40); // may repeat: offsets are only non-decreasing
  }
  return out;
}

function expected(entries: Entry[], target: number): Entry {
  let found: Entry = { timestamp: -1, offset: BASE };
  for (const e of entries) if (e.timestamp <= target) found = e;
  return found;
}

function checkLookups(index: TimeIndex, entries: Entry[], seed: number): void {
  const rnd = seededRandom(seed);
  const first = entries[0]?.timestamp ?? T0;
  const last = entries[entries.length - 1]?.timestamp ?? T0;
  const targets = [-1, 0, first - 1, first, first + 1, last - 1, last, last + 1, Number.MAX_SAFE_INTEGER];
  for (const e of entries) if (rnd() < 0.2) targets.push(e.timestamp - 1, e.timestamp, e.timestamp + 1);
  for (let i = 0; i < 2000; i++) targets.push(first - 100 + Math.floor(rnd() * (last - first + 200)));
  for (const t of targets) {
    const want = expected(entries, t);
    const got = index.lookup(t);
    if (got.timestamp !== want.timestamp || got.offset !== want.offset) {
      expect({ target: t, ...got }).toEqual({ target: t, ...want });
    }
    if (index.lookupOffset(t) !== want.offset) expect(index.lookupOffset(t)).toBe(want.offset);
  }
}

function fill(index: TimeIndex, entries: Entry[]): void {
  for (const e of entries) expect(index.maybeAppend(e.timestamp, e.offset)).toBe(true);
}

describe('TimeIndex lookups', () => {
  it('match a linear scan over thousands of random entries, before and after a reopen', () => {
    const entries = randomEntries(4000, 1); // 48 KB: 682 warm entries, the rest cold
    const index = TimeIndex.open(file, BASE, writable);
    fill(index, entries);
    checkLookups(index, entries, 2);
    expect(index.lastEntry).toEqual(entries[3999]);
    index.close({ trim: true });
    expect(fs.statSync(file).size).toBe(4000 * 12);

    const ro = TimeIndex.open(file, BASE, readOnly);
    expect(ro.isMapped).toBe(false);
    expect(ro.lastEntry).toEqual(entries[3999]); // known without mapping
    expect(ro.isMapped).toBe(false);
    checkLookups(ro, entries, 3);
    for (let i = 0; i < 4000; i += 37) expect(ro.entryAt(i)).toEqual(entries[i]);
    ro.sanityCheck();
    ro.close();
  });

  it('answer (-1, baseOffset) when empty or below the first entry', () => {
    const index = TimeIndex.open(file, BASE, writable);
    expect(index.lookup(T0)).toEqual({ timestamp: -1, offset: BASE });
    expect(index.lastEntry).toEqual({ timestamp: -1, offset: BASE });
    index.maybeAppend(T0, BASE + 3);
    expect(index.lookup(T0 - 1)).toEqual({ timestamp: -1, offset: BASE });
    expect(index.lookupOffset(T0 - 1)).toBe(BASE);
    expect(index.lookup(T0)).toEqual({ timestamp: T0, offset: BASE + 3 });
    index.close();
  });

  it('round-trips int64 timestamps exactly', () => {
    const index = TimeIndex.open(file, BASE, writable);
    const stamps = [
      0,
      1,
      2 ** 31 - 1,
      2 ** 31,
      2 ** 32 - 1,
      2 ** 32,
      2 ** 32 + 1,
      T0,
      2 ** 52 + 3,
      Number.MAX_SAFE_INTEGER,
    ];
    stamps.forEach((ts, i) => index.maybeAppend(ts, BASE + i));
    stamps.forEach((ts, i) => expect(index.entryAt(i)).toEqual({ timestamp: ts, offset: BASE + i }));
    index.close({ trim: true });
    const raw = fs.readFileSync(file);
    expect(raw.readBigInt64BE(12 * 5)).toBe(2n ** 32n); // Kafka's byte layout
    expect(raw.readInt32BE(12 * 5 + 8)).toBe(5);
  });
});

describe('TimeIndex.maybeAppend', () => {
  it("follows Kafka's rules", () => {
    const index = TimeIndex.open(file, BASE, writable);
    expect(index.maybeAppend(-1, BASE)).toBe(false); // no timestamp: nothing to index
    expect(index.maybeAppend(T0, BASE + 10)).toBe(true);
    expect(index.maybeAppend(T0, BASE + 20)).toBe(false); // same timestamp: skipped
    expect(index.maybeAppend(T0 - 5, BASE + 20)).toBe(false); // older timestamp: skipped
    expect(index.maybeAppend(T0 + 1, BASE + 10)).toBe(true); // same offset, larger timestamp: kept
    expect(() => index.maybeAppend(T0 + 2, BASE + 9)).toThrow(IndexAppendError); // offset goes back
    expect(() => index.maybeAppend(T0 + 2, BASE - 1)).toThrow(IndexAppendError);
    expect(() => index.maybeAppend(T0 + 2, BASE + 2 ** 31)).toThrow(IndexAppendError);
    expect(() => index.maybeAppend(1.5, BASE + 20)).toThrow(IndexAppendError);
    expect(index.entries).toBe(2);
    expect(index.lastEntry).toEqual({ timestamp: T0 + 1, offset: BASE + 10 });
    index.close();
  });

  it('appends timestamp 0 first (above the empty -1)', () => {
    const index = TimeIndex.open(file, BASE, writable);
    expect(index.maybeAppend(0, BASE)).toBe(true);
    expect(index.lastEntry).toEqual({ timestamp: 0, offset: BASE });
    index.close();
  });

  it('throws when an append is needed but the index is full', () => {
    const index = TimeIndex.open(file, BASE, { maxIndexBytes: 24, writable: true });
    index.maybeAppend(T0, BASE);
    index.maybeAppend(T0 + 1, BASE + 1);
    expect(index.isFull).toBe(true);
    expect(index.maybeAppend(T0 + 1, BASE + 2)).toBe(false); // nothing to add: no error
    expect(() => index.maybeAppend(T0 + 2, BASE + 2)).toThrow(IndexAppendError);
    index.close();
  });
});

describe('TimeIndex truncation and files', () => {
  it('truncateTo drops entries at or past the offset, with repeated offsets', () => {
    const entries = randomEntries(2000, 5);
    const index = TimeIndex.open(file, BASE, writable);
    fill(index, entries);
    const cut = entries[1200]!.offset;
    const kept = entries.filter((e) => e.offset < cut);
    index.truncateTo(cut);
    expect(index.entries).toBe(kept.length);
    expect(index.lastEntry).toEqual(kept[kept.length - 1] ?? { timestamp: -1, offset: BASE });
    checkLookups(index, kept, 6);
    // Appends continue from the truncated state.
    const last = kept[kept.length - 1]!;
    expect(index.maybeAppend(last.timestamp + 1, cut)).toBe(true);
    index.flush();
    const copy = path.join(dir, 'copy.timeindex');
    fs.copyFileSync(file, copy); // a crash: the preallocated tail is still there
    index.close();
    const again = TimeIndex.open(copy, BASE, readOnly);
    expect(again.entries).toBe(kept.length + 1);
    expect(again.lastEntry).toEqual({ timestamp: last.timestamp + 1, offset: cut });
    again.close();
  });

  it('sanityCheck catches timestamps going backwards and a bad length', () => {
    const buf = Buffer.alloc(36);
    [T0, T0 + 10, T0 + 5].forEach((ts, i) => {
      buf.writeBigInt64BE(BigInt(ts), i * 12);
      buf.writeInt32BE(i, i * 12 + 8);
    });
    fs.writeFileSync(file, buf);
    const index = TimeIndex.open(file, BASE, readOnly);
    expect(index.entries).toBe(3);
    expect(() => index.sanityCheck()).toThrow(CorruptIndexError);
    index.close();

    fs.writeFileSync(file, buf.subarray(0, 30));
    const short = TimeIndex.open(file, BASE, readOnly);
    expect(short.entries).toBe(2);
    expect(() => short.sanityCheck()).toThrow(/multiple of the entry size/);
    short.close();
  });

  it('opens an empty file read-only', () => {
    fs.writeFileSync(file, Buffer.alloc(0));
    const index = TimeIndex.open(file, BASE, readOnly);
    expect(index.entries).toBe(0);
    expect(index.lookup(T0)).toEqual({ timestamp: -1, offset: BASE });
    expect(index.isMapped).toBe(false);
    index.close();
  });
});
