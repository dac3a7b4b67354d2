import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DiskFullError, StorageError } from '../../../engine/errors.js';
import {
  MAX_MAPPING_BYTES,
  PAGE_SIZE,
  adviseRandom,
  adviseWillNeed,
  extendWithZeros,
  isMapped,
  isResident,
  mapFile,
  releasePages,
  residentPages,
  syncMapped,
} from '../../../engine/segment/mapped-file.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';

let dir: string;
beforeEach(() => {
  dir = makeTempDir();
});
afterEach(() => {
  removeTempDir(dir);
});

/** A file of `size` zero bytes with real blocks, open read-write. */
function openZeroFile(name: string, size: number): { fd: number; file: string } {
  const file = path.join(dir, name);
  const fd = fs.openSync(file, 'w+');
  extendWithZeros(fd, 0, size, file);
  return { fd, file };
}

describe('extendWithZeros', () => {
  it('grows a file with real, zero-filled blocks', () => {
    const size = 1024 * 1024 + 123; // more than one chunk of the shared zero buffer, not page-aligned
    const { fd, file } = openZeroFile('grow.bin', size);
    fs.closeSync(fd);
    const st = fs.statSync(file);
    expect(st.size).toBe(size);
    expect(st.blocks * 512).toBeGreaterThanOrEqual(size);
    expect(fs.readFileSync(file).every((b) => b === 0)).toBe(true);
  });

  it('keeps the bytes before fromSize', () => {
    const file = path.join(dir, 'keep.bin');
    fs.writeFileSync(file, Buffer.from('hello'));
    const fd = fs.openSync(file, 'r+');
    extendWithZeros(fd, 5, 9000, file);
    fs.closeSync(fd);
    const data = fs.readFileSync(file);
    expect(data.length).toBe(9000);
    expect(data.subarray(0, 5).toString()).toBe('hello');
    expect(data.subarray(5).every((b) => b === 0)).toBe(true);
    expect(fs.statSync(file).blocks * 512).toBeGreaterThanOrEqual(9000);
  });

  it('is a no-op when toSize <= fromSize', () => {
    const { fd, file } = openZeroFile('noop.bin', 100);
    extendWithZeros(fd, 100, 50, file);
    fs.closeSync(fd);
    expect(fs.statSync(file).size).toBe(100);
  });

  it.runIf(fs.existsSync('/dev/full'))('turns ENOSPC into DiskFullError', () => {
    const fd = fs.openSync('/dev/full', 'w');
    try {
      expect(() => extendWithZeros(fd, 0, 4096, '/dev/full')).toThrow(DiskFullError);
    } finally {
      fs.closeSync(fd);
    }
  });
});

describe('mapFile', () => {
  it('maps read-write, shared: writes reach the file and fs writes reach the mapping', () => {
    const { fd, file } = openZeroFile('rw.bin', 3 * PAGE_SIZE);
    const map = mapFile(fd, 3 * PAGE_SIZE, true);
    expect(isMapped(map)).toBe(true);
    map.write('mapped', PAGE_SIZE + 10);
    fs.writeSync(fd, Buffer.from('written'), 0, 7, 20);
    fs.closeSync(fd); // the mapping outlives the fd
    expect(map.subarray(20, 27).toString()).toBe('written');
    syncMapped(map.subarray(PAGE_SIZE + 10, PAGE_SIZE + 16), true);
    expect(
      fs
        .readFileSync(file)
        .subarray(PAGE_SIZE + 10, PAGE_SIZE + 16)
        .toString(),
    ).toBe('mapped');
  });

  it('maps read-only', () => {
    const { fd } = openZeroFile('ro.bin', PAGE_SIZE);
    fs.writeSync(fd, Buffer.from('abc'), 0, 3, 0);
    const map = mapFile(fd, PAGE_SIZE, false);
    fs.closeSync(fd);
    expect(map.subarray(0, 3).toString()).toBe('abc');
  });

  it('rejects sizes of 0, above the maximum, and unaligned offsets', () => {
    const { fd } = openZeroFile('bad.bin', PAGE_SIZE);
    try {
      expect(() => mapFile(fd, 0, false)).toThrow(StorageError);
      expect(() => mapFile(fd, MAX_MAPPING_BYTES + 1, false)).toThrow(StorageError);
      expect(() => mapFile(fd, PAGE_SIZE, false, 100)).toThrow(StorageError);
      expect(MAX_MAPPING_BYTES).toBeLessThan(2 ** 31);
    } finally {
      fs.closeSync(fd);
    }
  });

  it('reports mmap failures as StorageError', () => {
    expect(() => mapFile(987654, PAGE_SIZE, false)).toThrow(StorageError);
  });
});

describe('isResident / residentPages', () => {
  it('is true for a freshly written mapped range, including unaligned slices', () => {
    const { fd } = openZeroFile('res.bin', 4 * PAGE_SIZE);
    const map = mapFile(fd, 4 * PAGE_SIZE, true);
    fs.closeSync(fd);
    map.fill(7, 0, 4 * PAGE_SIZE);
    expect(isResident(map)).toBe(true);
    expect(isResident(map.subarray(100, 5000))).toBe(true);
    expect(isResident(map.subarray(PAGE_SIZE + 1, PAGE_SIZE + 2))).toBe(true);
  });

  it('counts exactly the pages an unaligned slice spans', () => {
    const { fd } = openZeroFile('span.bin', 4 * PAGE_SIZE);
    const map = mapFile(fd, 4 * PAGE_SIZE, true);
    fs.closeSync(fd);
    map.fill(1);
    const total = (buf: Buffer) => residentPages(buf).reduce((a, b) => a + b, 0);
    expect(total(map.subarray(PAGE_SIZE - 1, PAGE_SIZE + 1))).toBe(2); // straddles a boundary
    expect(total(map.subarray(PAGE_SIZE + 5, 2 * PAGE_SIZE))).toBe(1);
    expect(total(map.subarray(10, 3 * PAGE_SIZE + 10))).toBe(4);
    expect(total(map.subarray(3 * PAGE_SIZE, 3 * PAGE_SIZE))).toBe(0);
  });

  it('is false when the range includes pages past end of file', () => {
    const { fd } = openZeroFile('short.bin', PAGE_SIZE);
    const map = mapFile(fd, 4 * PAGE_SIZE, true);
    fs.closeSync(fd);
    map[0] = 1; // only the first page exists; the rest must never be touched
    expect(isResident(map.subarray(0, PAGE_SIZE))).toBe(true);
    expect(residentPages(map)).toEqual([3, 1]);
    expect(isResident(map.subarray(10, 2 * PAGE_SIZE))).toBe(false);
  });

  it('rejects a buffer that is not a mapping', () => {
    expect(() => isResident(Buffer.alloc(10))).toThrow(StorageError);
    expect(isMapped(Buffer.alloc(10))).toBe(false);
  });
});

describe('advice and sync on unaligned slices', () => {
  it('does not fail on slices that start mid-page', () => {
    const { fd } = openZeroFile('adv.bin', 2 * PAGE_SIZE);
    const map = mapFile(fd, 2 * PAGE_SIZE, true);
    fs.closeSync(fd);
    const slice = map.subarray(123, PAGE_SIZE + 77);
    expect(() => adviseRandom(slice)).not.toThrow();
    expect(() => adviseWillNeed(slice)).not.toThrow();
    expect(() => syncMapped(slice, false)).not.toThrow();
    expect(() => syncMapped(map.subarray(5, 5), true)).not.toThrow();
  });
});

/** This process's resident file-backed memory, from /proc (Linux). */
function rssFileBytes(): number {
  const line = /RssFile:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return Number(line?.[1] ?? 0) * 1024;
}

describe('releasePages', () => {
  it('drops a read range from the process RSS and keeps its bytes', () => {
    const size = 32 * 1024 * 1024;
    const { fd } = openZeroFile('release.bin', size);
    fs.writeSync(fd, Buffer.from('the bytes stay'), 0, 14, size - 4096);
    const map = mapFile(fd, size, false);
    fs.closeSync(fd);
    let sum = 0;
    for (let i = 0; i < size; i += PAGE_SIZE) sum += map[i]!;
    expect(sum).toBe('t'.charCodeAt(0)); // every page touched: the text's page holds the only non-zero
    const before = rssFileBytes();
    // An unaligned slice: its first page goes too, its last (partly covered) page stays.
    releasePages(map.subarray(100, size - 100));
    expect(before - rssFileBytes()).toBeGreaterThan(size / 2);
    expect(map.toString('utf8', size - 4096, size - 4096 + 14)).toBe('the bytes stay');
    expect(isResident(map.subarray(0, size - 4096))).toBe(true); // still in the page cache
  });

  it('ignores buffers that are not mappings and slices within one page', () => {
    expect(() => releasePages(Buffer.alloc(100_000))).not.toThrow();
    const { fd } = openZeroFile('small.bin', 2 * PAGE_SIZE);
    const map = mapFile(fd, 2 * PAGE_SIZE, false);
    fs.closeSync(fd);
    expect(() => releasePages(map.subarray(10, 20))).not.toThrow();
  });
});
