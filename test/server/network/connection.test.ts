import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FramePool } from '../../../server/network/frame-pool.js';
import {
  Connection,
  type ConnectionOptions,
  type FrameHandler,
  type ResponseFrame,
} from '../../../server/network/connection.js';
import { seededRandom } from '../../helpers/seeded-random.js';

/** A request frame (size prefix included) carrying just a 4-byte id. */
function request(id: number): Buffer {
  const out = Buffer.alloc(8);
  out.writeInt32BE(4, 0);
  out.writeInt32BE(id, 4);
  return out;
}

/** The response to a request: the same id, size-prefixed, as two buffers (as the writer makes them). */
function response(frame: Buffer): ResponseFrame {
  const prefix = Buffer.alloc(4);
  prefix.writeInt32BE(4, 0);
  return { buffers: [prefix, Buffer.from(frame.subarray(0, 4))] };
}

interface Pair {
  server: net.Server;
  connection: Connection;
  client: net.Socket;
  /** Ids of the responses the client has received, in order. */
  received: number[];
  /** Resolves once the client has received `count` responses. */
  receivedCount(count: number): Promise<void>;
  clientClosed: Promise<void>;
}

const pairs: Pair[] = [];

afterEach(async () => {
  for (const pair of pairs.splice(0)) {
    pair.client.destroy();
    pair.connection.close();
    await new Promise<void>((resolve) => pair.server.close(() => resolve()));
  }
});

/** A real socket pair on 127.0.0.1: a Connection on the server side, a plain socket on the client side. */
async function connect(handler: FrameHandler, options: Partial<ConnectionOptions> = {}): Promise<Pair> {
  let accepted!: (connection: Connection) => void;
  const connection = new Promise<Connection>((resolve) => (accepted = resolve));
  const server = net.createServer((socket) =>
    accepted(new Connection(socket, handler, { maxFrameBytes: 1 << 20, ...options })),
  );
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, () => resolve()));
  const { port } = server.address() as net.AddressInfo;
  const client = net.connect({ host: '127.0.0.1', port });
  client.on('error', () => {});
  await new Promise<void>((resolve) => client.once('connect', () => resolve()));
  const received: number[] = [];
  const watchers: { count: number; resolve: () => void }[] = [];
  let buffered = Buffer.alloc(0);
  client.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    while (buffered.length >= 8) {
      expect(buffered.readInt32BE(0)).toBe(4);
      received.push(buffered.readInt32BE(4));
      buffered = buffered.subarray(8);
    }
    for (const w of watchers.filter((w) => received.length >= w.count)) {
      watchers.splice(watchers.indexOf(w), 1);
      w.resolve();
    }
  });
  const clientClosed = new Promise<void>((resolve) => client.on('close', () => resolve()));
  const pair: Pair = {
    server,
    connection: await connection,
    client,
    received,
    receivedCount: (count) =>
      received.length >= count
        ? Promise.resolve()
        : new Promise((resolve) => watchers.push({ count, resolve })),
    clientClosed,
  };
  pairs.push(pair);
  return pair;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `condition` every few ms, failing after `timeoutMs`. */
async function until(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(2);
  }
}

interface Deferred {
  frame: Buffer;
  resolve(value: ResponseFrame): void;
  reject(err: Error): void;
}

/** A handler whose requests wait until the test answers them. */
function heldHandler(): { handler: FrameHandler; held: Deferred[] } {
  const held: Deferred[] = [];
  const handler: FrameHandler = (frame) =>
    new Promise<ResponseFrame>((resolve, reject) =>
      held.push({ frame: Buffer.from(frame), resolve, reject }),
    );
  return { handler, held };
}

describe('Connection', () => {
  it('answers in request order when handlers finish in reverse order', async () => {
    const { handler, held } = heldHandler();
    const pair = await connect(handler);
    pair.client.write(Buffer.concat([1, 2, 3, 4, 5].map(request)));
    await until(() => held.length === 5);
    // Finish the last first; nothing may be sent until the first is done.
    for (const d of [...held].reverse().slice(0, 4)) d.resolve(response(d.frame));
    await sleep(50);
    expect(pair.received).toEqual([]);
    held[0]!.resolve(response(held[0]!.frame));
    await pair.receivedCount(5);
    expect(pair.received).toEqual([1, 2, 3, 4, 5]);
  });

  it('keeps order with many requests in flight finishing at random times', async () => {
    const random = seededRandom(42);
    const handler: FrameHandler = async (frame) => {
      await sleep(Math.floor(random() * 20));
      return response(frame);
    };
    const pair = await connect(handler, { maxInFlight: 1000 });
    const ids = Array.from({ length: 300 }, (_, i) => i + 1);
    // Some in one chunk, some one by one.
    pair.client.write(Buffer.concat(ids.slice(0, 150).map(request)));
    for (const id of ids.slice(150)) pair.client.write(request(id));
    await pair.receivedCount(ids.length);
    expect(pair.received).toEqual(ids);
  });

  it('mixes synchronous and asynchronous handlers, and requests with no response', async () => {
    const handler: FrameHandler = async (frame) => {
      const id = frame.readInt32BE(0);
      if (id % 3 === 0) return null; // like Produce with acks=0
      if (id % 2 === 0) return response(frame);
      await sleep(5);
      return response(frame);
    };
    const syncOrAsync: FrameHandler = (frame, connection) =>
      frame.readInt32BE(0) % 5 === 0 ? response(frame) : handler(frame, connection);
    const pair = await connect(syncOrAsync);
    const ids = Array.from({ length: 60 }, (_, i) => i + 1);
    pair.client.write(Buffer.concat(ids.map(request)));
    const answered = ids.filter((id) => id % 5 === 0 || id % 3 !== 0);
    await pair.receivedCount(answered.length);
    await sleep(20);
    expect(pair.received).toEqual(answered);
    expect(pair.connection.inFlight).toBe(0);
  });

  it('pauses reading at maxInFlight and resumes when responses leave', async () => {
    const { handler, held } = heldHandler();
    const pair = await connect(handler, { maxInFlight: 2 });
    pair.client.write(request(1));
    await until(() => held.length === 1);
    expect(pair.connection.socket.isPaused()).toBe(false);
    pair.client.write(request(2));
    await until(() => held.length === 2);
    expect(pair.connection.socket.isPaused()).toBe(true);
    expect(pair.connection.inFlight).toBe(2);
    // The third request is not read while paused.
    pair.client.write(request(3));
    pair.client.write(request(4));
    await sleep(100);
    expect(held.length).toBe(2);
    // Answering the first frees a slot: reading resumes, the next request comes in.
    held[0]!.resolve(response(held[0]!.frame));
    await pair.receivedCount(1);
    await until(() => held.length >= 3);
    // Requests 3 and 4 may have arrived in one chunk; either way at most the chunk is read.
    await sleep(50);
    expect(pair.connection.socket.isPaused()).toBe(true);
    for (const d of held.slice(1)) d.resolve(response(d.frame));
    await until(() => held.length === 4);
    for (const d of held.slice(1)) d.resolve(response(d.frame));
    await pair.receivedCount(4);
    expect(pair.received).toEqual([1, 2, 3, 4]);
    await until(() => !pair.connection.socket.isPaused());
    expect(pair.connection.inFlight).toBe(0);
  });

  it('pauses and resumes again and again under a steady stream of requests', async () => {
    const handler: FrameHandler = async (frame) => {
      await sleep(3);
      return response(frame);
    };
    const pair = await connect(handler, { maxInFlight: 2 });
    const socket = pair.connection.socket;
    let pauses = 0;
    let resumes = 0;
    const pause = socket.pause.bind(socket);
    const resume = socket.resume.bind(socket);
    socket.pause = () => (pauses++, pause());
    socket.resume = () => (resumes++, resume());
    pair.client.setNoDelay(true);
    const ids = Array.from({ length: 40 }, (_, i) => i + 1);
    for (const id of ids) {
      pair.client.write(request(id));
      await sleep(1);
    }
    await pair.receivedCount(ids.length);
    expect(pair.received).toEqual(ids);
    // Reading paused at times, and was resumed as often: every request was answered.
    expect(pauses).toBeGreaterThan(1);
    await until(() => !socket.isPaused());
    expect(resumes).toBe(pauses);
    expect(pair.connection.inFlight).toBe(0);
  });

  it('closes the connection, with a log line, when a frame is over the limit', async () => {
    const lines: string[] = [];
    const pair = await connect((frame) => response(frame), { maxFrameBytes: 100, log: (l) => lines.push(l) });
    pair.client.write(request(1));
    await pair.receivedCount(1);
    const big = Buffer.alloc(4 + 101);
    big.writeInt32BE(101, 0);
    pair.client.write(big);
    await pair.clientClosed;
    expect(lines.some((l) => l.includes('101') && l.includes('socket.request.max.bytes'))).toBe(true);
  });

  it('closes the connection, dropping pending responses, when a handler throws or rejects', async () => {
    for (const mode of ['throw', 'reject'] as const) {
      const lines: string[] = [];
      const { handler, held } = heldHandler();
      const failing: FrameHandler = (frame, connection) => {
        if (frame.readInt32BE(0) === 2) {
          if (mode === 'throw') throw new Error('bad request');
          return Promise.reject(new Error('bad request'));
        }
        return handler(frame, connection);
      };
      const pair = await connect(failing, { log: (l) => lines.push(l) });
      pair.client.write(Buffer.concat([request(1), request(2), request(3)]));
      await pair.clientClosed;
      expect(lines.some((l) => l.includes('bad request'))).toBe(true);
      // A synchronous throw stops at once: request 3 is never handed to the handler. A rejection
      // is seen a tick later, after the rest of the chunk was handed out.
      expect(held.map((d) => d.frame.readInt32BE(0))).toEqual(mode === 'throw' ? [1] : [1, 3]);
      // Answering late does no harm and sends nothing.
      for (const d of held) d.resolve(response(d.frame));
      await sleep(10);
      expect(pair.received).toEqual([]);
    }
  });

  it('drain resolves once every request received has been answered', async () => {
    const { handler, held } = heldHandler();
    const pair = await connect(handler);
    pair.client.write(Buffer.concat([request(1), request(2)]));
    await until(() => held.length === 2);
    let drained = false;
    const draining = pair.connection.drain().then(() => (drained = true));
    await sleep(30);
    expect(drained).toBe(false);
    for (const d of held) d.resolve(response(d.frame));
    await draining;
    expect(pair.connection.inFlight).toBe(0);
    expect(pair.connection.socket.writableLength).toBe(0);
    await pair.receivedCount(2);
    expect(pair.received).toEqual([1, 2]);
  });

  it('drain resolves when the peer goes away with responses still unsent', async () => {
    // A response far larger than the socket buffers, to a client that does not read.
    const big = Buffer.alloc(32 * 1024 * 1024);
    big.writeInt32BE(big.length - 4, 0);
    const pair = await connect(() => ({ buffers: [big] }));
    pair.client.pause();
    pair.client.write(request(1));
    await until(() => pair.connection.socket.writableLength > 0);
    const draining = pair.connection.drain();
    await sleep(20);
    pair.client.destroy();
    const outcome = await Promise.race([draining.then(() => 'drained'), sleep(2000).then(() => 'hung')]);
    expect(outcome).toBe('drained');
  });
});

describe('Connection hooks (the network layer knows no API)', () => {
  it('a response’s afterSend runs once the socket has sent it, and only then', async () => {
    const sent: number[] = [];
    const pair = await connect((frame) => {
      const id = frame.readInt32BE(0);
      return { ...response(frame), afterSend: () => sent.push(id) };
    });
    pair.client.write(Buffer.concat([request(1), request(2), request(3)]));
    await pair.receivedCount(3);
    await until(() => sent.length === 3);
    expect(sent).toEqual([1, 2, 3]);
  });

  it('responses ready in the same turn leave in one write (one wakeup of the client, not one per response)', async () => {
    const pair = await connect((frame) => response(frame));
    const socket = pair.connection.socket as net.Socket & {
      _write: (...args: unknown[]) => void;
      _writev: (...args: unknown[]) => void;
    };
    let writes = 0;
    for (const method of ['_write', '_writev'] as const) {
      const original = socket[method].bind(socket);
      socket[method] = (...args: unknown[]) => {
        writes++;
        original(...args);
      };
    }
    // Five requests in one packet: all five are answered in one turn of the event loop.
    pair.client.write(Buffer.concat([1, 2, 3, 4, 5].map(request)));
    await pair.receivedCount(5);
    expect(pair.received).toEqual([1, 2, 3, 4, 5]);
    expect(writes).toBe(1);
  });

  it('a pooled frame goes back to the pool only when frameReusable says nothing keeps it', async () => {
    const given: number[] = [];
    const pool = new FramePool();
    const give = pool.give.bind(pool);
    pool.give = (view: Buffer) => {
      given.push(view.readInt32BE(0));
      give(view);
    };
    const reusable: number[] = [];
    const pair = await connect((frame) => response(frame), {
      framePool: pool,
      frameReusable: (frame) => {
        const id = frame.readInt32BE(0);
        reusable.push(id);
        return id % 2 === 1;
      },
    });
    // Frames of 300 KB arrive in several chunks, so each is assembled in a pooled buffer.
    const big = (id: number): Buffer => {
      const frame = Buffer.alloc(4 + 300_000);
      frame.writeInt32BE(300_000, 0);
      frame.writeInt32BE(id, 4);
      return frame;
    };
    for (const id of [1, 2, 3, 4]) pair.client.write(big(id));
    await pair.receivedCount(4);
    expect(reusable).toEqual([1, 2, 3, 4]);
    expect(given).toEqual([1, 3]);
  });
});

describe('Connection fairness', () => {
  it('pauses a connection that brought in 4 MiB in one turn of the event loop, and resumes it on the next', async () => {
    const calls: string[] = [];
    // A stand-in socket: the Connection's reads arrive as 'data' events we emit ourselves.
    const { EventEmitter } = await import('node:events');
    const socket = Object.assign(new EventEmitter(), {
      remoteAddress: '127.0.0.1',
      remotePort: 1,
      writableLength: 0,
      setNoDelay: () => undefined,
      pause: () => calls.push('pause'),
      resume: () => calls.push('resume'),
      cork: () => undefined,
      uncork: () => undefined,
      write: () => true,
      destroy: () => undefined,
    });
    let frames = 0;
    new Connection(socket as unknown as net.Socket, () => (frames++, null), { maxFrameBytes: 8 << 20 });
    const megabyte = Buffer.alloc(4 + (1 << 20));
    megabyte.writeInt32BE(1 << 20, 0);
    for (let i = 0; i < 6; i++) socket.emit('data', megabyte);
    expect(frames).toBe(6);
    expect(calls).toEqual(['pause']);
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toEqual(['pause', 'resume']);
  });
});
