// The machine-limit measurements, at small sizes: they run, move every byte and clean up.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import {
  bestLimits,
  limitGbPerSec,
  measureDiskWrite,
  measureLoopback,
} from '../../bench/e2e/machine-limits.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

const repoRoot = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));
let dir: string | undefined;

afterEach(() => {
  if (dir) removeTempDir(dir);
  dir = undefined;
});

describe('machine limits', () => {
  it('writes and fdatasyncs a file, then removes it', () => {
    dir = makeTempDir('kiln-limits-');
    const result = measureDiskWrite(dir, 8 * 1024 * 1024 + 5, 1024 * 1024);
    expect(result.bytes).toBe(8 * 1024 * 1024 + 5);
    expect(result.gbPerSec).toBeGreaterThan(0);
    expect(fs.readdirSync(dir)).toEqual([]);
    expect(limitGbPerSec(result)).toBe(result.gbPerSec);
    expect(limitGbPerSec({ error: 'x' })).toBeNull();
  });

  it('sends bytes over loopback to a child process', async () => {
    const result = await measureLoopback(repoRoot, 32e6 + 7);
    expect(result.bytes).toBe(32e6 + 7);
    expect(result.gbPerSec).toBeGreaterThan(0);
  });

  it('takes the best of several measurements', () => {
    const at = (gb: number, when: 'start' | 'end') => ({
      at: when,
      diskWrite: { dir: '/x', bytes: 1, writeBytes: 1, seconds: 1, gbPerSec: gb },
      loopback:
        when === 'end' ? { error: 'refused' } : { bytes: 1, writeBytes: 1, seconds: 1, gbPerSec: gb * 4 },
    });
    expect(bestLimits([at(0.3, 'start'), at(0.5, 'end')])).toMatchObject({
      diskGbPerSec: 0.5,
      loopbackGbPerSec: 1.2,
    });
    expect(bestLimits([])).toMatchObject({ diskGbPerSec: null, loopbackGbPerSec: null });
  });
});
