// Sent fetch responses' pages leave the process in chunks: one madvise per RELEASE_CHUNK_BYTES
// read, not one per response (a leader serving followers spent ~30% of its CPU on those).
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { extendWithZeros, mapFile, PAGE_SIZE } from '../../../engine/segment/mapped-file.js';
import { RELEASE_CHUNK_BYTES, releaseSentPages } from '../../../engine/segment/sent-pages.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';

let dir: string;
beforeEach(() => {
  dir = makeTempDir();
});
afterEach(() => {
  removeTempDir(dir);
});

/** This process's resident file-backed memory, from /proc (Linux). */
function rssFileBytes(): number {
  const line = /RssFile:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return Number(line?.[1] ?? 0) * 1024;
}

/** A mapped file of `size` zero bytes with every page touched (so each is in the process's RSS). */
function touchedMapping(size: number): Buffer {
  const file = path.join(dir, 'sent.bin');
  const fd = fs.openSync(file, 'w+');
  extendWithZeros(fd, 0, size, file);
  const map = mapFile(fd, size, false);
  fs.closeSync(fd);
  let sum = 0;
  for (let i = 0; i < size; i += PAGE_SIZE) sum += map[i]!;
  expect(sum).toBe(0);
  return map;
}

describe('releaseSentPages', () => {
  it('keeps small sent slices mapped until together they span a chunk, then releases them at once', () => {
    const slice = 64 * 1024;
    const slices = RELEASE_CHUNK_BYTES / slice;
    const map = touchedMapping(4 * RELEASE_CHUNK_BYTES);
    const before = rssFileBytes();
    // A reader along the tail: each response starts where the last one ended.
    for (let i = 0; i < slices - 1; i++) releaseSentPages(map.subarray(i * slice, (i + 1) * slice));
    expect(before - rssFileBytes()).toBeLessThan(RELEASE_CHUNK_BYTES / 4);
    releaseSentPages(map.subarray((slices - 1) * slice, slices * slice));
    expect(before - rssFileBytes()).toBeGreaterThanOrEqual(RELEASE_CHUNK_BYTES - 2 * PAGE_SIZE);
    expect(map[RELEASE_CHUNK_BYTES / 2]).toBe(0); // the bytes are the file's, read back
  });

  it('releases a response of a chunk or more at once, and ignores heap buffers', () => {
    const map = touchedMapping(4 * RELEASE_CHUNK_BYTES);
    const before = rssFileBytes();
    releaseSentPages(map.subarray(0, 2 * RELEASE_CHUNK_BYTES));
    expect(before - rssFileBytes()).toBeGreaterThanOrEqual(2 * RELEASE_CHUNK_BYTES - 2 * PAGE_SIZE);
    expect(() => releaseSentPages(Buffer.alloc(2 * RELEASE_CHUNK_BYTES))).not.toThrow();
  });

  it('readers far apart do not make one range of everything between them (each pair of responses released hundreds of MB)', () => {
    const map = touchedMapping(8 * RELEASE_CHUNK_BYTES);
    const before = rssFileBytes();
    const slice = 64 * 1024;
    const far = 6 * RELEASE_CHUNK_BYTES;
    for (let i = 0; i < 8; i++) {
      releaseSentPages(map.subarray(i * slice, (i + 1) * slice)); // a follower at one place
      releaseSentPages(map.subarray(far + i * slice, far + (i + 1) * slice)); // a consumer at another
    }
    expect(before - rssFileBytes()).toBeLessThan(RELEASE_CHUNK_BYTES);
  });
});
