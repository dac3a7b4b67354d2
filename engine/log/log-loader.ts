/**
 * Loading a partition directory at start-up: find the segments, clear out files left half-done,
 * recover what an unclean stop may have torn, and work out the log end offset.
 *
 * After a clean shutdown only the last segment's tail — its batches past the last index entry —
 * is validated (a bad one recovers that segment). After an unclean one, every segment from the one
 * holding the recovery point onwards is validated batch by batch; the first bad batch ends the
 * log — later segments are deleted. A segment whose index files are missing, the wrong length, or
 * fail their sanity check (entries increasing, the last position inside the log) is recovered in
 * either case (its indexes rebuilt from the log).
 */
import fs from 'node:fs';
import path from 'node:path';
import { LogSegment, type SegmentConfig } from '../segment/log-segment.js';
import type { MappingBudget } from '../segment/mapping-budget.js';
import { rebuildIndexes, recoverSegment, tailProblem } from '../segment/segment-recovery.js';
import {
  CLEANED_SUFFIX,
  DELETED_SUFFIX,
  SWAP_SUFFIX,
  parseSegmentFileName,
  segmentFilePath,
} from '../segment/segment-files.js';

export interface LoadOptions {
  dir: string;
  segmentConfig: SegmentConfig;
  budget: MappingBudget;
  /** Whether the directory's last shutdown was clean. */
  cleanShutdown: boolean;
  /** Offsets below this were flushed before the stop. */
  recoveryPoint: number;
  /** Checkpointed log start offset, if any. */
  logStartOffset: number;
  maxBatchBytes: number;
  now: number;
  /** Receives a line for each thing recovery did (truncations, rebuilt indexes). */
  log?: (message: string) => void;
}

export interface LoadedLog {
  segments: LogSegment[];
  logEndOffset: number;
  logStartOffset: number;
  /** Whether any segment had to be recovered (the caller then flushes and moves the recovery point). */
  recovered: boolean;
  /** Bytes recovery cut off: a torn tail, and the segments after it. */
  truncatedBytes: number;
}

export function loadLog(options: LoadOptions): LoadedLog {
  const { dir, segmentConfig, budget, now } = options;
  const say = options.log ?? (() => {});
  // A compaction pass that never reached its swap (engine/cleaner/log-cleaner.ts) is dropped; one
  // whose swap was decided (.swap files) is finished.
  fs.rmSync(path.join(dir, '.cleaning'), { recursive: true, force: true });
  for (const name of fs.readdirSync(dir)) {
    if (name.endsWith(SWAP_SUFFIX)) {
      fs.renameSync(path.join(dir, name), path.join(dir, name.slice(0, -SWAP_SUFFIX.length)));
    }
  }
  const names = fs.readdirSync(dir);
  const nameSet = new Set(names);
  const bases: number[] = [];
  for (const name of names) {
    // Leftovers of a deletion or truncation cut short, and a compaction that never reached its swap.
    if (name.endsWith(DELETED_SUFFIX) || name.endsWith(CLEANED_SUFFIX) || name.endsWith('.truncating')) {
      fs.rmSync(path.join(dir, name), { force: true });
      continue;
    }
    const parsed = parseSegmentFileName(name);
    if (!parsed || parsed.state !== '') continue;
    if (parsed.kind === 'log') bases.push(parsed.baseOffset);
    else if (!nameSet.has(name.replace(/\.(index|timeindex)$/, '.log'))) {
      fs.rmSync(path.join(dir, name), { force: true }); // an index with no log
    }
  }
  bases.sort((a, b) => a - b);

  const segments: LogSegment[] = [];
  let recovered = false;
  let truncatedBytes = 0;
  // Unclean stop: recover from the last segment whose base is at or below the recovery point.
  let recoverFrom = Number.POSITIVE_INFINITY;
  if (!options.cleanShutdown) {
    recoverFrom = bases[0] ?? 0;
    for (const base of bases) if (base <= options.recoveryPoint) recoverFrom = base;
  }

  try {
    for (let i = 0; i < bases.length; i++) {
      const base = bases[i]!;
      const last = i === bases.length - 1;
      let segment = LogSegment.open(dir, base, segmentConfig, budget, last, now);
      let needsRecovery = base >= recoverFrom;
      if (!needsRecovery) {
        // Every segment's indexes are checked entry by entry (about 20 ms for 1,000 segments of
        // 200 entries each, measured): a bad one is rebuilt from the .log, never trusted.
        const problem = indexFilesProblem(dir, base, nameSet) ?? segment.indexProblem(true, bases[i + 1]);
        if (problem !== undefined) {
          say(`${segmentFilePath(dir, base, 'index')}: rebuilding the indexes from the log: ${problem}`);
          needsRecovery = true;
        }
      }
      if (!needsRecovery && last) {
        // A clean stop does not prove the active segment's tail whole (the machine may have lost
        // pages the broker wrote; something may have zeroed them): it is checked at every start.
        // Judged by what is physically possible, not by today's max.message.bytes: a batch taken
        // under a larger limit is still a batch.
        const problem = tailProblem(segment);
        if (problem !== undefined) {
          say(
            `${segment.logPath}: the active segment has a bad tail after a clean stop (${problem}): recovering it`,
          );
          needsRecovery = true;
        }
      }
      if (needsRecovery) {
        // Recovery rebuilds the indexes from nothing, so a recovered segment opens writable.
        try {
          segment.close();
        } catch {
          // Its index is what is broken; it is about to be rebuilt.
        }
        for (const kind of ['index', 'timeindex'] as const)
          fs.rmSync(segmentFilePath(dir, base, kind), { force: true });
        segment = LogSegment.open(dir, base, segmentConfig, budget, true, now);
      }
      if (needsRecovery && !last && base < recoverFrom) {
        // A sealed segment below the recovery point (its bytes were flushed): only its indexes are
        // rebuilt. A damaged batch in it is damage to read around, not a torn write to cut — cutting
        // there would delete every later segment with it.
        const reason = rebuildIndexes(segment);
        if (reason !== undefined)
          say(`${dir}: segment ${base} indexed up to a damaged batch (${reason}); reads past it fail`);
        segment.onBecomeInactive();
        recovered = true;
        segments.push(segment);
        continue;
      }
      if (needsRecovery) {
        const result = recoverSegment(segment, options.maxBatchBytes);
        recovered = true;
        if (result.truncatedBytes > 0) {
          truncatedBytes += result.truncatedBytes;
          say(
            `${segment.logPath}: cut by ${result.truncatedBytes} bytes after ${result.batches} valid batches: ${result.reason ?? 'torn tail'}`,
          );
          segments.push(segment);
          // Nothing after a torn batch can be trusted to follow it in order.
          for (const later of bases.slice(i + 1)) {
            say(`${dir}: deleting segment ${later}, which follows the torn batch`);
            const doomed = LogSegment.open(dir, later, segmentConfig, budget, false, now);
            truncatedBytes += doomed.size;
            doomed.delete();
          }
          break;
        }
        if (!last) segment.onBecomeInactive();
      }
      segments.push(segment);
    }
  } catch (err) {
    // Do not leave the segments opened so far holding file descriptors.
    for (const segment of segments) {
      try {
        segment.close();
      } catch {
        // Closing is best effort here; the load error is what matters.
      }
    }
    throw err;
  }

  if (segments.length === 0) {
    const start = Math.max(0, options.logStartOffset);
    segments.push(LogSegment.create(dir, start, segmentConfig, budget, now));
  }
  const logEndOffset = segments[segments.length - 1]!.readNextOffset();
  const logStartOffset = Math.min(Math.max(options.logStartOffset, segments[0]!.baseOffset), logEndOffset);
  return { segments, logEndOffset, logStartOffset, recovered, truncatedBytes };
}

/** Why the index files cannot be opened as they are (missing, not whole entries), or undefined. */
function indexFilesProblem(dir: string, base: number, names: Set<string>): string | undefined {
  for (const [kind, entrySize] of [
    ['index', 8],
    ['timeindex', 12],
  ] as const) {
    const file = segmentFilePath(dir, base, kind);
    if (!names.has(path.basename(file))) return `${path.basename(file)} is missing`;
    const size = fs.statSync(file).size;
    if (size % entrySize !== 0)
      return `${path.basename(file)} is ${size} bytes, not whole ${entrySize}-byte entries`;
  }
  return undefined;
}
