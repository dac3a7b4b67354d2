import { describe, expect, it } from 'vitest';
import { FrameDecoder, FrameTooLargeError } from '../../../server/network/frame-decoder.js';

/** A size-prefixed frame whose body is `size` bytes counting up from `seed`. */
function frame(size: number, seed = 0): Buffer {
  const out = Buffer.alloc(4 + size);
  out.writeInt32BE(size, 0);
  for (let i = 0; i < size; i++) out[4 + i] = (seed + i) & 0xff;
  return out;
}

function body(framed: Buffer): Buffer {
  return framed.subarray(4);
}

/** Whether two buffers are views of overlapping bytes of one ArrayBuffer. */
function sharesMemory(a: Buffer, b: Buffer): boolean {
  return (
    a.buffer === b.buffer && a.byteOffset < b.byteOffset + b.length && b.byteOffset < a.byteOffset + a.length
  );
}

/** Feeds `chunks` to a fresh decoder; returns every frame it handed out. */
function decode(chunks: Buffer[], limit = 1 << 20): Buffer[] {
  const decoder = new FrameDecoder(limit);
  const frames: Buffer[] = [];
  for (const chunk of chunks) decoder.push(chunk, (f) => frames.push(f));
  return frames;
}

describe('FrameDecoder', () => {
  it('reassembles a stream split at every byte position, the size prefix included', () => {
    const stream = Buffer.concat([frame(7, 1), frame(0), frame(3, 50), frame(1, 9)]);
    const expected = [frame(7, 1), frame(0), frame(3, 50), frame(1, 9)].map(body);
    for (let cut = 0; cut <= stream.length; cut++) {
      const frames = decode([stream.subarray(0, cut), stream.subarray(cut)]);
      expect(frames, `cut at ${cut}`).toEqual(expected);
    }
  });

  it('reassembles a stream split at every pair of positions (three chunks)', () => {
    const stream = Buffer.concat([frame(5, 3), frame(6, 7)]);
    const expected = [frame(5, 3), frame(6, 7)].map(body);
    for (let a = 0; a <= stream.length; a++) {
      for (let b = a; b <= stream.length; b++) {
        const frames = decode([stream.subarray(0, a), stream.subarray(a, b), stream.subarray(b)]);
        expect(frames, `cuts at ${a}, ${b}`).toEqual(expected);
      }
    }
  });

  it('reassembles a stream fed one byte at a time', () => {
    const frames = [frame(10, 1), frame(0), frame(0), frame(300, 2)];
    const stream = Buffer.concat(frames);
    const chunks = [...stream].map((byte) => Buffer.from([byte]));
    expect(decode(chunks)).toEqual(frames.map(body));
  });

  it('hands out many frames from one chunk, in order', () => {
    const frames = Array.from({ length: 500 }, (_, i) => frame(i % 37, i));
    expect(decode([Buffer.concat(frames)])).toEqual(frames.map(body));
  });

  it('hands out zero-length frames, alone or between others', () => {
    expect(decode([frame(0)])).toEqual([Buffer.alloc(0)]);
    expect(decode([Buffer.concat([frame(0), frame(0), frame(2), frame(0)])])).toEqual([
      Buffer.alloc(0),
      Buffer.alloc(0),
      body(frame(2)),
      Buffer.alloc(0),
    ]);
    // A zero size prefix split across chunks.
    expect(decode([Buffer.from([0, 0]), Buffer.from([0, 0])])).toEqual([Buffer.alloc(0)]);
  });

  it('accepts a frame exactly at the limit and refuses one byte over', () => {
    expect(decode([frame(100)], 100)).toEqual([body(frame(100))]);
    expect(() => decode([frame(101)], 100)).toThrow(FrameTooLargeError);
    // Also when the size prefix arrives in pieces.
    const over = frame(101);
    expect(() => decode([over.subarray(0, 2), over.subarray(2, 3), over.subarray(3)], 100)).toThrow(
      FrameTooLargeError,
    );
    // The limit is checked on the size alone, before the body arrives.
    expect(() => decode([over.subarray(0, 4)], 100)).toThrow(FrameTooLargeError);
  });

  it('reports the size and the limit', () => {
    try {
      decode([frame(101)], 100);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(FrameTooLargeError);
      expect((err as FrameTooLargeError).size).toBe(101);
      expect((err as FrameTooLargeError).limit).toBe(100);
    }
  });

  it('refuses negative sizes, whole or split', () => {
    for (const size of [-1, -2, -0x80000000]) {
      const prefix = Buffer.alloc(4);
      prefix.writeInt32BE(size, 0);
      expect(() => decode([Buffer.concat([prefix, Buffer.alloc(8)])])).toThrow(FrameTooLargeError);
      expect(() => decode([prefix.subarray(0, 1), prefix.subarray(1)])).toThrow(FrameTooLargeError);
    }
    // A bad size after good frames: the good ones are handed out first.
    const decoder = new FrameDecoder(1000);
    const frames: Buffer[] = [];
    const bad = Buffer.from([0xff, 0xff, 0xff, 0xff]);
    expect(() => decoder.push(Buffer.concat([frame(3), bad]), (f) => frames.push(f))).toThrow(
      FrameTooLargeError,
    );
    expect(frames).toEqual([body(frame(3))]);
  });

  it('hands out frames inside one chunk as subarrays, and frames spanning chunks as copies', () => {
    const chunk = Buffer.concat([frame(8, 1), frame(9, 2), frame(10, 3).subarray(0, 6)]);
    const rest = frame(10, 3).subarray(6);
    const decoder = new FrameDecoder(1000);
    const frames: Buffer[] = [];
    decoder.push(chunk, (f) => frames.push(f));
    decoder.push(rest, (f) => frames.push(f));
    expect(frames).toEqual([body(frame(8, 1)), body(frame(9, 2)), body(frame(10, 3))]);
    // Subarrays of the chunk: same memory.
    expect(frames[0]!.buffer).toBe(chunk.buffer);
    expect(frames[0]!.byteOffset).toBe(chunk.byteOffset + 4);
    expect(frames[1]!.buffer).toBe(chunk.buffer);
    expect(frames[1]!.byteOffset).toBe(chunk.byteOffset + 12 + 4);
    // The spanning frame is a buffer of its own (small buffers may share Node's pool, so compare
    // the memory ranges, not just the ArrayBuffers).
    expect(sharesMemory(frames[2]!, chunk)).toBe(false);
    expect(sharesMemory(frames[2]!, rest)).toBe(false);
    // Writing into the chunk shows through a subarray, not through the copy.
    chunk[4] = 0xee;
    expect(frames[0]![0]).toBe(0xee);
    rest[rest.length - 1] = 0xee;
    expect(frames[2]![9]).toBe((3 + 9) & 0xff);
  });

  it('keeps decoding after a frame whose size prefix was split', () => {
    const stream = Buffer.concat([frame(4, 1), frame(4, 2)]);
    const decoder = new FrameDecoder(1000);
    const frames: Buffer[] = [];
    decoder.push(stream.subarray(0, 2), (f) => frames.push(f));
    decoder.push(stream.subarray(2, 8 + 2), (f) => frames.push(f));
    decoder.push(stream.subarray(10), (f) => frames.push(f));
    expect(frames).toEqual([body(frame(4, 1)), body(frame(4, 2))]);
  });
});
