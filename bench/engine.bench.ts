/**
 * `npm run bench:engine` — micro benchmarks of the storage engine's hot functions, each measured
 * beside a raw baseline in the same run, so the ratios mean something on a noisy shared machine.
 *
 * Prints one JSON object per line:
 *   {"name":"append_1mib","mb_per_s":…,"baseline_mb_per_s":…,"ratio":…}   target ratio >= 0.8
 *   {"name":"read_page_cache","mb_per_s":…,"baseline_mb_per_s":…,"ratio":…} target >= 2000 MB/s
 *   {"name":"index_lookup","ns_per_op":…}                                 target < 1000 ns
 *   {"name":"batch_validate","mb_per_s":…,"baseline_mb_per_s":…,"ratio":…} (baseline: CRC-32C alone)
 *
 * The append baseline writes the same bytes with fs.writeSync to a plain file; the read baseline
 * reads the same bytes back with fs.readSync into a reused buffer. Kiln's read hands out slices of
 * a mapping (no copy), so its figure is the cost of finding and slicing the data — what a fetch
 * pays before the socket writes the bytes.
 */
import { crc32c } from '@node-rs/crc32';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Bench } from 'tinybench';
import {
  MappingBudget,
  OffsetIndex,
  PartitionLog,
  buildBatch,
  destroyWorkerPools,
  parseLogConfig,
  validateBatches,
} from '../engine/index.js';

const MIB = 1024 * 1024;
const TIME_MS = Number(process.env.BENCH_TIME_MS ?? 4000);

function emit(result: Record<string, string | number>): void {
  process.stdout.write(JSON.stringify(result) + '\n');
}

interface TaskLike {
  name: string;
  result?: unknown;
}

/** Mean milliseconds per operation of a finished task; throws with the task's own error if it failed. */
function meanMs(task: TaskLike | undefined): number {
  const result = task?.result as { latency?: { mean?: number }; error?: unknown } | undefined;
  if (result?.error) throw result.error;
  const mean = result?.latency?.mean;
  if (!mean) throw new Error(`benchmark task ${task?.name ?? '?'} produced no result`);
  return mean;
}

function mbPerSecond(bytesPerOp: number, task: TaskLike | undefined): number {
  return bytesPerOp / MIB / (meanMs(task) / 1000);
}

function nsPerOp(task: TaskLike | undefined): number {
  return meanMs(task) * 1e6;
}

/**
 * Runs the tasks in several short passes, alternating their order, and returns the mean ms per
 * operation of each over all passes. Appends dirty the page cache and the kernel's writeback
 * throttles whoever writes next, so a baseline measured wholly before or after would not be fair.
 */
async function interleaved(
  tasks: Record<string, () => unknown>,
  passes = 6,
): Promise<Record<string, number>> {
  const totals: Record<string, { ms: number; ops: number }> = {};
  const names = Object.keys(tasks);
  for (let pass = 0; pass < passes; pass++) {
    const bench = new Bench({ time: TIME_MS / passes, warmupTime: 50 });
    const order = pass % 2 === 0 ? names : [...names].reverse();
    for (const name of order) bench.add(name, tasks[name]!);
    await bench.run();
    for (const name of names) {
      const task = bench.getTask(name);
      const mean = meanMs(task);
      const samples = (task?.result as { latency?: { samplesCount?: number } }).latency?.samplesCount ?? 1;
      const total = (totals[name] ??= { ms: 0, ops: 0 });
      total.ms += mean * samples;
      total.ops += samples;
    }
  }
  return Object.fromEntries(names.map((name) => [name, totals[name]!.ms / totals[name]!.ops]));
}

/** A batch of `bytes` total size, made of records of about 1 KiB. */
function batchOfSize(bytes: number): Buffer {
  const value = Buffer.alloc(1000, 'x');
  const records = Array.from({ length: Math.floor((bytes - 61) / 1030) }, (_, i) => ({
    key: `k${i}`,
    value,
  }));
  return buildBatch({ records });
}

async function main(): Promise<void> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-bench-'));
  try {
    const batch = batchOfSize(MIB);
    const smallBatches = Buffer.concat(Array.from({ length: 64 }, () => batchOfSize(16 * 1024)));

    // --- append vs fs.writeSync --------------------------------------------------------------
    const log = PartitionLog.open({
      dir: path.join(root, 'bench-0'),
      topic: 'bench',
      partition: 0,
      config: parseLogConfig({
        'segment.bytes': String(256 * MIB),
        'retention.bytes': String(512 * MIB),
        'max.message.bytes': String(2 * MIB),
      }),
      budget: new MappingBudget(16),
      cleanShutdown: true,
    });
    // The baseline writes the same bytes to plain files the way the log does: new files of
    // segment.bytes, the oldest deleted past 512 MiB, so both extend files into fresh pages.
    const rawFiles: string[] = [];
    let rawFd = -1;
    let rawPos = 0;
    const rawNextFile = (): void => {
      if (rawFd >= 0) fs.closeSync(rawFd);
      const file = path.join(root, `raw-${rawFiles.length}.bin`);
      rawFiles.push(file);
      rawFd = fs.openSync(file, 'w+');
      rawPos = 0;
      if (rawFiles.length > 3) fs.rmSync(rawFiles[rawFiles.length - 4]!, { force: true });
    };
    rawNextFile();
    let appends = 0;
    const append = await interleaved({
      raw: () => {
        if (rawPos + batch.length > 256 * MIB) rawNextFile();
        fs.writeSync(rawFd, batch, 0, batch.length, rawPos);
        rawPos += batch.length;
      },
      kiln: () => {
        log.append(batch);
        if (++appends % 64 === 0) log.deleteOldSegments();
      },
    });
    const raw = batch.length / MIB / (append.raw! / 1000);
    const kiln = batch.length / MIB / (append.kiln! / 1000);
    emit({
      name: 'append_1mib',
      mb_per_s: round(kiln),
      baseline_mb_per_s: round(raw),
      ratio: round(kiln / raw, 3),
    });

    // --- read from the page cache vs fs.readSync ----------------------------------------------
    const start = log.logStartOffset;
    const end = log.logEndOffset;
    const perBatch = batch.readInt32BE(23) + 1;
    const readBuffer = Buffer.allocUnsafe(batch.length);
    let readOffset = start;
    let rawReadPos = 0;
    // Warm the page cache for both so that both measure cached reads.
    for (let o = start; o < end; o += perBatch) await log.read(o, batch.length);
    // The baseline reads the newest whole file of the same bytes, also in the page cache.
    const rawReadFd = fs.openSync(rawFiles[Math.max(0, rawFiles.length - 2)]!, 'r');
    const rawReadSpan = Math.floor(fs.fstatSync(rawReadFd).size / batch.length) * batch.length;
    for (let p = 0; p < rawReadSpan; p += batch.length)
      fs.readSync(rawReadFd, readBuffer, 0, readBuffer.length, p);
    const read = await interleaved({
      raw: () => {
        fs.readSync(rawReadFd, readBuffer, 0, readBuffer.length, rawReadPos);
        rawReadPos = (rawReadPos + batch.length) % rawReadSpan;
      },
      kiln: async () => {
        const result = await log.read(readOffset, batch.length);
        if (result.records.length === 0) throw new Error('empty read');
        readOffset += perBatch;
        if (readOffset >= end) readOffset = start;
      },
    });
    const rawRead = batch.length / MIB / (read.raw! / 1000);
    const kilnRead = batch.length / MIB / (read.kiln! / 1000);
    emit({
      name: 'read_page_cache',
      mb_per_s: round(kilnRead),
      baseline_mb_per_s: round(rawRead),
      ratio: round(kilnRead / rawRead, 3),
    });
    fs.closeSync(rawReadFd);
    log.close();
    fs.closeSync(rawFd);

    // --- index lookup ------------------------------------------------------------------------
    const index = OffsetIndex.open(path.join(root, 'lookup.index'), 0, {
      maxIndexBytes: 10 * MIB,
      writable: true,
    });
    const entries = 1_000_000;
    for (let i = 0; i < entries; i++) index.append(i * 10 + 5, i * 1024);
    const targets = Array.from({ length: 4096 }, () => Math.floor(Math.random() * entries * 10));
    let t = 0;
    let sink = 0;
    const indexBench = new Bench({ time: TIME_MS, warmupTime: 200 });
    indexBench.add('offset index lookup (1M entries, random)', () => {
      sink += index.lookupPosition(targets[t++ & 4095]!);
    });
    await indexBench.run();
    emit({
      name: 'index_lookup',
      ns_per_op: round(nsPerOp(indexBench.getTask('offset index lookup (1M entries, random)')), 1),
      entries,
    });
    index.close();
    if (sink === -1) console.log(sink);

    // --- batch validation vs CRC alone -------------------------------------------------------
    const validateBench = new Bench({ time: TIME_MS, warmupTime: 200 });
    validateBench
      .add('crc32c alone', () => {
        crc32c(smallBatches);
      })
      .add('validate 64 batches of 16 KiB', () => {
        validateBatches(smallBatches);
      });
    await validateBench.run();
    const crc = mbPerSecond(smallBatches.length, validateBench.getTask('crc32c alone'));
    const validate = mbPerSecond(smallBatches.length, validateBench.getTask('validate 64 batches of 16 KiB'));
    emit({
      name: 'batch_validate',
      mb_per_s: round(validate),
      baseline_mb_per_s: round(crc),
      ratio: round(validate / crc, 3),
    });
  } finally {
    await destroyWorkerPools();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

function round(value: number, digits = 1): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

await main();
