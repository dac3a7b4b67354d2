import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';
import { CorruptRecordError } from '../../../engine/errors.js';
import { compressSync } from '../../../engine/record/compression.js';
import { Codec } from '../../../engine/record/record-batch.js';
import {
  MAX_POOL_THREADS,
  destroyWorkerPools,
  onWorkerPoolError,
  poolThreads,
  transferableBytes,
  workerThreadCount,
} from '../../../engine/workers/worker-pool.js';
import { codecPool, runCodecTask } from '../../../engine/record/codec-pool.js';

afterAll(async () => {
  await destroyWorkerPools();
});

describe('worker pool', () => {
  it('sizes pools between 1 and MAX_POOL_THREADS', () => {
    expect(poolThreads()).toBeGreaterThanOrEqual(1);
    expect(poolThreads()).toBeLessThanOrEqual(MAX_POOL_THREADS);
  });

  it('runs codec tasks in worker threads loaded from source', async () => {
    const data = Buffer.from('run me in a worker '.repeat(1000));
    const compressed = await runCodecTask('compress', Codec.Zstd, data);
    expect(compressed.equals(compressSync(Codec.Zstd, data))).toBe(true);
    expect((await runCodecTask('decompress', Codec.Zstd, compressed)).equals(data)).toBe(true);
    expect(workerThreadCount()).toBeGreaterThan(0);
    expect(workerThreadCount()).toBeLessThanOrEqual(poolThreads());
  });

  it('runs many tasks at once and keeps their results apart', async () => {
    const inputs = Array.from({ length: 24 }, (_, i) => Buffer.from(`payload ${i} `.repeat(500 + i)));
    const codecs = [Codec.Gzip, Codec.Snappy, Codec.Lz4, Codec.Zstd];
    const results = await Promise.all(
      inputs.map(async (input, i) => {
        const codec = codecs[i % codecs.length]!;
        return runCodecTask('decompress', codec, await runCodecTask('compress', codec, input));
      }),
    );
    results.forEach((out, i) => expect(out.equals(inputs[i]!), `task ${i}`).toBe(true));
  });

  it("leaves the caller's buffers intact: pooled small Buffers and subarrays are copied, not detached", async () => {
    const small = Buffer.from('tiny pooled buffer');
    const neighbour = Buffer.from('shares the 8 KiB slab');
    expect(small.buffer).toBe(neighbour.buffer);
    await runCodecTask('compress', Codec.Lz4, small);
    expect(small.toString()).toBe('tiny pooled buffer');
    expect(neighbour.toString()).toBe('shares the 8 KiB slab');

    const big = Buffer.alloc(200_000, 0x61);
    const slice = big.subarray(1000, 2000);
    await runCodecTask('compress', Codec.Gzip, slice);
    expect(big.byteLength).toBe(200_000);
    expect(slice.byteLength).toBe(1000);
  });

  it('rebuilds typed errors thrown in the worker', async () => {
    await expect(runCodecTask('decompress', Codec.Lz4, Buffer.from('not lz4 at all'))).rejects.toBeInstanceOf(
      CorruptRecordError,
    );
  });

  it('destroyWorkerPools stops every thread, and pools come back on demand', async () => {
    await runCodecTask('compress', Codec.Gzip, Buffer.from('warm up'));
    expect(workerThreadCount()).toBeGreaterThan(0);
    await destroyWorkerPools();
    expect(workerThreadCount()).toBe(0);
    await destroyWorkerPools(); // idempotent
    const out = await runCodecTask('compress', Codec.Gzip, Buffer.from('again'));
    expect(out.length).toBeGreaterThan(0);
    await destroyWorkerPools();
    expect(workerThreadCount()).toBe(0);
  });
});

describe('transferableBytes', () => {
  it('copies exactly the view, never the whole backing store', () => {
    const big = Buffer.alloc(10_000, 1);
    const view = big.subarray(100, 110);
    const ab = transferableBytes(view);
    expect(ab.byteLength).toBe(10);
    expect(ab).not.toBe(big.buffer);
  });

  it('hands over a whole, owned store without copying', () => {
    const own = new Uint8Array(new ArrayBuffer(16));
    expect(transferableBytes(own, true)).toBe(own.buffer);
    expect(transferableBytes(own, false)).not.toBe(own.buffer);
  });

  it('a worker failing outside any task is reported, not the end of the process', () => {
    const reported: string[] = [];
    onWorkerPoolError((name, err) => reported.push(`${name}: ${err.message}`));
    // What piscina does when a worker dies with no task to reject (an idle worker's uncaught error).
    expect(() => codecPool().emit('error', new Error('worker died'))).not.toThrow();
    expect(reported).toEqual(['codec-worker: worker died']);
  });

  it('a compiled worker starts when the process runs with flags a worker cannot be given (node --trace-gc stopped every replica fetch)', async () => {
    const dir = makeTempDir('kiln-pool-flags-');
    try {
      fs.writeFileSync(path.join(dir, 'double-worker.js'), 'export default (n) => n * 2;\n');
      const pool = pathToFileURL(path.resolve('engine/workers/worker-pool.ts')).href;
      const besides = pathToFileURL(path.join(dir, 'main.js')).href;
      const script = path.join(dir, 'main.mjs');
      fs.writeFileSync(
        script,
        `import { getWorkerPool, destroyWorkerPools } from ${JSON.stringify(pool)};\n` +
          `console.log('answer', await getWorkerPool('double-worker', ${JSON.stringify(besides)}).run(21));\n` +
          'await destroyWorkerPools();\n',
      );
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['--trace-gc', '--title=kiln-flags', '--import', 'tsx', script],
        { timeout: 30_000 },
      );
      expect(stdout).toContain('answer 42');
    } finally {
      removeTempDir(dir);
    }
  });
});
