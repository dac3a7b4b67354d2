import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CorruptIndexError, IndexAppendError, LogClosedError, StorageError } from '../../../engine/errors.js';
import type { IndexOptions } from '../../../engine/segment/mapped-index.js';
import { OffsetIndex } from '../../../engine/segment/offset-index.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';
import { seededRandom } from '../../helpers/seeded-random.js';

const BASE = 1_000_000;
let dir: string;
let file: string;
beforeEach(() => {
  dir = makeTempDir();
  file = path.join(dir, '00000000000001000000.index');
});
afterEach(() => {
  removeTempDir(dir);
});

const writable: IndexOptions = { maxIndexBytes: 1024 * 1024, writable: true };
const readOnly: IndexOptions = { maxIndexBytes: 1024 * 1024, writable: false };

interface Entry {
  offset: number;
  position: number;
}

function randomEntries(count: number, seed: number): Entry[] {
  const rnd = seededRandom(seed);
  const out: Entry[] = [];
  let offset = BASE + Math.floor(rnd() * 20);
  let position = Math.floor(rnd() * 5000);
  for (let i = 0; i < count; i++) {
    out.push({ offset, position });
    offset += 1 + Math.floor(rnd() * 50);
    position += 1 + Math.floor(rnd() * 4000);
  }
  return out;
}

/** The reference answer: a linear scan for the last entry with offset <= target. */
function expected(entries: Entry[], target: number): Entry {
  let found: Entry = { offset: BASE, position: 0 };
  for (const e of entries) if (e.offset <= target) found = e;
  return found;
}

function targetsFor(entries: Entry[], seed: number): number[] {
  const rnd = seededRandom(seed);
  const first = entries[0]?.offset ?? BASE;
  const last = entries[entries.length - 1]?.offset ?? BASE;
  const targets = [BASE - 5, BASE, first - 1, first, first + 1, last - 1, last, last + 1, last + 1e6];
  for (const e of entries) if (rnd() < 0.2) targets.push(e.offset - 1, e.offset, e.offset + 1);
  for (let i = 0; i < 2000; i++) targets.push(BASE + Math.floor(rnd() * (last - BASE + 100)));
  return targets;
}

function checkLookups(index: OffsetIndex, entries: Entry[], seed: number): void {
  for (const t of targetsFor(entries, seed)) {
    const want = expected(entries, t);
    const got = index.lookup(t);
    if (got.offset !== want.offset || got.position !== want.position) {
      expect({ target: t, ...got }).toEqual({ target: t, ...want });
    }
    if (index.lookupPosition(t) !== want.position) expect(index.lookupPosition(t)).toBe(want.position);
  }
}

function fill(index: OffsetIndex, entries: Entry[]): void {
  for (const e of entries) index.append(e.offset, e.position);
}

describe('OffsetIndex lookups', () => {
  it('match a linear scan over thousands of random entries (warm and cold sections)', () => {
    const entries = randomEntries(5000, 1); // 40 KB: 1024 warm entries, the rest cold
    const index = OffsetIndex.open(file, BASE, writable);
    fill(index, entries);
    expect(index.entries).toBe(5000);
    expect(index.lastOffset).toBe(entries[4999]?.offset);
    checkLookups(index, entries, 2);
    index.close({ trim: true });

    const reopened = OffsetIndex.open(file, BASE, readOnly);
    expect(reopened.entries).toBe(5000);
    expect(reopened.lastOffset).toBe(entries[4999]?.offset);
    checkLookups(reopened, entries, 3);
    reopened.close();
  });

  it('match on small indexes, including a single entry', () => {
    for (const n of [1, 2, 3, 7, 1023, 1024, 1025]) {
      const entries = randomEntries(n, n);
      const p = path.join(dir, `small-${n}.index`);
      const index = OffsetIndex.open(p, BASE, writable);
      fill(index, entries);
      checkLookups(index, entries, n + 100);
      for (let i = 0; i < n; i++) expect(index.entryAt(i)).toEqual(entries[i]);
      index.close();
    }
  });

  it('answer (baseOffset, 0) on an empty index', () => {
    const index = OffsetIndex.open(file, BASE, writable);
    expect(index.lookup(BASE + 100)).toEqual({ offset: BASE, position: 0 });
    expect(index.lookupPosition(BASE + 100)).toBe(0);
    expect(index.lastOffset).toBe(BASE);
    expect(index.entries).toBe(0);
    index.close();
  });
});

describe('OffsetIndex appends', () => {
  it('rejects out-of-order, out-of-range and bad positions without changing anything', () => {
    const index = OffsetIndex.open(file, BASE, writable);
    expect(() => index.append(BASE - 1, 0)).toThrow(IndexAppendError);
    index.append(BASE, 0); // offset == baseOffset is fine while empty
    index.append(BASE + 10, 100);
    expect(() => index.append(BASE + 10, 200)).toThrow(IndexAppendError);
    expect(() => index.append(BASE + 5, 200)).toThrow(IndexAppendError);
    expect(() => index.append(BASE + 11, 50)).toThrow(IndexAppendError);
    expect(() => index.append(BASE + 11, -1)).toThrow(IndexAppendError);
    expect(() => index.append(BASE + 2 ** 31, 200)).toThrow(IndexAppendError);
    expect(index.canAppendOffset(BASE + 2 ** 31 - 1)).toBe(true);
    expect(index.canAppendOffset(BASE + 2 ** 31)).toBe(false);
    index.append(BASE + 2 ** 31 - 1, 2 ** 31 - 1);
    expect(index.entries).toBe(3);
    expect(index.lookup(BASE + 2 ** 31 + 5)).toEqual({ offset: BASE + 2 ** 31 - 1, position: 2 ** 31 - 1 });
    index.close();
  });

  it('is full at maxIndexBytes rounded down to whole entries', () => {
    const index = OffsetIndex.open(file, BASE, { maxIndexBytes: 8 * 3 + 5, writable: true });
    expect(index.maxEntries).toBe(3);
    for (let i = 0; i < 3; i++) index.append(BASE + i, i);
    expect(index.isFull).toBe(true);
    expect(() => index.append(BASE + 3, 3)).toThrow(IndexAppendError);
    index.close({ trim: true });
    expect(fs.statSync(file).size).toBe(24);
  });

  it('rejects appends to a read-only index', () => {
    const index = OffsetIndex.open(file, BASE, writable);
    index.append(BASE + 1, 1);
    index.close({ trim: true });
    const ro = OffsetIndex.open(file, BASE, readOnly);
    expect(ro.isWritable).toBe(false);
    expect(() => ro.append(BASE + 2, 2)).toThrow(IndexAppendError);
    ro.close();
  });
});

describe('OffsetIndex truncation', () => {
  it('drops every entry at or above the offset and takes appends after', () => {
    const entries = randomEntries(3000, 7);
    const index = OffsetIndex.open(file, BASE, writable);
    fill(index, entries);
    for (const cut of [entries[2500]!.offset + 1, entries[2000]!.offset, entries[10]!.offset - 1]) {
      const kept = entries.filter((e) => e.offset < cut);
      index.truncateTo(cut);
      expect(index.entries).toBe(kept.length);
      expect(index.lastOffset).toBe(kept[kept.length - 1]?.offset ?? BASE);
      checkLookups(index, kept, cut);
    }
    const before = index.entries;
    index.append(entries[10]!.offset + 5, entries[10]!.position + 5);
    expect(index.entries).toBe(before + 1);
    index.truncateTo(BASE);
    expect(index.entries).toBe(0);
    expect(index.lastOffset).toBe(BASE);
    index.append(BASE + 1, 1);
    index.reset();
    expect(index.entries).toBe(0);
    expect(index.lookup(BASE + 1)).toEqual({ offset: BASE, position: 0 });
    index.close();
  });

  it('survives a reopen: dropped entries do not come back, even without a clean close', () => {
    const entries = randomEntries(2000, 8);
    const index = OffsetIndex.open(file, BASE, writable);
    fill(index, entries);
    index.truncateTo(entries[1500]!.offset);
    index.flush();
    // A crash: the file still has its preallocated tail; copy it as it is on disk now.
    const crashed = path.join(dir, 'crashed.index');
    fs.copyFileSync(file, crashed);
    index.close();
    for (const options of [readOnly, writable]) {
      const again = OffsetIndex.open(crashed, BASE, options);
      expect(again.entries).toBe(1500);
      checkLookups(again, entries.slice(0, 1500), 9);
      again.close();
    }
  });

  it('on a read-only index, shrinks the file', () => {
    const entries = randomEntries(100, 10);
    const index = OffsetIndex.open(file, BASE, writable);
    fill(index, entries);
    index.close({ trim: true });
    const ro = OffsetIndex.open(file, BASE, readOnly);
    ro.truncateTo(entries[40]!.offset);
    expect(ro.entries).toBe(40);
    checkLookups(ro, entries.slice(0, 40), 11);
    ro.close();
    expect(fs.statSync(file).size).toBe(40 * 8);
    const again = OffsetIndex.open(file, BASE, readOnly);
    expect(again.entries).toBe(40);
    again.close();
  });
});

describe('OffsetIndex files', () => {
  it('opens an empty file read-only without mapping', () => {
    fs.writeFileSync(file, Buffer.alloc(0));
    const index = OffsetIndex.open(file, BASE, readOnly);
    expect(index.entries).toBe(0);
    expect(index.lookup(BASE + 5)).toEqual({ offset: BASE, position: 0 });
    expect(index.isMapped).toBe(false);
    index.sanityCheck();
    index.close();
  });

  it('maps a read-only index only on its first lookup', () => {
    const index = OffsetIndex.open(file, BASE, writable);
    fill(index, randomEntries(10, 12));
    index.close({ trim: true });
    const ro = OffsetIndex.open(file, BASE, readOnly);
    expect(ro.isMapped).toBe(false);
    expect(ro.entries).toBe(10);
    ro.lookup(BASE + 100);
    expect(ro.isMapped).toBe(true);
    ro.close();
  });

  it('fails to open a missing file read-only with a StorageError', () => {
    expect(() => OffsetIndex.open(path.join(dir, 'missing.index'), BASE, readOnly)).toThrow(StorageError);
  });

  it('throws LogClosedError after close, and deletes and renames its file', () => {
    const index = OffsetIndex.open(file, BASE, writable);
    index.append(BASE + 1, 10);
    const renamed = path.join(dir, 'renamed.index');
    index.renameTo(renamed);
    expect(index.path).toBe(renamed);
    index.append(BASE + 2, 20); // fd and mapping survive the rename
    index.close({ trim: true });
    expect(fs.statSync(renamed).size).toBe(16);
    expect(() => index.lookup(BASE)).toThrow(LogClosedError);
    expect(() => index.entryAt(0)).toThrow(LogClosedError);
    expect(index.deleteFile()).toBe(true);
    expect(fs.existsSync(renamed)).toBe(false);
    expect(index.deleteFile()).toBe(false);
  });

  it('sanityCheck catches a non-monotonic file and a bad length', () => {
    const bad = Buffer.alloc(8 * 3);
    bad.writeInt32BE(5, 0);
    bad.writeInt32BE(10, 8);
    bad.writeInt32BE(7, 16); // goes backwards
    for (let i = 0; i < 3; i++) bad.writeInt32BE(100 * i, 8 * i + 4);
    fs.writeFileSync(file, bad);
    const index = OffsetIndex.open(file, BASE, readOnly);
    expect(() => index.sanityCheck()).toThrow(CorruptIndexError);
    index.close();

    const odd = path.join(dir, 'odd.index');
    const ok = Buffer.alloc(8 * 2 + 3);
    ok.writeInt32BE(1, 0);
    ok.writeInt32BE(2, 8);
    fs.writeFileSync(odd, ok);
    const oddIndex = OffsetIndex.open(odd, BASE, readOnly);
    expect(oddIndex.entries).toBe(2);
    expect(() => oddIndex.sanityCheck()).toThrow(/multiple of the entry size/);
    oddIndex.close();

    const good = OffsetIndex.open(path.join(dir, 'good.index'), BASE, writable);
    fill(good, randomEntries(3000, 13));
    good.sanityCheck(); // a live, preallocated file is whole entries too
    good.close({ trim: true });
  });

  it('sanityCheck catches a negative relative offset', () => {
    const bad = Buffer.alloc(8);
    bad.writeInt32BE(-3, 0);
    fs.writeFileSync(file, bad);
    const index = OffsetIndex.open(file, BASE, readOnly);
    expect(() => index.sanityCheck()).toThrow(CorruptIndexError);
    index.close();
  });

  it('entryAt throws RangeError outside the entries', () => {
    const index = OffsetIndex.open(file, BASE, writable);
    index.append(BASE + 1, 1);
    expect(() => index.entryAt(1)).toThrow(RangeError);
    expect(() => index.entryAt(-1)).toThrow(RangeError);
    index.close();
  });
});
