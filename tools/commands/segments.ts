/**
 * `kiln segments DIR`: a map of each partition's segments — offsets, sizes, batch counts, time
 * ranges and whether the indexes exist. Read-only; a corrupt segment shows what precedes the damage.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CLEANER_CHECKPOINT, readCheckpoint, segmentFilePath } from '../../engine/index.js';
import type { Command } from '../kiln.js';
import { UsageError } from '../kiln.js';
import { listPartitionDirs, listSegments, scanLog } from '../log-scan.js';

const USAGE = `usage: kiln segments DIR [--json]

Lists the segments of every partition directory under the data directory DIR (or of DIR itself
when it is a partition directory): base offset, last offset, size, batch count, time range and
whether the offset and time indexes exist, and the compaction state: active (being written),
cleaned (below the cleaner's checkpoint) or dirty (written since the last cleaner pass).

options:
  --json   one JSON object per segment ("type":"segment")`;

export interface SegmentRow {
  partition: string;
  baseOffset: number;
  /** -1 when the segment holds no batch. */
  lastOffset: number;
  size: number;
  batches: number;
  /** Smallest first timestamp and largest max timestamp over the batches; -1 when empty. */
  minTimestamp: number;
  maxTimestamp: number;
  hasIndex: boolean;
  hasTimeIndex: boolean;
  /**
   * Compaction state: 'active' (the segment being written, never cleaned), 'cleaned' (below the
   * cleaner's checkpoint) or 'dirty' (written since the last cleaner pass).
   */
  compaction: 'active' | 'cleaned' | 'dirty';
  /** Set when the scan stopped at a corrupt batch. */
  error?: string;
}

/** Where the cleaner's last pass over this partition stopped (the data dir's checkpoint), or 0. */
function cleanedUpTo(partitionDir: string): number {
  const file = path.join(path.dirname(partitionDir), CLEANER_CHECKPOINT);
  try {
    return readCheckpoint(file).get(path.basename(partitionDir)) ?? 0;
  } catch {
    return 0;
  }
}

export function segmentRows(partitionDir: string): SegmentRow[] {
  const partition = path.basename(partitionDir);
  const bases = listSegments(partitionDir);
  const clean = cleanedUpTo(partitionDir);
  return bases.map((base, i) => {
    const next = bases[i + 1];
    const scan = scanLog(segmentFilePath(partitionDir, base, 'log'));
    const last = scan.batches[scan.batches.length - 1];
    const row: SegmentRow = {
      partition,
      baseOffset: base,
      lastOffset: last?.lastOffset ?? -1,
      size: scan.fileSize,
      batches: scan.batches.length,
      minTimestamp: scan.batches.length ? Math.min(...scan.batches.map((b) => b.firstTimestamp)) : -1,
      maxTimestamp: scan.batches.length ? Math.max(...scan.batches.map((b) => b.maxTimestamp)) : -1,
      hasIndex: fs.existsSync(segmentFilePath(partitionDir, base, 'index')),
      hasTimeIndex: fs.existsSync(segmentFilePath(partitionDir, base, 'timeindex')),
      compaction: next === undefined ? 'active' : next <= clean ? 'cleaned' : 'dirty',
    };
    if (scan.error) row.error = scan.error.message;
    return row;
  });
}

const time = (ms: number): string => (ms < 0 ? '-' : new Date(ms).toISOString());

function table(rows: SegmentRow[]): string {
  const header = [
    'BASE',
    'LAST',
    'SIZE',
    'BATCHES',
    'FIRST TIMESTAMP',
    'MAX TIMESTAMP',
    'INDEX',
    'TIMEINDEX',
    'COMPACTION',
    'NOTE',
  ];
  const cells = rows.map((r) => [
    String(r.baseOffset),
    r.lastOffset < 0 ? '-' : String(r.lastOffset),
    String(r.size),
    String(r.batches),
    time(r.minTimestamp),
    time(r.maxTimestamp),
    r.hasIndex ? 'yes' : 'no',
    r.hasTimeIndex ? 'yes' : 'no',
    r.compaction,
    r.error ? `corrupt: ${r.error}` : '',
  ]);
  const all = [header, ...cells];
  const widths = header.map((_, i) => Math.max(...all.map((row) => row[i]!.length)));
  // Numbers right-aligned so digits line up; text left-aligned. The last column is never padded.
  const numeric = new Set([0, 1, 2, 3]);
  return all
    .map((row) =>
      row
        .map((cell, i) =>
          i === row.length - 1 ? cell : numeric.has(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!),
        )
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export const command: Command = {
  name: 'segments',
  summary: "map each partition's segments: offsets, sizes, batches, time ranges, indexes",
  usage: USAGE,
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { json: { type: 'boolean', default: false } },
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length !== 1) throw new UsageError('expected exactly one directory');
    const dir = positionals[0]!;
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory())
      throw new UsageError(`${dir} is not a directory`);
    // A partition directory given directly is listed on its own: handy when poking at one log.
    const partitions = listSegments(dir).length > 0 ? [dir] : listPartitionDirs(dir);
    const out: string[] = [];
    for (const partitionDir of partitions) {
      const rows = segmentRows(partitionDir);
      if (values.json) {
        for (const row of rows) out.push(JSON.stringify({ type: 'segment', ...row }));
      } else {
        out.push(`${path.basename(partitionDir)} (${rows.length} segments)`, table(rows), '');
      }
    }
    if (!values.json && partitions.length === 0) out.push(`no partition directories under ${dir}`);
    if (out.length > 0) process.stdout.write(out.join('\n') + '\n');
    return 0;
  },
};
