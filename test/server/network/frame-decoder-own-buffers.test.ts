// The decoder's read-into-own-buffers path (readBuffer/didRead), fed the way net's `onread` does:
// a read fills a prefix of whatever buffer readBuffer() handed out.
import { describe, expect, it } from 'vitest';
import { FrameDecoder } from '../../../server/network/frame-decoder.js';
import { FramePool } from '../../../server/network/frame-pool.js';
import { seededRandom } from '../../helpers/seeded-random.js';

function frame(size: number, seed: number): Buffer {
  const out = Buffer.alloc(4 + size);
  out.writeInt32BE(size, 0);
  for (let i = 0; i < size; i++) out[4 + i] = (seed * 31 + i) & 0xff;
  return out;
}

/** Streams `stream` through readBuffer/didRead with reads of at most `readSize(i)` bytes. */
function decodeByReads(
  stream: Buffer,
  readSize: (i: number) => number,
  pool?: FramePool,
): { frames: Buffer[]; pooled: boolean[]; reads: Buffer[] } {
  const decoder = new FrameDecoder(64 << 20, pool);
  const frames: Buffer[] = [];
  const pooled: boolean[] = [];
  const reads: Buffer[] = [];
  let pos = 0;
  for (let i = 0; pos < stream.length; i++) {
    const into = decoder.readBuffer();
    reads.push(into);
    const n = Math.min(into.length, readSize(i), stream.length - pos);
    stream.copy(into, 0, pos, pos + n);
    pos += n;
    decoder.didRead(n, (f, p) => {
      // Copied now: a frame must stay intact after later reads reuse the scratch buffer.
      frames.push(f);
      pooled.push(p);
    });
  }
  return { frames, pooled, reads };
}

describe('FrameDecoder reading into its own buffers', () => {
  it('gives the same frames as push() for random frame and read sizes, none overwritten by later reads', () => {
    const random = seededRandom(7);
    const sizes = Array.from({ length: 300 }, () =>
      random() < 0.2 ? Math.floor(random() * 3_000_000) : Math.floor(random() * 5000),
    );
    const framed = sizes.map((size, i) => frame(size, i));
    for (const maxRead of [1, 7, 4096, 65536, 1 << 20]) {
      // Byte-sized reads only over the small frames at the start, or the test takes minutes.
      const used = maxRead < 4096 ? framed.slice(0, 40).filter((f) => f.length < 10_000) : framed;
      const { frames } = decodeByReads(Buffer.concat(used), () =>
        Math.max(1, Math.floor(random() * maxRead)),
      );
      expect(frames.length, `reads of up to ${maxRead}`).toBe(used.length);
      frames.forEach((f, i) =>
        expect(f.equals(used[i]!.subarray(4)), `frame ${i}, reads ≤ ${maxRead}`).toBe(true),
      );
    }
  });

  it('reads the rest of a large frame straight into that frame’s buffer', () => {
    const big = frame(1_000_000, 3);
    const { frames, reads } = decodeByReads(big, () => 65536);
    expect(frames).toHaveLength(1);
    expect(frames[0]!.equals(big.subarray(4))).toBe(true);
    // After the first read (into scratch), every read targets the frame itself.
    const direct = reads.slice(1).filter((r) => r.buffer === frames[0]!.buffer);
    expect(direct.length).toBe(reads.length - 1);
  });

  it('takes large frames from the pool and flags them as pooled', () => {
    const pool = new FramePool();
    const stream = Buffer.concat([frame(100, 1), frame(200_000, 2), frame(50, 3)]);
    const { frames, pooled } = decodeByReads(stream, () => 65536, pool);
    expect(frames.map((f) => f.length)).toEqual([100, 200_000, 50]);
    expect(pooled).toEqual([false, true, false]);
    pool.give(frames[1]!);
    expect(pool.pooledCount).toBe(1);
    // The next frame of that size class reuses the same memory.
    const again = decodeByReads(frame(150_000, 4), () => 65536, pool);
    expect(again.frames[0]!.buffer).toBe(frames[1]!.buffer);
    expect(again.frames[0]!.equals(frame(150_000, 4).subarray(4))).toBe(true);
  });
});

describe('FramePool', () => {
  it('keeps a bounded number of buffers per size and ignores views it did not hand out', () => {
    const pool = new FramePool({ maxPerSize: 2 });
    const taken = [pool.take(70_000), pool.take(70_000), pool.take(70_000)];
    for (const b of taken) pool.give(b);
    expect(pool.pooledCount).toBe(2);
    pool.give(Buffer.alloc(100_000).subarray(10));
    pool.give(Buffer.alloc(100));
    expect(pool.pooledCount).toBe(2);
    // Giving the same buffer twice keeps one copy, so it cannot be handed out twice.
    const pool2 = new FramePool();
    const one = pool2.take(70_000);
    pool2.give(one);
    pool2.give(one);
    expect(pool2.pooledCount).toBe(1);
  });

  it('producers with 16 KiB batches get pooled frame buffers too, many of them', () => {
    // Each one allocated afresh was an ArrayBuffer of its own: thousands a second kept the old
    // generation's collector busy.
    const pool = new FramePool();
    const stream = Buffer.concat([frame(5000, 1), frame(16_500, 2), frame(3000, 3)]);
    const { frames, pooled } = decodeByReads(stream, () => 65536, pool);
    expect(pooled).toEqual([true, true, false]);
    const many = Array.from({ length: 40 }, () => pool.take(16_500));
    for (const b of many) pool.give(b);
    expect(pool.pooledCount).toBe(40);
    const again = decodeByReads(frame(16_400, 4), () => 65536, pool);
    expect(many.some((b) => b.buffer === again.frames[0]!.buffer)).toBe(true);
    expect(frames[1]!.equals(frame(16_500, 2).subarray(4))).toBe(true);
  });
});
