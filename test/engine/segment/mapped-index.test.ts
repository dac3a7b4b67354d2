// The file life cycle shared by both indexes (growth, trim, reopen, crash tails) and the warm-section
// search, exercised through OffsetIndex and a small test subclass that counts the entries it reads.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidConfigError } from '../../../engine/errors.js';
import type { IndexLayout, IndexOptions } from '../../../engine/segment/mapped-index.js';
import { MappedIndex, WARM_SECTION_BYTES } from '../../../engine/segment/mapped-index.js';
import { OffsetIndex } from '../../../engine/segment/offset-index.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';

let dir: string;
let file: string;
beforeEach(() => {
  dir = makeTempDir();
  file = path.join(dir, '00000000000000000000.index');
});
afterEach(() => {
  removeTempDir(dir);
});

const CHUNK = 4096;
const options: IndexOptions = { maxIndexBytes: 1024 * 1024, writable: true, preallocateChunkBytes: CHUNK };

/** An index of 8-byte entries [key int32][unused] that records which entries a search reads. */
class CountingIndex extends MappedIndex {
  readonly reads: number[] = [];
  private readonly key = (buf: Buffer, pos: number): number => {
    this.reads.push(pos / 8);
    return buf.readInt32BE(pos);
  };
  constructor(p: string) {
    super(p, 0, countingLayout, options);
  }
  add(key: number): void {
    const pos = this.reserveEntry();
    this.mapped().writeInt32BE(key, pos);
    this.commitEntry();
  }
  find(target: number): number {
    this.reads.length = 0;
    return this.largestLowerBound(target, this.key);
  }
}
const countingLayout: IndexLayout = {
  entrySize: 8,
  relativeOffset: (buf, pos) => buf.readInt32BE(pos),
  problem: (buf, pos, prev) =>
    prev >= 0 && buf.readInt32BE(pos) <= buf.readInt32BE(prev) ? 'not increasing' : undefined,
};

describe('warm-section search', () => {
  const n = 10_000;
  const warm = WARM_SECTION_BYTES / 8;
  const warmStart = n - warm;

  it('finds recent targets reading only warm entries', () => {
    const index = new CountingIndex(file);
    for (let i = 0; i < n; i++) index.add(i * 2);
    for (const slot of [warmStart, warmStart + 1, n - 2, n - 1]) {
      expect(index.find(slot * 2)).toBe(slot);
      expect(index.find(slot * 2 + 1)).toBe(slot);
      expect(Math.min(...index.reads)).toBeGreaterThanOrEqual(warmStart);
    }
    expect(index.find(1e9)).toBe(n - 1);
    expect(Math.min(...index.reads)).toBeGreaterThanOrEqual(warmStart);
    index.close();
  });

  it('finds old targets in the cold section, and nothing below the first entry', () => {
    const index = new CountingIndex(file);
    for (let i = 0; i < n; i++) index.add(i * 2 + 10);
    for (const slot of [0, 1, 500, warmStart - 2, warmStart - 1]) {
      expect(index.find(slot * 2 + 10)).toBe(slot);
      expect(index.find(slot * 2 + 11)).toBe(slot);
      expect(Math.max(...index.reads)).toBeLessThanOrEqual(warmStart);
    }
    expect(index.find(9)).toBe(-1);
    expect(index.find(-100)).toBe(-1);
    index.close();
  });
});

describe('file growth', () => {
  it('grows the file in chunks of real blocks just ahead of the entries', () => {
    const index = OffsetIndex.open(file, 0, options);
    expect(fs.statSync(file).size).toBe(0); // opening preallocates nothing
    const perChunk = CHUNK / 8;
    for (let i = 0; i < perChunk * 3 + 10; i++) {
      index.append(i, i * 100);
      const need = (i + 1) * 8;
      if (i % 97 === 0 || i === perChunk - 1 || i === perChunk) {
        const st = fs.statSync(file);
        expect(st.size).toBe(Math.ceil(need / CHUNK) * CHUNK);
        expect(st.blocks * 512).toBeGreaterThanOrEqual(st.size);
      }
    }
    expect(fs.statSync(file).size).toBe(4 * CHUNK);
    index.close({ trim: true });
    expect(fs.statSync(file).size).toBe((perChunk * 3 + 10) * 8);
  });

  it('never grows the file past maxIndexBytes', () => {
    const index = OffsetIndex.open(file, 0, { ...options, maxIndexBytes: CHUNK + 8 * 10 + 3 });
    for (let i = 0; i < index.maxEntries; i++) index.append(i, i);
    expect(fs.statSync(file).size).toBe(CHUNK + 80);
    index.close();
  });

  it('rejects a bad maxIndexBytes', () => {
    expect(() => OffsetIndex.open(file, 0, { ...options, maxIndexBytes: 4 })).toThrow(InvalidConfigError);
    expect(() => OffsetIndex.open(file, 0, { ...options, maxIndexBytes: 2 ** 31 })).toThrow(
      InvalidConfigError,
    );
  });
});

describe('trim and reopen', () => {
  it('trims, reopens for appends, and appends more (in process and after a restart)', () => {
    const index = OffsetIndex.open(file, 0, options);
    for (let i = 0; i < 700; i++) index.append(i * 3, i * 10);
    index.trimToValidSize();
    expect(index.isWritable).toBe(false);
    expect(fs.statSync(file).size).toBe(700 * 8);
    expect(index.lookup(30)).toEqual({ offset: 30, position: 100 });
    index.makeWritable();
    for (let i = 700; i < 1500; i++) index.append(i * 3, i * 10);
    expect(index.lookup(1499 * 3 + 1)).toEqual({ offset: 1499 * 3, position: 14990 });
    index.close({ trim: true });
    expect(fs.statSync(file).size).toBe(1500 * 8);

    // After a restart the old active segment opens read-only, then becomes active again.
    const ro = OffsetIndex.open(file, 0, { ...options, writable: false });
    expect(ro.lookup(3)).toEqual({ offset: 3, position: 10 });
    ro.makeWritable();
    for (let i = 1500; i < 2000; i++) ro.append(i * 3, i * 10);
    ro.close({ trim: true });

    const rw = OffsetIndex.open(file, 0, options); // a trimmed file opened writable directly
    expect(rw.entries).toBe(2000);
    rw.append(2000 * 3, 20000);
    expect(rw.entryAt(2000)).toEqual({ offset: 6000, position: 20000 });
    for (let i = 0; i < 2001; i++) expect(rw.entryAt(i)).toEqual({ offset: i * 3, position: i * 10 });
    rw.sanityCheck();
    rw.close();
  });

  it('trims an empty index to a 0-byte file that reopens read-only and writable', () => {
    const index = OffsetIndex.open(file, 0, options);
    index.close({ trim: true });
    expect(fs.statSync(file).size).toBe(0);
    const ro = OffsetIndex.open(file, 0, { ...options, writable: false });
    expect(ro.entries).toBe(0);
    ro.makeWritable(); // maps a 0-byte file at full size: fine while nothing past EOF is touched
    ro.append(5, 0);
    expect(ro.lookup(6)).toEqual({ offset: 5, position: 0 });
    ro.close();
  });
});

describe('crash-like files with a zero-filled tail', () => {
  function writeFile(entries: [number, number][], zeroSlots: number): void {
    const buf = Buffer.alloc((entries.length + zeroSlots) * 8);
    entries.forEach(([rel, pos], i) => {
      buf.writeInt32BE(rel, i * 8);
      buf.writeInt32BE(pos, i * 8 + 4);
    });
    fs.writeFileSync(file, buf);
  }
  const count = (writable: boolean): number => {
    const index = OffsetIndex.open(file, 0, { ...options, writable });
    const n = index.entries;
    index.close();
    return n;
  };

  it('counts only the entries before the tail', () => {
    writeFile(
      Array.from({ length: 300 }, (_, i): [number, number] => [i + 1, i * 50]),
      512 - 300,
    );
    expect(count(false)).toBe(300);
    expect(count(true)).toBe(300); // and the writable open cut the tail off
    expect(fs.statSync(file).size).toBe(300 * 8);
  });

  it('keeps an all-zero entry 0 followed by entries, drops it before a zero tail', () => {
    writeFile(
      [
        [0, 0],
        [4, 100],
        [9, 250],
      ],
      100,
    );
    expect(count(false)).toBe(3);
    writeFile([[0, 0]], 100);
    expect(count(false)).toBe(0);
    writeFile([[0, 0]], 0); // a trimmed one-entry file
    expect(count(false)).toBe(1);
  });

  it('stops at the first entry that does not follow the one before', () => {
    writeFile(
      [
        [1, 0],
        [5, 10],
        [3, 20],
        [8, 30],
      ],
      10,
    );
    expect(count(false)).toBe(2);
  });

  it('reopens a live index copied mid-flight (what a crash leaves) with the right count', () => {
    const index = OffsetIndex.open(file, 0, options);
    for (let i = 0; i < 1234; i++) index.append(i + 1, i * 7);
    index.flush();
    const copy = path.join(dir, 'copy.index');
    fs.copyFileSync(file, copy);
    index.close();
    expect(fs.statSync(copy).size).toBeGreaterThan(1234 * 8);
    const again = OffsetIndex.open(copy, 0, options);
    expect(again.entries).toBe(1234);
    expect(again.lastOffset).toBe(1234);
    again.append(2000, 1234 * 7);
    again.close();
  });
});

describe('index descriptors', () => {
  let dir: string;
  beforeEach(() => {
    dir = makeTempDir();
  });
  afterEach(() => removeTempDir(dir));

  const openIndexFds = (): number =>
    fs.readdirSync('/proc/self/fd').filter((fd) => {
      try {
        return fs.readlinkSync(`/proc/self/fd/${fd}`).startsWith(dir);
      } catch {
        return false;
      }
    }).length;

  it('active indexes hold no descriptor between appends (idle partitions held two each)', () => {
    const options = { maxIndexBytes: 1 << 20, writable: true, preallocateChunkBytes: 64 };
    const indexes = Array.from({ length: 50 }, (_, i) =>
      OffsetIndex.open(path.join(dir, `${i}.index`), 0, options),
    );
    // Enough appends to grow each file and its mapping several times.
    for (const index of indexes) for (let e = 1; e <= 40; e++) index.append(e, e * 100);
    expect(openIndexFds()).toBe(0);
    for (const index of indexes) {
      expect(index.entries).toBe(40);
      expect(index.lookupPosition(25)).toBe(2500);
      index.close({ trim: true });
      expect(fs.statSync(index.path).size).toBe(40 * 8);
    }
  });
});
