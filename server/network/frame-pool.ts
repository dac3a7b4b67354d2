/**
 * Reusable buffers for frames that span socket chunks (large Produce requests, above all).
 *
 * Every such frame is assembled once into a buffer of its own. Allocating a fresh megabyte for
 * each one makes V8 count it as external memory and run a full mark-compact every few dozen
 * megabytes produced; taking the buffers from a small pool and giving them back once the request
 * is done keeps the produce path free of that churn.
 *
 * Buffers come in power-of-two sizes from 64 KiB up to `maxPooledBytes`; larger frames are
 * allocated and left to the garbage collector. A buffer may be given back only when nothing holds
 * a view of it any more — the connection does so for Produce, whose records the engine has copied
 * into the log by the time the request is answered.
 */
const MIN_POOLED = 64 * 1024;

export class FramePool {
  private readonly free = new Map<number, Buffer[]>();
  private readonly maxPerSize: number;
  private readonly maxPooledBytes: number;

  constructor(options: { maxPerSize?: number; maxPooledBytes?: number } = {}) {
    this.maxPerSize = options.maxPerSize ?? 4;
    this.maxPooledBytes = options.maxPooledBytes ?? 16 * 1024 * 1024;
  }

  /** A buffer of exactly `size` bytes (a view of a pooled buffer when the size is pooled). */
  take(size: number): Buffer {
    const capacity = capacityFor(size);
    if (capacity > this.maxPooledBytes) return Buffer.allocUnsafe(size);
    const buffer = this.free.get(capacity)?.pop() ?? Buffer.allocUnsafeSlow(capacity);
    return buffer.subarray(0, size);
  }

  /** Gives back a buffer that `take` returned; nothing may use it afterwards. */
  give(view: Buffer): void {
    const memory = view.buffer;
    const capacity = memory.byteLength;
    if (view.byteOffset !== 0 || capacity < MIN_POOLED || capacity > this.maxPooledBytes) return;
    if ((capacity & (capacity - 1)) !== 0) return;
    let list = this.free.get(capacity);
    if (!list) this.free.set(capacity, (list = []));
    if (list.length < this.maxPerSize && !list.some((b) => b.buffer === memory)) {
      list.push(Buffer.from(memory, 0, capacity));
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
