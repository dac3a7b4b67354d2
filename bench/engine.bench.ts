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
const TIME_MS = Number(process.env.BENCH_TIME_MS ?? 1500);

function emit(result: Record<string, string | number>): void {
  process.stdout.write(JSON.stringify(result) + '\n');
}

function mbPerSecond(bytesPerOp: number, task: { result?: unknown } | undefined): number {
  const result = task?.result as { throughput?: { mean?: number }; latency?: { mean?: number } } | undefined;
  const meanMs = result?.latency?.mean;
  if (!meanMs) throw new Error('benchmark task produced no result');
  return bytesPerOp / MIB / (meanMs / 1000);
}

function nsPerOp(task: { result?: unknown } | undefined): number {
  const result = task?.result as { latency?: { mean?: number } } | undefined;
  if (!result?.latency?.mean) throw new Error('benchmark task produced no result');
  return result.latency.mean * 1e6;
}

/** A batch of `bytes` total size, made of records of about 1 KiB. */
function batchOfSize(bytes: number): Buffer {
  const value = Buffer.alloc(1000, 'x');
  const records = Array.from({ length: Math.floor(bytes / 1010) }, (_, i) => ({ key: `k${i}`, value }));
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
      config: parseLogConfig({ 'segment.bytes': String(256 * MIB), 'retention.bytes': String(512 * MIB) }),
      budget: new MappingBudget(16),
      cleanShutdown: true,
    });
    const rawPath = path.join(root, 'raw.bin');
    const rawFd = fs.openSync(rawPath, 'w+');
    let rawPos = 0;
    let appends = 0;
    const appendBench = new Bench({ time: TIME_MS, warmupTime: 200 });
    appendBench
      .add('raw fs.writeSync 1 MiB', () => {
        fs.writeSync(rawFd, batch, 0, batch.length, rawPos);
        rawPos += batch.length;
        if (rawPos >= 512 * MIB) rawPos = 0; // keep the file (and the page cache it dirties) bounded
      })
      .add('kiln append 1 MiB batch', () => {
        log.append(batch);
        if (++appends % 256 === 0) log.deleteOldSegments();
      });
    await appendBench.run();
    const raw = mbPerSecond(batch.length, appendBench.getTask('raw fs.writeSync 1 MiB'));
    const kiln = mbPerSecond(batch.length, appendBench.getTask('kiln append 1 MiB batch'));
    emit({ name: 'append_1mib', mb_per_s: round(kiln), baseline_mb_per_s: round(raw), ratio: round(kiln / raw, 3) });

    // --- read from the page cache vs fs.readSync ----------------------------------------------
    const start = log.logStartOffset;
    const end = log.logEndOffset;
    const perBatch = batch.readInt32BE(23) + 1;
    const readBuffer = Buffer.allocUnsafe(batch.length);
    let readOffset = start;
    let rawReadPos = 0;
    // Warm the page cache for both so that both measure cached reads.
    for (let o = start; o < end; o += perBatch) await log.read(o, batch.length);
    const readBench = new Bench({ time: TIME_MS, warmupTime: 200 });
    readBench
      .add('raw fs.readSync 1 MiB', () => {
        fs.readSync(rawFd, readBuffer, 0, readBuffer.length, rawReadPos);
        rawReadPos = (rawReadPos + batch.length) % (256 * MIB);
      })
      .add('kiln read 1 MiB', async () => {
        const result = await log.read(readOffset, batch.length);
        if (result.records.length === 0) throw new Error('empty read');
        readOffset += perBatch;
        if (readOffset >= end) readOffset = start;
      });
    await readBench.run();
    const rawRead = mbPerSecond(batch.length, readBench.getTask('raw fs.readSync 1 MiB'));
    const kilnRead = mbPerSecond(batch.length, readBench.getTask('kiln read 1 MiB'));
    emit({ name: 'read_page_cache', mb_per_s: round(kilnRead), baseline_mb_per_s: round(rawRead), ratio: round(kilnRead / rawRead, 3) });
    log.close();
    fs.closeSync(rawFd);

    // --- index lookup ------------------------------------------------------------------------
    const index = OffsetIndex.open(path.join(root, 'lookup.index'), 0, { maxIndexBytes: 10 * MIB, writable: true });
    const entries = 1_000_000;
    for (let i = 0; i < entries; i++) index.append(i * 10 + 5, i * 4096);
    const targets = Array.from({ length: 4096 }, () => Math.floor(Math.random() * entries * 10));
    let t = 0;
    let sink = 0;
    const indexBench = new Bench({ time: TIME_MS, warmupTime: 200 });
    indexBench.add('offset index lookup (1M entries, random)', () => {
      sink += index.lookupPosition(targets[t++ & 4095]!);
    });
    await indexBench.run();
    emit({ name: 'index_lookup', ns_per_op: round(nsPerOp(indexBench.getTask('offset index lookup (1M entries, random)')), 1), entries });
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
    emit({ name: 'batch_validate', mb_per_s: round(validate), baseline_mb_per_s: round(crc), ratio: round(validate / crc, 3) });
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
