/**
 * Splits a TCP byte stream into Kafka frames: a 4-byte big-endian size, then that many bytes.
 *
 * Two ways in:
 * - `push(chunk)`, for chunks the socket allocated itself ('data' events): a frame that lies wholly
 *   inside one chunk is handed out as a subarray of it (no copy); a frame that spans chunks is
 *   assembled, once, into a buffer of its own.
 * - `readBuffer()` / `didRead(n)`, for a socket reading into memory we give it (net's `onread`):
 *   while a large frame is being assembled the kernel reads straight into the rest of that frame's
 *   buffer, so its bytes are never copied; otherwise it reads into a reusable scratch buffer
 *   shared by all connections, and the frames found there are copied out, since the next read
 *   overwrites the scratch.
 *
 * Frame buffers come from a FramePool when one is given, and are then flagged as pooled to
 * `onFrame`. A size above the limit (socket.request.max.bytes) or below zero is an error: the
 * connection must be closed.
 *
 * With a MemoryBudget (queued.max.request.bytes), a frame that needs a buffer of its own takes its
 * size from the budget before the buffer is made, and `onFrame` is told how many bytes it holds
 * (to give back when the request is done). When the budget is spent the decoder stops: it keeps
 * the bytes after the size prefix (at most one read) and reports `blocked`; the connection stops
 * reading and calls `retry` when memory comes back.
 */
import { MIN_POOLED, type FramePool } from './frame-pool.js';
import type { MemoryBudget } from './memory-budget.js';

export class FrameTooLargeError extends Error {
  constructor(
    readonly size: number,
    readonly limit: number,
  ) {
    super(`frame of ${size} bytes is larger than socket.request.max.bytes (${limit})`);
  }
}

/**
 * Called for each frame; `pooled` says the frame's buffer came from the decoder's pool,
 * `reservedBytes` how much of the request memory budget it holds (0 for a view of a chunk).
 */
export type OnFrame = (frame: Buffer, pooled: boolean, reservedBytes: number) => void;

/**
 * The reusable read buffer, one for every connection: a read into it is decoded (and its frames
 * copied out) in the same callback, before the event loop runs any other read, so connections
 * never see each other's bytes. 64 KiB, the size of the chunks Node reads by default.
 */
const SCRATCH_BYTES = 64 * 1024;
let sharedScratch: Buffer | undefined;
/** A frame still missing at least this much is read straight into its own buffer. */
const DIRECT_READ_BYTES = 16 * 1024;

export class FrameDecoder {
  /** Bytes of a frame (or size prefix) started in earlier chunks. */
  private partial: Buffer | undefined;
  private partialPooled = false;
  private partialFill = 0;
  /** Size of the frame being assembled, or -1 while its 4-byte prefix is incomplete. */
  private wanted = -1;
  private readonly sizeBytes = Buffer.alloc(4);
  private sizeFill = 0;
  /** What the last readBuffer() handed out: the scratch, or a view of `partial`. */
  private reading: Buffer | undefined;
  /** Budget bytes the frame being assembled holds. */
  private partialReserved = 0;
  /** Size of a frame waiting for budget, or -1. */
  private blockedSize = -1;
  /** Bytes read after a blocked frame's size prefix, kept until it can go on. */
  private held: Buffer | undefined;
  /** The connection is closed: nothing more is decoded or reserved. */
  private disposed = false;

  constructor(
    private readonly maxFrameBytes: number,
    private readonly pool?: FramePool,
    private readonly memory?: MemoryBudget,
  ) {}

  /** Waiting for request memory: the connection must stop reading until `retry` succeeds. */
  get blocked(): boolean {
    return this.blockedSize >= 0;
  }

  /** A frame is partly read (its first bytes came, its last have not). */
  get assembling(): boolean {
    return this.partial !== undefined || this.sizeFill > 0;
  }

  /** Tries again to take the blocked frame's memory; on success decodes the bytes held. */
  retry(onFrame: OnFrame): boolean {
    if (this.blockedSize < 0 || this.disposed) return true;
    const size = this.blockedSize;
    this.blockedSize = -1;
    if (!this.startFrame(size)) return false;
    const held = this.held;
    this.held = undefined;
    if (held) this.consume(held, onFrame, false);
    return !this.blocked;
  }

  /**
   * Gives back the budget a half-read frame holds (the connection is closing). Nothing is decoded
   * or reserved after: a frame handler that closes the connection runs inside `consume`, whose
   * loop must not go on to reserve the next frame's memory for a connection that is gone.
   */
  dispose(): void {
    this.disposed = true;
    this.memory?.release(this.partialReserved);
    this.partialReserved = 0;
    this.partial = undefined;
    this.held = undefined;
    this.blockedSize = -1;
  }

  /** Feeds a chunk the decoder may keep views of; calls `onFrame` for every complete frame in order. */
  push(chunk: Buffer, onFrame: OnFrame): void {
    if (this.disposed) return;
    if (this.blocked) {
      // Bytes the socket had already read when reading stopped: kept with the others.
      this.held = this.held ? Buffer.concat([this.held, chunk]) : Buffer.from(chunk);
      return;
    }
    this.consume(chunk, onFrame, false);
  }

  /** Where the socket should read next (the `onread.buffer` function). */
  readBuffer(): Buffer {
    if (this.partial && this.wanted - this.partialFill >= DIRECT_READ_BYTES) {
      this.reading = this.partial.subarray(this.partialFill, this.wanted);
    } else {
      this.reading = sharedScratch ??= Buffer.allocUnsafeSlow(SCRATCH_BYTES);
    }
    return this.reading;
  }

  /** The socket read `n` bytes into the last readBuffer(). */
  didRead(n: number, onFrame: OnFrame): void {
    const into = this.reading;
    this.reading = undefined;
    if (!into) throw new Error('didRead without readBuffer');
    if (this.disposed) return;
    if (into !== sharedScratch) {
      this.partialFill += n;
      if (this.partialFill === this.wanted) this.emitPartial(onFrame);
      return;
    }
    if (this.blocked) {
      const bytes = into.subarray(0, n);
      this.held = this.held ? Buffer.concat([this.held, bytes]) : Buffer.from(bytes);
      return;
    }
    this.consume(into.subarray(0, n), onFrame, true);
  }

  /** Frames in `chunk`; with `transient`, frames are copied out because the chunk will be reused. */
  private consume(chunk: Buffer, onFrame: OnFrame, transient: boolean): void {
    let pos = 0;
    while (pos < chunk.length && !this.disposed) {
      if (this.partial) {
        const take = Math.min(this.wanted - this.partialFill, chunk.length - pos);
        chunk.copy(this.partial, this.partialFill, pos, pos + take);
        this.partialFill += take;
        pos += take;
        if (this.partialFill === this.wanted) this.emitPartial(onFrame);
        continue;
      }
      if (this.sizeFill > 0 || chunk.length - pos < 4) {
        // The size prefix itself is split across chunks.
        const take = Math.min(4 - this.sizeFill, chunk.length - pos);
        chunk.copy(this.sizeBytes, this.sizeFill, pos, pos + take);
        this.sizeFill += take;
        pos += take;
        if (this.sizeFill < 4) return;
        this.sizeFill = 0;
        if (!this.startFrame(this.sizeBytes.readInt32BE(0))) return this.hold(chunk, pos);
        if (this.wanted === 0) this.emitEmpty(onFrame);
        continue;
      }
      const size = chunk.readInt32BE(pos);
      this.checkSize(size);
      pos += 4;
      // A view of the chunk, unless the chunk is about to be reused (an empty frame is no view).
      if (chunk.length - pos >= size && (!transient || size === 0)) {
        onFrame(chunk.subarray(pos, pos + size), false, 0);
        pos += size;
      } else if (!this.startFrame(size, chunk.length - pos < size)) {
        // Copied into a buffer of its own: the rest of it arrives later, or the chunk is reused.
        // Only a frame still to arrive takes request memory: one whole in this read is copied
        // now and is no bigger than the read.
        return this.hold(chunk, pos);
      }
    }
  }

  private emitPartial(onFrame: OnFrame): void {
    const frame = this.partial!;
    const pooled = this.partialPooled;
    const reserved = this.partialReserved;
    this.partial = undefined;
    this.partialReserved = 0;
    this.wanted = -1;
    onFrame(frame, pooled, reserved);
  }

  /** Keeps the rest of `chunk` (a copy: the chunk may be reused) until the blocked frame can go on. */
  private hold(chunk: Buffer, pos: number): void {
    if (pos < chunk.length) this.held = Buffer.from(chunk.subarray(pos));
  }

  /** Starts assembling a frame of `size` bytes; false (blocked) when the budget cannot take it. */
  private startFrame(size: number, reserve = true): boolean {
    this.checkSize(size);
    if (this.disposed) return true;
    if (this.memory && reserve && size > 0) {
      if (!this.memory.tryReserve(size)) {
        this.blockedSize = size;
        return false;
      }
      this.partialReserved = size;
    }
    this.wanted = size;
    this.partialFill = 0;
    this.partialPooled = false;
    if (size === 0) this.partial = undefined;
    else if (this.pool && size >= MIN_POOLED) {
      this.partial = this.pool.take(size);
      this.partialPooled = true;
    } else this.partial = Buffer.allocUnsafe(size);
    return true;
  }

  private emitEmpty(onFrame: OnFrame): void {
    this.wanted = -1;
    onFrame(Buffer.alloc(0), false, 0);
  }

  private checkSize(size: number): void {
    if (size < 0 || size > this.maxFrameBytes) throw new FrameTooLargeError(size, this.maxFrameBytes);
  }
}
