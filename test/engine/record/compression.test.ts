import { afterAll, describe, expect, it } from 'vitest';
import { compressSync as snappyRaw } from 'snappy';
import { CompressStream } from 'zstd-napi';
import { CorruptRecordError, UnknownCodecError } from '../../../engine/errors.js';
import {
  POOL_THRESHOLD_BYTES,
  compress,
  compressSync,
  decompress,
  decompressSync,
} from '../../../engine/record/compression.js';
import { Codec } from '../../../engine/record/record-batch.js';
import { destroyWorkerPools, workerThreadCount } from '../../../engine/workers/worker-pool.js';

const CODECS = [Codec.Gzip, Codec.Snappy, Codec.Lz4, Codec.Zstd];

/** Deterministic, partly compressible bytes (a compressor must not shrink them to nothing). */
function payload(size: number, seed = 1): Buffer {
  const buf = Buffer.alloc(size);
  let x = seed * 2_654_435_761 || 1;
  for (let i = 0; i < size; i++) {
    // xorshift32 noise on every other byte keeps the payload about half incompressible.
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    buf[i] = i % 2 === 0 ? x & 0xff : 0x61 + (i % 17);
  }
  return buf;
}

function xerialHeader(): Buffer {
  const header = Buffer.alloc(16);
  Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]).copy(header, 0);
  header.writeInt32BE(1, 8);
  header.writeInt32BE(1, 12);
  return header;
}

function xerialBlock(raw: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeInt32BE(raw.length, 0);
  return Buffer.concat([length, raw]);
}

/** Buffer equality without vitest's element-wise diffing, which is slow on megabytes. */
function expectSameBytes(actual: Buffer, expected: Buffer): void {
  expect(actual.length).toBe(expected.length);
  expect(actual.equals(expected)).toBe(true);
}

async function zstdWithoutContentSize(data: Buffer): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const stream = new CompressStream();
  stream.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise((resolve) => stream.on('end', resolve));
  stream.end(data);
  await done;
  return Buffer.concat(chunks);
}

afterAll(async () => {
  await destroyWorkerPools();
});

describe('sync codecs', () => {
  for (const codec of CODECS) {
    it(`${Codec[codec]} round-trips empty, small and 300 KiB payloads`, () => {
      for (const data of [Buffer.alloc(0), Buffer.from('hello hello hello kafka'), payload(300 * 1024)]) {
        const compressed = compressSync(codec, data);
        expectSameBytes(decompressSync(codec, compressed), data);
      }
      // It really compresses: repetitive text shrinks.
      expect(compressSync(codec, Buffer.from('kafka '.repeat(10_000))).length).toBeLessThan(6000);
    });
  }

  it('None passes bytes through', () => {
    const data = Buffer.from('plain');
    expect(compressSync(Codec.None, data)).toBe(data);
    expect(decompressSync(Codec.None, data)).toBe(data);
  });

  it('lz4 writes the LZ4 frame format', () => {
    const out = compressSync(Codec.Lz4, Buffer.from('frame me'));
    expect(out.readUInt32LE(0)).toBe(0x184d2204);
  });

  it('snappy writes xerial framing in 32 KiB blocks', () => {
    const data = payload(100 * 1024);
    const out = compressSync(Codec.Snappy, data);
    expect(out.subarray(0, 16)).toEqual(xerialHeader());
    let pos = 16;
    let blocks = 0;
    while (pos < out.length) {
      pos += 4 + out.readInt32BE(pos);
      blocks++;
    }
    expect(pos).toBe(out.length);
    expect(blocks).toBe(4);
  });

  it('snappy reads a hand-framed xerial buffer of several blocks', () => {
    const parts = [Buffer.from('first block, '), Buffer.from('second block, '), payload(5000)];
    const framed = Buffer.concat([xerialHeader(), ...parts.map((p) => xerialBlock(snappyRaw(p)))]);
    expectSameBytes(decompressSync(Codec.Snappy, framed), Buffer.concat(parts));
  });

  it('snappy reads a raw block (as librdkafka writes it)', () => {
    const data = payload(10_000);
    expectSameBytes(decompressSync(Codec.Snappy, snappyRaw(data)), data);
  });

  it('zstd reads frames without a content size, and several frames back to back', async () => {
    const a = payload(200_000, 7);
    const b = Buffer.from('second frame');
    const frameA = await zstdWithoutContentSize(a);
    expectSameBytes(decompressSync(Codec.Zstd, frameA), a);
    const two = Buffer.concat([frameA, compressSync(Codec.Zstd, b)]);
    expectSameBytes(decompressSync(Codec.Zstd, two), Buffer.concat([a, b]));
  });

  it('zstd rejects a truncated size-less frame instead of returning partial output', async () => {
    const frame = await zstdWithoutContentSize(payload(50_000));
    expect(() => decompressSync(Codec.Zstd, frame.subarray(0, frame.length - 3))).toThrow(CorruptRecordError);
    // The shared context is reset: a good frame still decodes afterwards.
    expectSameBytes(decompressSync(Codec.Zstd, frame), payload(50_000));
  });

  for (const codec of CODECS) {
    it(`${Codec[codec]} turns garbage and truncated input into CorruptRecordError`, () => {
      const garbage = Buffer.from('this is not compressed data at all, not even close!');
      expect(() => decompressSync(codec, garbage)).toThrow(CorruptRecordError);
      expect(() => decompressSync(codec, Buffer.alloc(0))).toThrow(CorruptRecordError);
      const good = compressSync(codec, payload(20_000));
      for (const cut of [1, 4, 7, 100]) {
        expect(() => decompressSync(codec, good.subarray(0, good.length - cut)), `cut ${cut}`).toThrow(
          CorruptRecordError,
        );
      }
    });
  }

  it('xerial framing with a block length past the end is corrupt', () => {
    const framed = Buffer.concat([xerialHeader(), xerialBlock(snappyRaw(Buffer.from('abc')))]);
    framed.writeInt32BE(1000, 16);
    expect(() => decompressSync(Codec.Snappy, framed)).toThrow(/overruns/);
    expect(() => decompressSync(Codec.Snappy, framed.subarray(0, 18))).toThrow(CorruptRecordError);
  });

  it('unknown codecs throw UnknownCodecError', () => {
    expect(() => compressSync(5 as Codec, Buffer.from('x'))).toThrow(UnknownCodecError);
    expect(() => decompressSync(7 as Codec, Buffer.from('x'))).toThrow(UnknownCodecError);
  });
});

describe('async codecs', () => {
  it('small payloads stay on the calling thread', async () => {
    await destroyWorkerPools();
    const data = Buffer.from('small');
    for (const codec of CODECS) {
      expect(await decompress(codec, await compress(codec, data))).toEqual(data);
    }
    expect(workerThreadCount()).toBe(0);
  });

  for (const codec of CODECS) {
    it(`${Codec[codec]} round-trips a 1.5 MiB payload through the worker pool`, async () => {
      const data = payload(1536 * 1024, codec);
      const compressed = await compress(codec, data);
      expect(compressed.length).toBeGreaterThanOrEqual(POOL_THRESHOLD_BYTES);
      expectSameBytes(compressed, compressSync(codec, data));
      expect(workerThreadCount()).toBeGreaterThan(0);
      expectSameBytes(await decompress(codec, compressed), data);
      // The caller's buffer was copied for the worker, not transferred away.
      expect(data.length).toBe(1536 * 1024);
    });
  }

  it('corrupt input decoded in a worker is still a CorruptRecordError', async () => {
    const garbage = payload(POOL_THRESHOLD_BYTES * 2);
    for (const codec of CODECS) {
      await expect(decompress(codec, garbage)).rejects.toBeInstanceOf(CorruptRecordError);
    }
    await expect(decompress(6 as Codec, garbage)).rejects.toBeInstanceOf(UnknownCodecError);
  });
});
