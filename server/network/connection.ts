/**
 * One client connection: frames in, responses out, strictly in request order.
 *
 * Requests are handled as they arrive and may finish out of order (a long-poll Fetch behind a
 * quick Metadata); each gets a slot in a queue, and responses leave only from the head of the
 * queue. A response is a list of buffers (mapped segment slices included) written with
 * cork/uncork, so Node sends it as one writev. The network layer knows no API: a response says
 * which of its bytes are on the heap and what to do once it is sent (the handlers release mapped
 * pages there), and `frameReusable` says which request frames' buffers may be reused. Backpressure: reading pauses while too many requests
 * are in flight or the socket's unsent bytes pile up, and resumes when they drain.
 *
 * Memory is bounded across connections too (memory-budget.ts): a frame's buffer is taken from the
 * request budget (queued.max.request.bytes) and given back when its handler is done; the heap
 * bytes of a response count against the response budget from the moment they are handed to the
 * socket until it has sent them. A connection stops reading while either budget is spent. A frame
 * whose bytes take longer than the read timeout to arrive closes the connection (a slow sender
 * holds its frame's memory for nothing).
 *
 * When someone watches (request-observer.ts: the broker's metrics, the slow request log), each
 * request is timed from its arrival to its answer and to its write, in fields of its queue slot,
 * so nothing more is allocated per request; nobody watching, nothing is timed.
 */
import type { Socket } from 'node:net';
import { FrameDecoder, FrameTooLargeError } from './frame-decoder.js';
import type { FramePool } from './frame-pool.js';
import type { MemoryBudget } from './memory-budget.js';
import { clientIdOf, type RequestObserver, type SlowRequest } from './request-observer.js';
import { readIntoOwnBuffers } from './own-buffer-socket.js';

/** Bytes one connection may bring in per turn of the event loop before it yields (see above). */
const TURN_BYTES = 4 * 1024 * 1024;

/** A response frame: its buffers (size prefix included) and what to do once they are sent. */
export interface ResponseFrame {
  buffers: Buffer[];
  /** How many of its bytes are on the heap (counted against the response budget); all when absent. */
  heapBytes?: number;
  /** Runs once the socket has handed the bytes to the kernel, or with none sent if it was destroyed first. */
  afterSend?: () => void;
}

/** Handles one request frame; null sends no response (Produce with acks=0). */
export type FrameHandler = (
  frame: Buffer,
  connection: Connection,
) => ResponseFrame | null | Promise<ResponseFrame | null>;

export interface ConnectionOptions {
  maxFrameBytes: number;
  /** Requests in flight before reading pauses. */
  maxInFlight?: number;
  /** Unsent response bytes before reading pauses. */
  maxPendingBytes?: number;
  /** Where frames spanning several chunks are assembled. */
  framePool?: FramePool;
  /**
   * Whether a pooled frame's buffer may go back to the pool once its handler is done: nothing
   * keeps a view of it (the handlers know which requests those are). None are when absent.
   */
  frameReusable?: (frame: Buffer) => boolean;
  /**
   * The socket was accepted paused (pauseOnConnect) and should be re-wrapped to read into the
   * decoder's own buffers (own-buffer-socket.ts).
   */
  ownReadBuffers?: boolean;
  /** Shared by all connections: frames being read and handled (queued.max.request.bytes). */
  requestMemory?: MemoryBudget;
  /** Shared by all connections: response bytes handed to sockets and not yet sent. */
  responseMemory?: MemoryBudget;
  log?: (message: string) => void;
  /** Routine events (connections opened and closed, slow senders dropped, idle connections closed): debug level. */
  debug?: (message: string) => void;
  /** Requests counted and timed for /metrics; absent when the admin listener is off. */
  stats?: RequestObserver;
  /** Requests whose handling takes longer than this (ms) go to `slow`; -1 (or absent) for none. */
  slowRequestMs?: number;
  slow?: (request: SlowRequest) => void;
}

interface Slot {
  done: boolean;
  response: ResponseFrame | null;
  apiKey: number;
  /** performance.now() when the frame arrived and when its handler answered (timed requests only). */
  arrived: number;
  handled: number;
}

export class Connection {
  private readonly decoder: FrameDecoder;
  private readonly queue: Slot[] = [];
  private readonly maxInFlight: number;
  private readonly maxPendingBytes: number;
  private closed = false;
  private paused = false;
  /** Reading is paused until the next turn of the event loop (fairness). */
  private yielding = false;
  private turnBytes = 0;
  /** When the frame being read began to arrive (ms), 0 when none is. */
  private readingSince = 0;
  private readonly onFrameBound: (frame: Buffer, pooled: boolean, reserved: number) => void;
  private readonly retryBound = (): void => this.retryBlocked();
  private readonly resumeBound = (): void => this.maybeResume();
  private flushScheduled = false;
  private readonly flushBound = (): void => {
    this.flushScheduled = false;
    this.flush();
  };
  /** When the connection last received a frame or sent a response (for connections.max.idle.ms). */
  lastActive = Date.now();
  readonly remote: string;
  readonly socket: Socket;
  /** Whether requests are timed: for /metrics or for the slow request log. */
  private readonly timed: boolean;

  constructor(
    accepted: Socket,
    private readonly handler: FrameHandler,
    private readonly options: ConnectionOptions,
  ) {
    this.decoder = new FrameDecoder(options.maxFrameBytes, options.framePool, options.requestMemory);
    const onFrame = (frame: Buffer, pooled: boolean, reserved: number): void =>
      this.onFrame(frame, pooled, reserved);
    this.onFrameBound = onFrame;
    const socket = options.ownReadBuffers
      ? readIntoOwnBuffers(accepted, {
          readBuffer: () => this.decoder.readBuffer(),
          didRead: (n) => this.guard(() => this.decoder.didRead(n, onFrame)),
          onChunk: (chunk) => this.guard(() => this.decoder.push(chunk, onFrame)),
        })
      : accepted;
    this.socket = socket;
    this.maxInFlight = options.maxInFlight ?? 100;
    this.maxPendingBytes = options.maxPendingBytes ?? 64 * 1024 * 1024;
    this.remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    this.timed = options.stats !== undefined || (options.slowRequestMs ?? -1) >= 0;
    options.stats?.connectionOpened();
    options.debug?.(`client connected from ${this.remote}`);
    socket.setNoDelay(true);
    if (!options.ownReadBuffers) {
      socket.on('data', (chunk: Buffer) => this.guard(() => this.decoder.push(chunk, onFrame)));
    }
    socket.on('drain', () => this.maybeResume());
    socket.on('error', () => this.close());
    socket.on('close', () => this.close());
  }

  get inFlight(): number {
    return this.queue.length;
  }

  /** A request is partly read, or waits for request memory: the connection is not idle. */
  get reading(): boolean {
    return this.decoder.assembling || this.decoder.blocked;
  }

  /**
   * Whether this connection already has more coming to it than the request being handled: other
   * requests in flight or response bytes not yet sent. A fetch on a spent response budget reads
   * nothing for such a connection (a client that pipelines fetches and does not read them gets
   * no more), and one batch for any other.
   */
  get holdsResponses(): boolean {
    return this.queue.length > 1 || this.socket.writableLength > 0;
  }

  /** Runs the decoder; a bad frame size closes the connection. */
  private guard(decode: () => void): void {
    try {
      decode();
    } catch (err) {
      if (err instanceof FrameTooLargeError) this.options.log?.(`closing ${this.remote}: ${err.message}`);
      this.close();
      return;
    }
    this.afterDecode();
  }

  /**
   * Stops reading while the decoder waits for request memory; notes when the frame being
   * assembled began to arrive (the listener's sweep closes one slower than the read timeout: one
   * timer for all connections, none made per frame). Waiting for memory is not the sender's time.
   */
  private afterDecode(): void {
    if (this.closed) return;
    if (this.decoder.blocked) {
      this.maybePause();
      this.options.requestMemory?.whenAvailable(this.retryBound);
    }
    if (!this.decoder.assembling || this.decoder.blocked) this.readingSince = 0;
    else if (this.readingSince === 0) this.readingSince = Date.now();
  }

  /** Whether the frame being read began to arrive more than `timeoutMs` before `now`. */
  readTooSlow(now: number, timeoutMs: number): boolean {
    return this.readingSince > 0 && now - this.readingSince > timeoutMs;
  }

  private retryBlocked(): void {
    if (this.closed) return;
    this.guard(() => this.decoder.retry(this.onFrameBound));
    this.maybeResume();
  }

  private onFrame(frame: Buffer, pooled: boolean, reserved: number): void {
    if (this.closed) {
      this.options.requestMemory?.release(reserved);
      return;
    }
    this.lastActive = Date.now();
    const recycle = pooled && this.options.frameReusable !== undefined && this.options.frameReusable(frame);
    this.turnBytes += frame.length;
    if (this.turnBytes >= TURN_BYTES) this.yieldTurn();
    const slot: Slot = {
      done: false,
      response: null,
      apiKey: frame.length >= 2 ? frame.readInt16BE(0) : -1,
      arrived: this.timed ? performance.now() : 0,
      handled: 0,
    };
    this.queue.push(slot);
    let result: ResponseFrame | null | Promise<ResponseFrame | null>;
    try {
      result = this.handler(frame, this);
    } catch (err) {
      this.release(recycle, frame, reserved);
      this.fail(err);
      return;
    }
    if (result instanceof Promise) {
      result.then(
        (response) => {
          if (this.timed) this.handled(slot, frame);
          this.release(recycle, frame, reserved);
          this.complete(slot, response);
        },
        (err: unknown) => {
          this.release(recycle, frame, reserved);
          this.fail(err);
        },
      );
    } else {
      if (this.timed) this.handled(slot, frame);
      this.release(recycle, frame, reserved);
      this.complete(slot, result);
    }
    this.maybePause();
  }

  /** Notes when the handler answered; a slow request is reported while its frame is still ours to read. */
  private handled(slot: Slot, frame: Buffer): void {
    const now = performance.now();
    slot.handled = now;
    const threshold = this.options.slowRequestMs ?? -1;
    if (threshold < 0 || now - slot.arrived <= threshold || !this.options.slow) return;
    this.options.slow({
      apiKey: slot.apiKey,
      apiVersion: frame.length >= 4 ? frame.readInt16BE(2) : -1,
      clientId: clientIdOf(frame),
      remote: this.remote,
      ms: Math.round(now - slot.arrived),
      frame,
    });
  }

  private release(recycle: boolean, frame: Buffer, reserved: number): void {
    if (recycle) this.options.framePool?.give(frame);
    this.options.requestMemory?.release(reserved);
  }

  /**
   * Responses leave once the work of this tick is done (process.nextTick): those that are ready
   * together — a run of pipelined Produce requests appended one after another, the answers to a
   * read full of small requests — go out in one write, so the client is woken once, not per
   * response. The wait is for work already under way, never for a timer.
   */
  private complete(slot: Slot, response: ResponseFrame | null): void {
    slot.done = true;
    slot.response = response;
    if (this.queue[0] === slot && !this.flushScheduled) {
      this.flushScheduled = true;
      process.nextTick(this.flushBound);
    }
  }

  private flush(): void {
    if (this.closed) return;
    let wrote = false;
    const stats = this.options.stats;
    const now = stats ? performance.now() : 0;
    while (this.queue.length > 0 && this.queue[0]!.done) {
      const slot = this.queue.shift()!;
      stats?.answered(slot.apiKey, slot.handled - slot.arrived, now - slot.handled);
      const response = slot.response;
      if (!response) continue;
      if (!wrote) this.socket.cork();
      wrote = true;
      this.writeResponse(response);
    }
    if (wrote) this.socket.uncork();
    this.maybeResume();
  }

  /**
   * Writes one response. Its heap bytes count against the response budget until the socket has
   * handed them to the kernel; then its own afterSend runs (the handlers release mapped pages
   * there, so serving gigabytes does not grow the broker's RSS).
   */
  private writeResponse(response: ResponseFrame): void {
    this.lastActive = Date.now();
    const { buffers, afterSend } = response;
    if (buffers.length === 0) {
      afterSend?.();
      return;
    }
    const last = buffers.length - 1;
    const heapBytes = response.heapBytes ?? totalLength(buffers);
    for (let i = 0; i < last; i++) this.socket.write(buffers[i]!);
    const memory = heapBytes > 0 ? this.options.responseMemory : undefined;
    if (!afterSend && !memory) {
      this.socket.write(buffers[last]!);
      return;
    }
    memory?.reserve(heapBytes);
    // Called once the socket has handed the bytes to the kernel, or with an error when it was
    // destroyed first: either way they are no longer this process's to hold.
    this.socket.write(buffers[last]!, () => {
      memory?.release(heapBytes);
      if (!afterSend) return;
      try {
        afterSend();
      } catch (err) {
        this.options.log?.(`after sending a response: ${(err as Error).message}`);
      }
    });
  }

  private fail(err: unknown): void {
    this.options.log?.(`closing ${this.remote}: ${(err as Error).message ?? String(err)}`);
    this.close();
  }

  /**
   * Whether the connection may read more: nothing it or the process must wait for. A spent
   * response budget stops the connections that hold some of it (unsent bytes): a client that
   * reads its responses goes on being served, one that does not stops being read.
   */
  private mayRead(): boolean {
    return (
      this.queue.length < this.maxInFlight &&
      this.socket.writableLength <= this.maxPendingBytes &&
      !this.decoder.blocked &&
      !(this.options.responseMemory?.exhausted && this.socket.writableLength > 0)
    );
  }

  private maybePause(): void {
    if (this.paused || this.mayRead()) return;
    this.paused = true;
    this.socket.pause();
    if (this.options.responseMemory?.exhausted) this.options.responseMemory.whenAvailable(this.resumeBound);
  }

  private yieldTurn(): void {
    if (this.yielding) return;
    this.yielding = true;
    this.socket.pause();
    setImmediate(() => {
      this.yielding = false;
      this.turnBytes = 0;
      if (!this.paused && !this.closed) this.socket.resume();
    });
  }

  private maybeResume(): void {
    if (this.closed || !this.paused) return;
    if (!this.mayRead()) {
      if (this.options.responseMemory?.exhausted) this.options.responseMemory.whenAvailable(this.resumeBound);
      return;
    }
    this.paused = false;
    if (!this.yielding) this.socket.resume();
  }

  /** Closes the connection; responses still pending are dropped, memory it held is given back. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.options.stats?.connectionClosed();
    this.options.debug?.(`client ${this.remote} disconnected`);
    this.queue.length = 0;
    this.options.requestMemory?.cancel(this.retryBound);
    this.options.responseMemory?.cancel(this.resumeBound);
    this.decoder.dispose();
    this.socket.destroy();
  }

  /** Resolves once every request already received has been answered (for a graceful stop). */
  async drain(): Promise<void> {
    while (!this.closed && this.queue.length > 0) await new Promise((resolve) => setTimeout(resolve, 5));
    if (!this.closed && this.socket.writableLength > 0) {
      // 'drain' never comes if the peer goes away first: 'close' ends the wait too.
      await new Promise<void>((resolve) => {
        const done = (): void => {
          this.socket.off('drain', done);
          this.socket.off('close', done);
          resolve();
        };
        this.socket.once('drain', done);
        this.socket.once('close', done);
      });
    }
  }
}

function totalLength(buffers: Buffer[]): number {
  let total = 0;
  for (const buffer of buffers) total += buffer.length;
  return total;
}
