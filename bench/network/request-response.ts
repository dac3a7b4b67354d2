/**
 * The request/response part of `npm run bench:network`: what a server spends per request of
 * Produce-sized traffic (16 KiB batches, a few in flight on one connection, a tiny answer each),
 * and how close Kiln's network layer comes to what any Node server pays for the same traffic.
 *
 * A child process sends `requests` frames of `size` body bytes (a Produce request header, then
 * filler), keeping `inflight` of them unanswered on one connection, and waits for one small
 * response frame per request. The server side, in this process, is one of:
 *
 * - `rr_bare`: a plain net server on 'data' events that only counts through the frames (no copy,
 *   no decoding) and answers the frames of each read with 34-byte frames, corked into one write:
 *   the kernel's and Node's own cost per request (loopback wakeups, reads, writes, epoll), the
 *   floor of a Node server reading the usual way, where each read is a fresh 64 KiB buffer, cut
 *   down to the bytes read, for the garbage collector to reclaim.
 * - `rr_onread`: the same server reading into one reusable buffer (net's `onread`, through the
 *   re-wrap the broker's sockets use, own-buffer-socket.ts): no allocation and no copy per read,
 *   the floor of any Node server for this traffic.
 * - `rr_connection`: Kiln's Connection built as the listener builds it (accepted paused, reading
 *   into the FramePool's buffers, the broker's default memory budgets), whose handler answers each
 *   frame at once: Kiln's network layer without any Kafka handling.
 * - `rr_write`: `rr_bare` plus one fs.writevSync of each read's frame bytes to a temp file (the
 *   page-cache write of an append), removed after the pass.
 * - `rr_append_floor`: `rr_onread` plus what no produce path can skip: a CRC-32C over every frame
 *   body byte (the batch checksum every append verifies) and one fs.writevSync of each read's frame
 *   bytes to a temp file. The floor of a Node broker's CPU per GB for this traffic on this machine,
 *   before any Kafka decoding, validation, offsets or index.
 *
 * The CPU time (user + system) of this process from the connection's accept to its close is what
 * each result reports, per GB of request frames and per request.
 */
import { crc32c } from '@node-rs/crc32';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Connection, type ResponseFrame } from '../../server/network/connection.js';
import { FramePool } from '../../server/network/frame-pool.js';
import { MemoryBudget } from '../../server/network/memory-budget.js';
import { readIntoOwnBuffers } from '../../server/network/own-buffer-socket.js';

export const RR_MODES = ['rr_bare', 'rr_onread', 'rr_connection', 'rr_write', 'rr_append_floor'] as const;
export type RrMode = (typeof RR_MODES)[number];

export interface RrOptions {
  /** Requests per pass. */
  requests: number;
  /** Body bytes of each request frame (the 4-byte size prefix comes on top). */
  size: number;
  /** Requests kept unanswered on the connection. */
  inflight: number;
}

export interface RrResult {
  seconds: number;
  cpuSeconds: number;
  /** Request bytes received, size prefixes included. */
  bytes: number;
  requests: number;
}

/**
 * The client: `count` frames of `size` body bytes, `inflight` unanswered at a time. A request's
 * header is a Produce v7 header (api key 0, version, correlation id, client id), then filler. The
 * frames come from a ring of `inflight` buffers: a slot is reused only once the request it last
 * carried is answered, so the server has read it and the bytes are no longer the socket's.
 */
const CLIENT = `
const net = require('node:net');
const [port, count, size, inflight] = process.argv.slice(1).map(Number);
const clientId = 'kiln-bench';
const ring = [];
for (let i = 0; i < inflight; i++) {
  const frame = Buffer.alloc(4 + size, 7);
  frame.writeInt32BE(size, 0);
  frame.writeInt16BE(0, 4);
  frame.writeInt16BE(7, 6);
  frame.writeInt16BE(clientId.length, 12);
  frame.write(clientId, 14, 'latin1');
  ring.push(frame);
}
let sent = 0;
let answered = 0;
let left = -1;
let sizeFill = 0;
const sizeBytes = Buffer.alloc(4);
const socket = net.connect(port, '127.0.0.1', () => send());
socket.setNoDelay(true);
function send() {
  if (sent - answered >= inflight || sent >= count) return;
  socket.cork();
  while (sent - answered < inflight && sent < count) {
    const frame = ring[sent % inflight];
    frame.writeInt32BE(sent, 8);
    socket.write(frame);
    sent++;
  }
  socket.uncork();
}
socket.on('data', (chunk) => {
  let at = 0;
  while (at < chunk.length) {
    if (left < 0) {
      sizeBytes[sizeFill++] = chunk[at++];
      if (sizeFill < 4) continue;
      sizeFill = 0;
      left = sizeBytes.readInt32BE(0);
    }
    const take = Math.min(left, chunk.length - at);
    at += take;
    left -= take;
    if (left === 0) { answered++; left = -1; }
  }
  if (answered >= count) socket.end();
  else send();
});
`;

/** A response frame of 34 bytes (size 30): about what a one-partition Produce response is. */
const RESPONSE = Buffer.alloc(34);
RESPONSE.writeInt32BE(30, 0);

/**
 * Counts its way through a byte stream of frames without keeping them: calls `onBytes` with each
 * run of frame body bytes (views of the chunk) and returns how many frames ended in the chunk.
 */
class FrameCounter {
  /** Body bytes still to come of the frame being read; -1 while its size prefix is. */
  private left = -1;
  private sizeFill = 0;
  private readonly sizeBytes = Buffer.alloc(4);

  count(chunk: Buffer, onBytes?: (bytes: Buffer) => void): number {
    let frames = 0;
    let at = 0;
    while (at < chunk.length) {
      if (this.left < 0) {
        if (this.sizeFill === 0 && chunk.length - at >= 4) {
          this.left = chunk.readInt32BE(at);
          at += 4;
        } else {
          this.sizeBytes[this.sizeFill++] = chunk[at++]!;
          if (this.sizeFill < 4) continue;
          this.sizeFill = 0;
          this.left = this.sizeBytes.readInt32BE(0);
        }
      }
      const take = Math.min(this.left, chunk.length - at);
      if (take > 0) onBytes?.(chunk.subarray(at, at + take));
      at += take;
      this.left -= take;
      if (this.left === 0) {
        frames++;
        this.left = -1;
      }
    }
    return frames;
  }
}

/** The one buffer every rr_onread read goes to: each read is counted before the next one. */
const SCRATCH = Buffer.allocUnsafeSlow(64 * 1024);

/**
 * A bare server connection: answers the frames of each read, after writing them to `fd` if given.
 * It reads on 'data' events, or (`onread`) into SCRATCH, re-wrapped as the broker's sockets are.
 */
function serveBare(
  accepted: net.Socket,
  onread: boolean,
  fd: number | undefined,
  onFrames: (n: number) => void,
  checksum = false,
): net.Socket {
  const counter = new FrameCounter();
  const pieces: Buffer[] = [];
  let crc = 0;
  const keep = (bytes: Buffer): void => {
    if (checksum) crc = crc32c(bytes, crc);
    if (fd !== undefined) pieces.push(bytes);
  };
  let socket = accepted;
  const onChunk = (chunk: Buffer): void => {
    const frames = counter.count(chunk, fd === undefined && !checksum ? undefined : keep);
    if (fd !== undefined && pieces.length > 0) {
      fs.writevSync(fd, pieces);
      pieces.length = 0;
    }
    if (frames === 0) return;
    onFrames(frames);
    socket.cork();
    for (let i = 0; i < frames; i++) socket.write(RESPONSE);
    socket.uncork();
  };
  if (onread) {
    socket = readIntoOwnBuffers(accepted, {
      readBuffer: () => SCRATCH,
      didRead: (n) => onChunk(SCRATCH.subarray(0, n)),
      onChunk,
    });
  } else {
    socket.on('data', onChunk);
  }
  socket.setNoDelay(true);
  return socket;
}

/** Kiln's Connection as the listener and broker set it up, answering each frame at once. */
function serveConnection(accepted: net.Socket, onFrames: (n: number) => void): net.Socket {
  const response: ResponseFrame = { buffers: [RESPONSE] };
  const connection = new Connection(
    accepted,
    () => {
      onFrames(1);
      return response;
    },
    {
      maxFrameBytes: 100 * 1024 * 1024,
      framePool: new FramePool(),
      ownReadBuffers: true,
      // Nothing keeps a view of the frames, as with Produce: their buffers go back to the pool.
      frameReusable: () => true,
      requestMemory: new MemoryBudget(512 * 1024 * 1024),
      responseMemory: new MemoryBudget(512 * 1024 * 1024),
    },
  );
  return connection.socket;
}

/** One pass of `mode`: a fresh server and client, `options.requests` requests answered. */
export async function requestResponsePass(mode: RrMode, options: RrOptions): Promise<RrResult> {
  const writes = mode === 'rr_write' || mode === 'rr_append_floor';
  const dir = writes ? fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-bench-rr-')) : undefined;
  const fd = dir === undefined ? undefined : fs.openSync(path.join(dir, 'requests.bin'), 'w');
  let answered = 0;
  const onFrames = (n: number): number => (answered += n);
  let cpu0: NodeJS.CpuUsage | undefined;
  let t0 = 0;
  let finish: (result: RrResult) => void = () => {};
  const finished = new Promise<RrResult>((resolve) => (finish = resolve));
  const onread = mode === 'rr_onread' || mode === 'rr_append_floor';
  const paused = mode === 'rr_connection' || onread;
  const server = net.createServer({ pauseOnConnect: paused }, (accepted) => {
    cpu0 = process.cpuUsage();
    t0 = performance.now();
    const socket =
      mode === 'rr_connection'
        ? serveConnection(accepted, onFrames)
        : serveBare(accepted, onread, fd, onFrames, mode === 'rr_append_floor');
    // The client closes once every answer is in: the pass ends with the connection.
    socket.once('close', () => {
      const cpu = process.cpuUsage(cpu0);
      finish({
        seconds: (performance.now() - t0) / 1000,
        cpuSeconds: (cpu.user + cpu.system) / 1e6,
        bytes: answered * (options.size + 4),
        requests: answered,
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const args = [port, options.requests, options.size, options.inflight].map(String);
  const client = spawn(process.execPath, ['-e', CLIENT, ...args], { stdio: 'inherit' });
  const exited = new Promise<number | null>((resolve) => client.once('exit', resolve));
  try {
    // The client exits once its connection is closed, or on an error (maybe before connecting).
    const code = await exited;
    if (code !== 0) throw new Error(`${mode}: the client exited with ${code}`);
    const result = await finished;
    if (result.requests !== options.requests) {
      throw new Error(`${mode}: ${result.requests} of ${options.requests} requests answered`);
    }
    return result;
  } finally {
    server.close();
    if (fd !== undefined) fs.closeSync(fd);
    if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A result's figures: CPU s per GB of request bytes and µs of CPU per request. */
function figures(r: RrResult): { mb_per_s: number; cpu_s_per_gb: number; cpu_us_per_request: number } {
  return {
    mb_per_s: r.bytes / 1e6 / r.seconds,
    cpu_s_per_gb: r.cpuSeconds / (r.bytes / 1e9),
    cpu_us_per_request: (r.cpuSeconds / r.requests) * 1e6,
  };
}

/** The JSON line of one pass. */
export function rrLine(mode: RrMode, pass: number, r: RrResult, options: RrOptions): string {
  const f = figures(r);
  return JSON.stringify({
    name: mode,
    pass,
    requests: r.requests,
    size: options.size,
    inflight: options.inflight,
    requests_per_s: Math.round(r.requests / r.seconds),
    mb_per_s: Math.round(f.mb_per_s),
    cpu_s_per_gb: round(f.cpu_s_per_gb, 3),
    cpu_us_per_request: round(f.cpu_us_per_request, 1),
  });
}

/** One line per mode: the medians over its passes, and its CPU per request against the floor's. */
export function rrSummaryLines(results: Map<RrMode, RrResult[]>): string[] {
  const medians = new Map(
    [...results].map(([mode, rs]) => {
      const all = rs.map(figures);
      const of = (key: keyof ReturnType<typeof figures>): number => median(all.map((f) => f[key]));
      return [
        mode,
        { mb_per_s: of('mb_per_s'), cpu_s_per_gb: of('cpu_s_per_gb'), us: of('cpu_us_per_request') },
      ];
    }),
  );
  const floor = medians.get('rr_onread');
  return [...medians].map(([mode, m]) =>
    JSON.stringify({
      name: mode,
      summary: 'median',
      mb_per_s: Math.round(m.mb_per_s),
      cpu_s_per_gb: round(m.cpu_s_per_gb, 3),
      cpu_us_per_request: round(m.us, 1),
      ...(floor ? { x_rr_onread: round(m.us / floor.us, 2) } : {}),
      passes: results.get(mode)!.length,
    }),
  );
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
