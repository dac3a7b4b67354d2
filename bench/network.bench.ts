/**
 * `npm run bench:network` — what the broker's receive path costs per GB of large Produce-sized
 * frames, measured beside its baselines in one run, interleaved so a noisy machine hits all alike:
 *
 * - `own_buffers`: Kiln's Connection as the broker runs it: the kernel reads straight into pooled
 *   frame buffers (net `onread`), which go back to the pool once each request is answered.
 * - `data_events`: the same Connection on plain 'data' events, each frame copied together from
 *   64 KiB chunks into a fresh buffer (how Kiln read before issue 5).
 * - `raw_socket`: a plain socket that only counts the bytes of its 'data' events: what Node's
 *   default reading costs before any decoding at all.
 *
 * A child process sends `--mib` MiB of 1 MiB frames (a Produce header, then filler) per pass; the
 * receiving process's own CPU time (user + system) is what each line reports, per GB received.
 * Prints one JSON object per line: {"name":…,"mb_per_s":…,"cpu_s_per_gb":…,"passes":…}.
 *
 * Then request/response traffic as `kiln perf` sends it (network/request-response.ts):
 * `--rr-requests` frames of `--rr-size` bytes (16 KiB), `--rr-inflight` (5) unanswered on one
 * connection, a small answer each, served by a bare Node server on 'data' events (`rr_bare`), the
 * same reading into one reusable buffer (`rr_onread`, the floor), Kiln's Connection
 * (`rr_connection`), rr_bare writing each read to a file (`rr_write`), and rr_onread with a CRC-32C
 * of every body byte and a file write per read (`rr_append_floor`: the least any produce path
 * costs here, Kafka's work aside). One line per pass with CPU
 * s/GB and µs of CPU per request, then one per mode with the medians over the passes
 * (`"summary":"median"`, and `x_rr_onread`: CPU per request against the floor's). Its passes are
 * interleaved with the others, after one short unreported warm-up of each mode; --rr-requests 0
 * leaves them out.
 */
import { spawn } from 'node:child_process';
import net from 'node:net';
import { parseArgs } from 'node:util';
import { Connection } from '../server/network/connection.js';
import { FramePool } from '../server/network/frame-pool.js';
import {
  RR_MODES,
  requestResponsePass,
  rrLine,
  rrSummaryLines,
  type RrMode,
  type RrOptions,
  type RrResult,
} from './network/request-response.js';

const { values } = parseArgs({
  options: {
    mib: { type: 'string', default: '1024' },
    passes: { type: 'string', default: '3' },
    'rr-requests': { type: 'string', default: '30000' },
    'rr-size': { type: 'string', default: String(16 * 1024) },
    'rr-inflight': { type: 'string', default: '5' },
  },
});
const MIB = 1024 * 1024;
const totalMiB = Number(values.mib);
const passes = Number(values.passes);
const rr: RrOptions = {
  requests: Number(values['rr-requests']),
  size: Number(values['rr-size']),
  inflight: Number(values['rr-inflight']),
};
// A request's body starts with its Produce header (24 bytes with the bench's client id).
const least = { requests: 0, size: 24, inflight: 1 };
for (const [name, value] of Object.entries(rr)) {
  const min = least[name as keyof RrOptions];
  if (!Number.isInteger(value) || value < min)
    throw new Error(`--rr-${name} must be a whole number >= ${min}`);
}
const rrModes: readonly RrMode[] = rr.requests > 0 ? RR_MODES : [];

/** The sender: `count` frames of 1 MiB whose body starts like a Produce request (api key 0). */
const SENDER = `
const net = require('node:net');
const [port, count] = process.argv.slice(1).map(Number);
const frame = Buffer.alloc(${MIB} + 4, 7);
frame.writeInt32BE(${MIB}, 0);
frame.writeInt16BE(0, 4);
const socket = net.connect(port, '127.0.0.1', () => {
  let left = count;
  const go = () => {
    while (left > 0) { left--; if (!socket.write(frame)) return socket.once('drain', go); }
    socket.end();
  };
  go();
});
`;

type Mode = 'own_buffers' | 'data_events' | 'raw_socket';

async function pass(mode: Mode): Promise<{ seconds: number; cpuSeconds: number; bytes: number }> {
  let received = 0;
  const pool = new FramePool();
  const server = net.createServer({ pauseOnConnect: mode === 'own_buffers' }, (socket) => {
    if (mode === 'raw_socket') {
      socket.on('data', (chunk: Buffer) => (received += chunk.length));
      return;
    }
    const own = mode === 'own_buffers';
    new Connection(
      socket,
      (frame) => {
        received += frame.length + 4;
        return null;
      },
      {
        maxFrameBytes: 100 * MIB,
        // The frames are Produce-sized and kept by nothing, so their buffers go back to the pool.
        ...(own ? { framePool: pool, ownReadBuffers: true, frameReusable: () => true } : {}),
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const sender = spawn(process.execPath, ['-e', SENDER, String(port), String(totalMiB)], {
    stdio: 'inherit',
  });
  await new Promise((resolve) => sender.once('exit', resolve));
  const expected = totalMiB * (MIB + 4);
  while (received < expected) await new Promise((resolve) => setTimeout(resolve, 1));
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  server.close();
  return { seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, bytes: received };
}

const modes: Mode[] = ['own_buffers', 'data_events', 'raw_socket'];
const totals = new Map(modes.map((m) => [m, { seconds: 0, cpuSeconds: 0, bytes: 0 }]));
const rrResults = new Map<RrMode, RrResult[]>(rrModes.map((m) => [m, []]));
// The first requests of each server run its code cold: a few thousand first, not reported.
for (const mode of rrModes) await requestResponsePass(mode, { ...rr, requests: Math.min(rr.requests, 3000) });
for (let i = 0; i < passes; i++) {
  for (const mode of modes) {
    const r = await pass(mode);
    const t = totals.get(mode)!;
    t.seconds += r.seconds;
    t.cpuSeconds += r.cpuSeconds;
    t.bytes += r.bytes;
  }
  for (const mode of rrModes) {
    const r = await requestResponsePass(mode, rr);
    rrResults.get(mode)!.push(r);
    process.stdout.write(rrLine(mode, i + 1, r, rr) + '\n');
  }
}
for (const [name, t] of totals) {
  process.stdout.write(
    JSON.stringify({
      name,
      mb_per_s: Math.round(t.bytes / 1e6 / t.seconds),
      cpu_s_per_gb: Math.round((t.cpuSeconds / (t.bytes / 1e9)) * 1000) / 1000,
      passes,
    }) + '\n',
  );
}
for (const line of rrSummaryLines(rrResults)) process.stdout.write(line + '\n');
