/**
 * `kiln verify DIR`: checks a stopped broker's data directory offline — batch CRCs and lengths,
 * offsets increasing across batches and segments, both indexes against the batches they point at,
 * and the checkpoint files against each log's range. `--repair` fixes what the engine's own
 * start-up recovery fixes (recoverSegment: rebuilt indexes, torn tails cut) and the cleaner's
 * checkpoint; of the other checkpoints it says what the next broker start will do about them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  DEFAULT_LOG_CONFIG,
  DirLock,
  LogDirLockedError,
  LogSegment,
  MappingBudget,
  recoverSegment,
  segmentFilePath,
} from '../../engine/index.js';
import type { Command } from '../kiln.js';
import { UsageError } from '../kiln.js';
import {
  checkOffsetEntries,
  checkTimeEntries,
  indexSanityProblem,
  listPartitionDirs,
  listSegments,
  readOffsetIndex,
  readTimeIndex,
  scanLog,
} from '../log-scan.js';
import { Progress } from '../progress.js';
import { repairCleanerCheckpoint, verifyCheckpoints } from '../verify-checkpoints.js';
import type { CheckpointProblem, PartitionRange } from '../verify-checkpoints.js';

const USAGE = `usage: kiln verify DIR [--repair] [--json]

Checks every partition directory under the data directory DIR: batch CRCs and lengths, offsets
increasing across batches and segments, offset and time indexes (entries at batch boundaries,
monotonic), and the checkpoint files (readable, within each log's range). Prints one line per
problem and a summary.

options:
  --repair   rebuild the indexes and cut torn tails at the first bad batch of each damaged segment
             (the broker's own recovery), drop bad cleaner-offset-checkpoint entries, then verify
             again. A bad recovery-point or log-start-offset checkpoint is left to the broker: its
             next start fixes it, and --repair says how. Refused while a broker holds DIR.
  --json     one JSON object per problem ("type":"problem") and a final "type":"summary" line

Exit 0 when clean, 1 when problems remain, 2 on bad usage or a locked directory.`;

/** What recoverSegment can fix: everything inside one segment's files. */
type ProblemKind = 'batch' | 'offsets' | 'index' | 'timeindex' | 'checkpoint';

export interface Problem {
  kind: ProblemKind;
  /** The file the problem is in. */
  file: string;
  message: string;
  /** The segment recoverSegment would repair, when it can. */
  segment?: { dir: string; baseOffset: number };
  /** For a checkpoint the broker fixes: what its next start will do (tools/verify-checkpoints.ts). */
  nextStart?: string;
  /** For a checkpoint --repair fixes itself (the cleaner's). */
  repair?: { partition?: string };
}

export interface VerifyReport {
  partitions: number;
  segments: number;
  problems: Problem[];
}

function verifySegment(dir: string, base: number, nextOffset: number, problems: Problem[]): number {
  const logFile = segmentFilePath(dir, base, 'log');
  const segment = { dir, baseOffset: base };
  const scan = scanLog(logFile);
  if (scan.error) {
    const cut = scan.fileSize - scan.error.position;
    problems.push({
      kind: 'batch',
      file: logFile,
      message: `${scan.error.message} (${cut} bytes from there to the end)`,
      segment,
    });
  }
  let expected = Math.max(nextOffset, base);
  for (const batch of scan.batches) {
    if (batch.baseOffset < expected) {
      problems.push({
        kind: 'offsets',
        file: logFile,
        message: `batch at position ${batch.position} starts at offset ${batch.baseOffset}, expected at least ${expected}`,
        // Inside one segment recovery cuts the log there; across segments it cannot help.
        ...(batch.position > 0 ? { segment } : {}),
      });
    }
    expected = Math.max(expected, batch.lastOffset + 1);
  }
  for (const kind of ['index', 'timeindex'] as const) {
    const file = segmentFilePath(dir, base, kind);
    if (!fs.existsSync(file)) {
      problems.push({ kind, file, message: 'missing', segment });
      continue;
    }
    const sanity = indexSanityProblem(kind, file, base);
    if (sanity) {
      problems.push({ kind, file, message: sanity, segment });
      continue;
    }
    const messages =
      kind === 'index'
        ? checkOffsetEntries(readOffsetIndex(file, base), scan.batches)
        : checkTimeEntries(readTimeIndex(file, base), scan.batches);
    for (const message of messages) problems.push({ kind, file, message, segment });
  }
  return expected;
}

/** Verifies every partition under `dataDir`; read-only. */
export function verifyDataDir(dataDir: string): VerifyReport {
  const partitions = listPartitionDirs(dataDir);
  const work = partitions.map((dir) => ({ dir, bases: listSegments(dir) }));
  const total = work.reduce((n, w) => n + w.bases.length, 0);
  const progress = new Progress('verifying segment', total);
  const problems: Problem[] = [];
  const ranges = new Map<string, PartitionRange>();
  try {
    for (const { dir, bases } of work) {
      let next = bases[0] ?? 0;
      for (const base of bases) {
        next = verifySegment(dir, base, next, problems);
        progress.tick(path.join(path.basename(dir), String(base)));
      }
      ranges.set(path.basename(dir), { firstOffset: bases[0] ?? 0, logEndOffset: next });
    }
  } finally {
    progress.finish();
  }
  const checkpointProblems: CheckpointProblem[] = [];
  verifyCheckpoints(dataDir, ranges, checkpointProblems);
  problems.push(...checkpointProblems);
  return { partitions: partitions.length, segments: total, problems };
}

function printReport(report: VerifyReport, json: boolean, label: string): void {
  const lines: string[] = [];
  for (const p of report.problems) {
    lines.push(
      json
        ? JSON.stringify({ type: 'problem', ...p, segment: undefined })
        : `${p.file}: ${p.kind}: ${p.message}`,
    );
  }
  const summary = {
    type: 'summary',
    phase: label,
    partitions: report.partitions,
    segments: report.segments,
    problems: report.problems.length,
  };
  lines.push(
    json
      ? JSON.stringify(summary)
      : `${label}: ${report.partitions} partitions, ${report.segments} segments, ${report.problems.length === 0 ? 'no problems' : `${report.problems.length} problems`}`,
  );
  process.stdout.write(lines.join('\n') + '\n');
}

/** The segments recoverSegment can repair, once each, in order. */
function repairTargets(problems: Problem[]): { dir: string; baseOffset: number }[] {
  const seen = new Map<string, { dir: string; baseOffset: number }>();
  for (const p of problems) {
    if (p.segment) seen.set(segmentFilePath(p.segment.dir, p.segment.baseOffset, 'log'), p.segment);
  }
  return [...seen.values()];
}

function repair(targets: { dir: string; baseOffset: number }[], say: (line: string) => void): void {
  const config = {
    segmentBytes: DEFAULT_LOG_CONFIG.segmentBytes,
    indexIntervalBytes: DEFAULT_LOG_CONFIG.indexIntervalBytes,
    maxIndexBytes: DEFAULT_LOG_CONFIG.segmentIndexBytes,
  };
  const budget = new MappingBudget(16);
  for (const { dir, baseOffset } of targets) {
    const file = segmentFilePath(dir, baseOffset, 'log');
    const segment = LogSegment.open(dir, baseOffset, config, budget, true);
    try {
      const result = recoverSegment(segment);
      say(
        `repaired ${file}: ${result.batches} batches kept, indexes rebuilt` +
          (result.truncatedBytes > 0
            ? `, ${result.truncatedBytes} bytes cut (${result.reason ?? 'bad tail'})`
            : ''),
      );
    } finally {
      // close() trims the rebuilt indexes to their entries and adds the last time index entry.
      segment.close();
    }
  }
}

export const command: Command = {
  name: 'verify',
  summary: 'check a data directory offline: CRCs, offsets, indexes, checkpoints (--repair fixes)',
  usage: USAGE,
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { repair: { type: 'boolean', default: false }, json: { type: 'boolean', default: false } },
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length !== 1) throw new UsageError('expected exactly one data directory');
    const dataDir = positionals[0]!;
    if (!fs.existsSync(dataDir) || !fs.statSync(dataDir).isDirectory())
      throw new UsageError(`${dataDir} is not a directory`);
    const json = values.json;
    const say = (line: string): void => {
      process.stdout.write((json ? JSON.stringify({ type: 'repair', message: line }) : line) + '\n');
    };

    if (!values.repair) {
      const report = verifyDataDir(dataDir);
      printReport(report, json, 'verify');
      return report.problems.length === 0 ? 0 : 1;
    }

    // Repairing under a running broker would race its writes; the broker's own lock says who runs.
    let lock: DirLock;
    try {
      lock = DirLock.acquire(dataDir);
    } catch (err) {
      if (err instanceof LogDirLockedError) {
        process.stderr.write(
          `kiln verify: ${dataDir} is locked by a running broker (${err.message}); stop it before --repair\n`,
        );
        return 2;
      }
      throw err;
    }
    try {
      const before = verifyDataDir(dataDir);
      printReport(before, json, 'before repair');
      const targets = repairTargets(before.problems);
      const cleanerFixes = before.problems.filter((p) => p.kind === 'checkpoint' && p.repair);
      const forNextStart = before.problems.filter((p) => p.nextStart !== undefined);
      const unfixable = before.problems.filter((p) => !p.segment && !p.repair && p.nextStart === undefined);
      // Checkpoints the broker rebuilds are not silently skipped: say what its next start does.
      for (const p of forNextStart) say(`${path.basename(p.file)}: ${p.message}; ${p.nextStart!}`);
      if (unfixable.length > 0)
        say(`${unfixable.length} problems cannot be repaired this way and are left alone`);
      if (targets.length === 0 && cleanerFixes.length === 0) {
        say(forNextStart.length > 0 ? 'nothing for verify to repair' : 'nothing to repair');
        return before.problems.length === 0 ? 0 : 1;
      }
      if (targets.length > 0) {
        say(`will rebuild the indexes of ${targets.length} segments and cut each at its first bad batch:`);
        for (const t of targets) say(`  ${segmentFilePath(t.dir, t.baseOffset, 'log')}`);
      }
      repair(targets, say);
      for (const line of repairCleanerCheckpoint(cleanerFixes as CheckpointProblem[])) say(line);
      const after = verifyDataDir(dataDir);
      printReport(after, json, 'after repair');
      return after.problems.length === 0 ? 0 : 1;
    } finally {
      lock.release();
    }
  },
};
