import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EngineError } from '../../../engine/errors.js';
import { LogFile } from '../../../engine/segment/log-file.js';
import { MappingBudget } from '../../../engine/segment/mapping-budget.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';

/** `n` bytes whose values depend on `seed` and the index, so misplaced bytes show. */
function bytes(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (seed * 31 + i * 7) & 0xff;
  return b;
}

describe('LogFile', () => {
  let dir: string;
  let file: string;
  let budget: MappingBudget;
  const open: LogFile[] = [];
  const track = (f: LogFile): LogFile => {
    open.push(f);
    return f;
  };

  beforeEach(() => {
    dir = makeTempDir('kiln-logfile-');
    file = path.join(dir, '00000000000000000000.log');
    budget = new MappingBudget(8);
  });
  afterEach(() => {
    for (const f of open.splice(0)) {
      try {
        f.close();
      } catch {
        // already closed or deleted
      }
    }
    removeTempDir(dir);
  });

  it('create makes an empty file; append returns the start position and moves size', () => {
    const f = track(LogFile.create(file, budget));
    expect(f.size).toBe(0);
    expect(fs.statSync(file).size).toBe(0);
    const a = bytes(100, 1);
    expect(f.append([a])).toBe(0);
    expect(f.size).toBe(100);
    const b = bytes(10, 2);
    const c = bytes(300, 3);
    const d = bytes(1, 4);
    expect(f.append([b, c, d])).toBe(100);
    expect(f.size).toBe(411);
    expect(f.append([])).toBe(411);
    expect(f.size).toBe(411);
    expect(fs.readFileSync(file).equals(Buffer.concat([a, b, c, d]))).toBe(true);
  });

  it('create empties an existing file; open takes the size of an existing one', () => {
    fs.writeFileSync(file, bytes(50, 9));
    const f = LogFile.open(file, budget);
    expect(f.size).toBe(50);
    expect(f.append([bytes(5, 1)])).toBe(50);
    f.close();
    expect(fs.statSync(file).size).toBe(55);
    const g = track(LogFile.create(file, budget));
    expect(g.size).toBe(0);
    expect(fs.statSync(file).size).toBe(0);
  });

  it('open of a missing file is a StorageError', () => {
    expect(() => LogFile.open(path.join(dir, 'missing.log'), budget)).toThrow(
      expect.objectContaining({ code: 'STORAGE_ERROR' }),
    );
  });

  it('readAt and readSync return the written bytes', async () => {
    const f = track(LogFile.create(file, budget));
    const data = bytes(1000, 5);
    f.append([data.subarray(0, 400), data.subarray(400)]);
    expect((await f.readAt(0, 1000)).equals(data)).toBe(true);
    expect((await f.readAt(123, 77)).equals(data.subarray(123, 200))).toBe(true);
    // Past the end: only what is there.
    const tail = await f.readAt(950, 100);
    expect(tail.equals(data.subarray(950))).toBe(true);
    const target = Buffer.alloc(64);
    expect(f.readSync(500, target)).toBe(64);
    expect(target.equals(data.subarray(500, 564))).toBe(true);
    expect(f.readSync(990, target)).toBe(10);
    expect(target.subarray(0, 10).equals(data.subarray(990))).toBe(true);
  });

  it('hotMapping maps the file and registers it with the budget', () => {
    const f = track(LogFile.create(file, budget));
    expect(f.hotMapping(0, 0, 4096)).toBeUndefined();
    const data = bytes(5000, 6);
    f.append([data]);
    const map = f.hotMapping(0, 5000, 4096);
    expect(map).toBeDefined();
    expect(map!.length).toBeGreaterThanOrEqual(5000);
    expect(map!.subarray(0, 5000).equals(fs.readFileSync(file))).toBe(true);
    expect(budget.size).toBe(1);
    // Appends show through a mapping made large enough up front.
    const big = f.hotMapping(0, 0, 1 << 16);
    expect(big).toBe(map);
    f.append([bytes(100, 7)]);
    const again = f.hotMapping(5000, 5100, 1 << 16);
    expect(again!.subarray(5000, 5100).equals(bytes(100, 7))).toBe(true);
  });

  it('truncate of a never-mapped file shrinks it in place', () => {
    const f = track(LogFile.create(file, budget));
    const data = bytes(800, 8);
    f.append([data]);
    const ino = fs.statSync(file).ino;
    f.truncate(300);
    expect(f.size).toBe(300);
    expect(fs.statSync(file).ino).toBe(ino);
    expect(fs.readFileSync(file).equals(data.subarray(0, 300))).toBe(true);
    expect(f.append([bytes(20, 9)])).toBe(300);
    expect(fs.readFileSync(file).equals(Buffer.concat([data.subarray(0, 300), bytes(20, 9)]))).toBe(true);
    f.truncate(1000);
    expect(f.size).toBe(320);
  });

  it('truncate of a mapped file replaces it; an earlier slice keeps its old bytes', () => {
    const f = track(LogFile.create(file, budget));
    const data = bytes(6000, 10);
    f.append([data]);
    const map = f.hotMapping(0, 6000, 8192)!;
    const slice = map.subarray(1000, 6000);
    const ino = fs.statSync(file).ino;
    f.truncate(1000);
    expect(f.size).toBe(1000);
    expect(fs.statSync(file).ino).not.toBe(ino);
    expect(fs.statSync(file).size).toBe(1000);
    expect(fs.existsSync(`${file}.truncating`)).toBe(false);
    expect(budget.size).toBe(0);
    expect(slice.equals(data.subarray(1000, 6000))).toBe(true);
    // The file goes on from the new end, and maps again with the new bytes.
    const more = bytes(500, 11);
    expect(f.append([more])).toBe(1000);
    expect(fs.readFileSync(file).equals(Buffer.concat([data.subarray(0, 1000), more]))).toBe(true);
    const remap = f.hotMapping(0, 1500, 4096)!;
    expect(remap.subarray(1000, 1500).equals(more)).toBe(true);
    expect(slice.equals(data.subarray(1000, 6000))).toBe(true);
  });

  it('a file mapped before a close and reopen is still replaced, not cut in place', () => {
    const f = LogFile.create(file, budget);
    const data = bytes(4000, 20);
    f.append([data]);
    const slice = f.hotMapping(0, 4000, 4096)!.subarray(0, 4000);
    f.close();
    const g = track(LogFile.open(file, budget));
    const ino = fs.statSync(file).ino;
    g.truncate(100);
    expect(fs.statSync(file).ino).not.toBe(ino);
    expect(fs.statSync(file).size).toBe(100);
    expect(slice.equals(data)).toBe(true);
  });

  it('rollback cuts in place even when mapped', () => {
    const f = track(LogFile.create(file, budget));
    f.append([bytes(1000, 21)]);
    f.hotMapping(0, 1000, 4096);
    const ino = fs.statSync(file).ino;
    f.append([bytes(300, 22)]);
    f.rollback(1000);
    expect(f.size).toBe(1000);
    expect(fs.statSync(file).ino).toBe(ino);
    expect(fs.readFileSync(file).equals(bytes(1000, 21))).toBe(true);
  });

  it('readAt after close is LOG_CLOSED', async () => {
    const f = LogFile.create(file, budget);
    f.append([bytes(10, 23)]);
    f.close();
    await expect(f.readAt(0, 10)).rejects.toMatchObject({ code: 'LOG_CLOSED' });
  });

  it('close cuts bytes written past the logical size', () => {
    const f = LogFile.create(file, budget);
    f.append([bytes(200, 12)]);
    fs.appendFileSync(file, bytes(77, 13)); // as a failed, partial write would leave them
    expect(fs.statSync(file).size).toBe(277);
    f.close();
    expect(fs.statSync(file).size).toBe(200);
    expect(fs.readFileSync(file).equals(bytes(200, 12))).toBe(true);
    f.close(); // a second close is harmless
  });

  it('close of a mapped file also cuts the excess', () => {
    const f = LogFile.create(file, budget);
    f.append([bytes(200, 14)]);
    const map = f.hotMapping(0, 200, 4096)!;
    fs.appendFileSync(file, bytes(50, 15));
    f.close();
    expect(fs.statSync(file).size).toBe(200);
    expect(map.subarray(0, 200).equals(bytes(200, 14))).toBe(true);
    expect(budget.size).toBe(0);
  });

  it('delete removes the file while a mapped slice stays readable', () => {
    const f = LogFile.create(file, budget);
    const data = bytes(3000, 16);
    f.append([data]);
    const slice = f.hotMapping(0, 3000, 4096)!.subarray(0, 3000);
    expect(budget.size).toBe(1);
    f.delete();
    expect(fs.existsSync(file)).toBe(false);
    expect(budget.size).toBe(0);
    expect(slice.equals(data)).toBe(true);
  });

  it('a write to a full disk throws DISK_FULL and leaves the size unchanged', () => {
    const link = path.join(dir, 'full.log');
    fs.symlinkSync('/dev/full', link);
    const f = track(LogFile.create(link, budget));
    for (const chunks of [[bytes(100, 1)], [bytes(10, 2), bytes(20, 3)]]) {
      let caught: unknown;
      try {
        f.append(chunks);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(EngineError);
      expect((caught as EngineError).code).toBe('DISK_FULL');
      expect(f.size).toBe(0);
    }
  });
});
