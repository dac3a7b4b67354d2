/**
 * Reusable buffers for frames that span socket chunks (large Produce requests, above all).
 *
 * Every such frame is assembled once into a buffer of its own. Allocating a fresh megabyte for
 * each one makes V8 count it as external memory and run a full mark-compact every few dozen
 * megabytes produced; taking the buffers from a small pool and giving them back once the request
 * is done keeps the produce path free of that churn.
 *
 * The same goes for the 16 KiB requests of producers with default batch sizes: every buffer above
 * Node's 4 KiB slab limit is an ArrayBuffer of its own, and thousands a second kept the old
 * generation's collector running. Buffers come in power-of-two sizes from 4 KiB up to
 * `maxPooledBytes`, up to 2 MiB of each size (and at least 4) is kept; larger frames are allocated
 * and left to the garbage collector. A buffer may be given back only when nothing holds
 * a view of it any more — the connection does so for Produce, whose records the engine has copied
 * into the log by the time the request is answered.
 */
/** The smallest frame worth pooling: below it, Buffer.allocUnsafe carves Node's shared slab. */
export const MIN_POOLED = 4 * 1024;
/** Bytes kept per size class when maxPerSize is not given. */
const BYTES_PER_SIZE = 2 * 1024 * 1024;

export class FramePool {
  private readonly free = new Map<number, Buffer[]>();
  /** The memory of every buffer in `free`, so one given back twice is kept once. */
  private readonly pooled = new Set<ArrayBufferLike>();
  private readonly maxPerSize: number | undefined;
  private readonly maxPooledBytes: number;

  constructor(options: { maxPerSize?: number; maxPooledBytes?: number } = {}) {
    this.maxPerSize = options.maxPerSize;
    this.maxPooledBytes = options.maxPooledBytes ?? 16 * 1024 * 1024;
  }

  /** A buffer of exactly `size` bytes (a view of a pooled buffer when the size is pooled). */
  take(size: number): Buffer {
    const capacity = capacityFor(size);
    if (capacity > this.maxPooledBytes) return Buffer.allocUnsafe(size);
    const reused = this.free.get(capacity)?.pop();
    if (reused) this.pooled.delete(reused.buffer);
    return (reused ?? Buffer.allocUnsafeSlow(capacity)).subarray(0, size);
  }

  /** Gives back a buffer that `take` returned; nothing may use it afterwards. */
  give(view: Buffer): void {
    const memory = view.buffer;
    const capacity = memory.byteLength;
    if (view.byteOffset !== 0 || capacity < MIN_POOLED || capacity > this.maxPooledBytes) return;
    if ((capacity & (capacity - 1)) !== 0) return;
    let list = this.free.get(capacity);
    if (!list) this.free.set(capacity, (list = []));
    const limit = this.maxPerSize ?? Math.max(4, BYTES_PER_SIZE / capacity);
    if (list.length < limit && !this.pooled.has(memory)) {
      list.push(Buffer.from(memory, 0, capacity));
      this.pooled.add(memory);
    }
  }

  /** Buffers waiting to be reused (for tests). */
  get pooledCount(): number {
    let count = 0;
    for (const list of this.free.values()) count += list.length;
    return count;
  }
}

function capacityFor(size: number): number {
  let capacity = MIN_POOLED;
  while (capacity < size) capacity *= 2;
  return capacity;
}
