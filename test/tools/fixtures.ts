// Shared set-up for the tools tests: a real data directory written by the engine, and a way to run a
// command's run() with its stdout captured.
import path from 'node:path';
import { vi } from 'vitest';
import { Codec, MappingBudget, PartitionLog, buildBatch, parseLogConfig } from '../../engine/index.js';
import type { Command } from '../../tools/kiln.js';

export interface WrittenRecord {
  offset: number;
  key: string;
  value: string;
  timestamp: number;
}

export const TOPIC = 'events';
export const BASE_TIME = 1_700_000_000_000;
const CODECS = [Codec.None, Codec.Gzip, Codec.Snappy, Codec.Lz4, Codec.Zstd];

/**
 * Writes `batches` batches of 5 records (codecs in turn) to `<root>/events-<partition>` with small
 * segments and a dense index, so there are several segments with index entries. Returns the records.
 */
export function writePartition(root: string, batches = 20, partition = 0): WrittenRecord[] {
  const log = PartitionLog.open({
    dir: path.join(root, `${TOPIC}-${partition}`),
    topic: TOPIC,
    partition,
    config: parseLogConfig({ 'segment.bytes': '1500', 'index.interval.bytes': '200' }),
    budget: new MappingBudget(16),
    cleanShutdown: true,
  });
  const written: WrittenRecord[] = [];
  for (let b = 0; b < batches; b++) {
    const records = Array.from({ length: 5 }, (_, i) => ({
      key: `k${b}-${i}`,
      value: JSON.stringify({ batch: b, i }),
      timestamp: BASE_TIME + b * 10 + i,
      headers: i === 0 ? [{ key: 'h', value: `hv${b}` }] : [],
    }));
    const codec = CODECS[b % CODECS.length]!;
    // The last batch is idempotent, so the producer snapshot written at close has an entry.
    const producer = b === batches - 1 ? { producerId: 7, producerEpoch: 1, baseSequence: 0 } : {};
    const { firstOffset } = log.append(buildBatch({ records, codec, ...producer }));
    records.forEach((r, i) =>
      written.push({ offset: firstOffset + i, key: r.key, value: r.value, timestamp: r.timestamp }),
    );
  }
  log.close();
  return written;
}

/** Runs `command.run(argv)` and returns its exit code and everything it wrote to stdout. */
export async function runCaptured(command: Command, argv: string[]): Promise<{ code: number; out: string }> {
  const chunks: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  });
  try {
    const code = await command.run(argv);
    return { code, out: chunks.join('') };
  } finally {
    spy.mockRestore();
  }
}

/** The JSON lines of an output. */
export function jsonLines(out: string): Record<string, unknown>[] {
  return out
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
