/**
 * This machine's physical limits, measured in the same run as the broker so that the broker's
 * figures can be read as fractions of them: sequential write + fdatasync on the file system the
 * brokers' data directories live on, and Node-to-Node TCP over 127.0.0.1. On a shared, noisy
 * machine an absolute rate means little; a ratio to a limit measured minutes apart means more.
 */
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { track } from './child-processes.js';

const MIB = 1024 * 1024;

export interface Throughput {
  bytes: number;
  seconds: number;
  /** GB = 10^9 bytes. */
  gbPerSec: number;
}

export interface DiskWrite extends Throughput {
  dir: string;
  writeBytes: number;
}

export interface MachineLimits {
  diskWrite: DiskWrite | { error: string };
  loopback: (Throughput & { writeBytes: number }) | { error: string };
}

/**
 * Writes `bytes` in `chunk`-sized fs.writeSync calls to a new file in `dir`, then fdatasyncs it:
 * the time until the data is on the device, not merely in the page cache. The file is removed.
 */
export function measureDiskWrite(dir: string, bytes = 1024 * MIB, chunk = MIB): DiskWrite {
  // Random bytes, so no layer below can make the write cheaper by compressing or deduplicating.
  const buffer = crypto.randomFillSync(Buffer.allocUnsafe(chunk));
  const file = path.join(dir, `kiln-e2e-disk-${process.pid}-${Date.now()}.bin`);
  const fd = fs.openSync(file, 'w');
  try {
    const started = performance.now();
    let written = 0;
    while (written < bytes) {
      written += fs.writeSync(fd, buffer, 0, Math.min(chunk, bytes - written), written);
    }
    fs.fdatasyncSync(fd);
    const seconds = (performance.now() - started) / 1000;
    return { dir, bytes: written, writeBytes: chunk, seconds, gbPerSec: written / 1e9 / seconds };
  } finally {
    fs.closeSync(fd);
    fs.rmSync(file, { force: true });
  }
}

/** Reads newline-terminated JSON objects from a stream, handing each to `onLine`. */
function jsonLines(stream: NodeJS.ReadableStream, onLine: (value: Record<string, unknown>) => void): void {
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    pending += chunk;
    let newline: number;
    while ((newline = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      try {
        onLine(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // Not ours (a warning from Node, say).
      }
    }
  });
}

/**
 * Sends `bytes` in `chunk`-sized socket writes to a sink in a child process (loopback-sink.ts) and
 * times it from the first write until the sink reports every byte received.
 */
export async function measureLoopback(
  repoRoot: string,
  bytes = 2e9,
  chunk = MIB,
): Promise<Throughput & { writeBytes: number }> {
  const sinkFile = path.join(repoRoot, 'bench', 'e2e', 'loopback-sink.ts');
  const sink = track(
    spawn(process.execPath, ['--import', 'tsx', sinkFile], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
  );
  try {
    let onPort: (port: number) => void = () => {};
    let onBytes: (n: number) => void = () => {};
    const port = new Promise<number>((resolve) => (onPort = resolve));
    const received = new Promise<number>((resolve) => (onBytes = resolve));
    const exited = new Promise<never>((_, reject) =>
      sink.once('exit', (code) => reject(new Error(`loopback sink exited ${code} early`))),
    );
    // Nobody may wait on `exited` once the sink has reported; keep it from being an unhandled rejection.
    exited.catch(() => {});
    if (!sink.stdout) throw new Error('loopback sink has no stdout');
    jsonLines(sink.stdout, (value) => {
      if (typeof value.port === 'number') onPort(value.port);
      if (typeof value.bytes === 'number') onBytes(value.bytes);
    });
    const socket = net.connect(await Promise.race([port, exited]), '127.0.0.1');
    await Promise.race([new Promise((resolve) => socket.once('connect', resolve)), exited]);
    const buffer = crypto.randomFillSync(Buffer.allocUnsafe(chunk));
    const started = performance.now();
    let sent = 0;
    while (sent < bytes) {
      const n = Math.min(chunk, bytes - sent);
      sent += n;
      if (!socket.write(n === chunk ? buffer : buffer.subarray(0, n))) {
        await Promise.race([new Promise((resolve) => socket.once('drain', resolve)), exited]);
      }
    }
    socket.end();
    const total = await Promise.race([received, exited]);
    const seconds = (performance.now() - started) / 1000;
    socket.destroy();
    if (total !== sent) throw new Error(`loopback sink received ${total} of ${sent} bytes`);
    return { bytes: sent, writeBytes: chunk, seconds, gbPerSec: sent / 1e9 / seconds };
  } finally {
    if (sink.exitCode === null) sink.kill('SIGKILL');
  }
}

export interface LimitSizes {
  diskBytes: number;
  loopbackBytes: number;
}

export const FULL_LIMIT_SIZES: LimitSizes = { diskBytes: 1024 * MIB, loopbackBytes: 2e9 };
export const QUICK_LIMIT_SIZES: LimitSizes = { diskBytes: 256 * MIB, loopbackBytes: 5e8 };

/** Both limits; a failed measurement is recorded as its error and the run goes on. */
export async function measureMachineLimits(
  repoRoot: string,
  dataRoot: string,
  sizes: LimitSizes,
): Promise<MachineLimits> {
  let diskWrite: MachineLimits['diskWrite'];
  try {
    diskWrite = measureDiskWrite(dataRoot, sizes.diskBytes);
  } catch (err) {
    diskWrite = { error: (err as Error).message };
  }
  let loopback: MachineLimits['loopback'];
  try {
    loopback = await measureLoopback(repoRoot, sizes.loopbackBytes);
  } catch (err) {
    loopback = { error: (err as Error).message };
  }
  return { diskWrite, loopback };
}

/** The limit in GB/s, or null if it could not be measured. */
export function limitGbPerSec(limit: Throughput | { error: string }): number | null {
  return 'gbPerSec' in limit ? limit.gbPerSec : null;
}

export interface LimitsReport {
  /** Measured before the first case and after the last one. */
  measurements: Array<MachineLimits & { at: 'start' | 'end' }>;
  /** The best of the measurements, in GB/s: what the ratios are computed against. */
  diskGbPerSec: number | null;
  loopbackGbPerSec: number | null;
}

/**
 * The best figure of each limit over the measurements. Other work on a shared machine can only
 * slow a measurement down, never speed it up, so the fastest one is the closest to the machine's
 * real limit — and a ratio against a depressed limit would flatter the broker.
 */
export function bestLimits(measurements: LimitsReport['measurements']): LimitsReport {
  const best = (values: Array<number | null>): number | null => {
    const known = values.filter((v): v is number => v !== null);
    return known.length > 0 ? Math.max(...known) : null;
  };
  return {
    measurements,
    diskGbPerSec: best(measurements.map((m) => limitGbPerSec(m.diskWrite))),
    loopbackGbPerSec: best(measurements.map((m) => limitGbPerSec(m.loopback))),
  };
}
