// Shared by the tests of moves between data directories: a log manager on two directories with
// small segments, batches with producer ids, everything a log holds read back, and copies of the
// directories as a crash would leave them.
import fs from 'node:fs';
import path from 'node:path';
import { LogManager, type LogManagerOptions } from '../../../engine/log/log-manager.js';
import type { PartitionLog } from '../../../engine/log/partition-log.js';
import { buildBatch } from '../../../engine/record/batch-builder.js';
import { LOCK_FILE } from '../../../engine/log/dir-lock.js';
import { decodeRecords, type PlainRecord } from '../../helpers/log-fixtures.js';

export const TOPIC = 'moving';
/** Small segments, so a few hundred records make many. */
export const SEGMENT_BYTES = 2048;

export function openManager(dirs: string[], extra: Partial<LogManagerOptions> = {}): LogManager {
  return LogManager.open({
    dirs,
    // No time or size retention: the tests delete what they mean to (DeleteRecords, then retention).
    topicConfigs: {
      [TOPIC]: {
        'segment.bytes': String(SEGMENT_BYTES),
        'index.interval.bytes': '256',
        'retention.ms': '-1',
      },
    },
    retentionCheckIntervalMs: 0,
    flushCheckIntervalMs: 0,
    checkpointIntervalMs: 0,
    ...extra,
  });
}

/**
 * Appends at least `bytes` in batches of 60 records of 1 KB each: enough for a move to follow the
 * log a while before it switches (it switches at once when it lacks less than 1 MiB).
 */
export function fillBulk(log: PartitionLog, bytes: number, tag = 'bulk'): void {
  for (let appended = 0; appended < bytes; appended += 60 * 1000) fill(log, 1, 60, tag, 1000);
}

/** Appends `batches` batches of `perBatch` records from an idempotent producer (id 42). */
export function fill(log: PartitionLog, batches: number, perBatch = 5, tag = 'r', valueBytes = 40): void {
  for (let b = 0; b < batches; b++) {
    const first = log.logEndOffset;
    const sequence = (log.producers.get(42)?.batches.at(-1)?.lastSeq ?? -1) + 1;
    log.append(
      buildBatch({
        producerId: 42,
        producerEpoch: 0,
        baseSequence: sequence,
        records: Array.from({ length: perBatch }, (_, i) => ({
          key: `${tag}-k${first + i}`,
          value: `${tag}-v${first + i}-${'x'.repeat(valueBytes)}`,
          timestamp: 1_700_000_000_000 + first + i,
        })),
      }),
    );
  }
}

/** Every record of the log from its start offset to its end. */
export async function allRecords(log: PartitionLog): Promise<PlainRecord[]> {
  const out: PlainRecord[] = [];
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const read = await log.read(offset, 64 * 1024);
    const records = decodeRecords(read.records).filter((r) => r.offset >= offset);
    if (records.length === 0) throw new Error(`no records at ${offset}`);
    out.push(...records);
    offset = records[records.length - 1]!.offset + 1;
  }
  return out;
}

/** Each producer's epoch and last batch: what a snapshot keeps of it. */
export function producerSummary(log: PartitionLog): unknown[] {
  return [...log.producers.entries()].map((e) => [e.producerId, e.epoch, e.batches.at(-1)]);
}

/** The partition's `.log` files in `partitionDir`, by name, with their bytes. */
export function segmentFiles(partitionDir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const name of fs.readdirSync(partitionDir).sort())
    if (name.endsWith('.log')) files.set(name, fs.readFileSync(path.join(partitionDir, name)));
  return files;
}

/** The directories in `dir` whose names start with the test topic's. */
export function partitionDirsIn(dir: string): string[] {
  return fs.readdirSync(dir).filter((name) => name.startsWith(`${TOPIC}-`));
}

/**
 * Copies the data directories into `to` as they are this instant — what a process killed now
 * leaves on disk (the page cache survives a process) — without the lock files.
 */
export function crashCopy(dirs: readonly string[], to: string): string[] {
  return dirs.map((dir, i) => {
    const copy = path.join(to, String(i));
    fs.cpSync(dir, copy, { recursive: true, filter: (src) => path.basename(src) !== LOCK_FILE });
    return copy;
  });
}
