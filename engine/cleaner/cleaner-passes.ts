/**
 * The broker's background cleaner (log.cleaner.enable): one pass at a time over every compacted
 * log. Where each log's last pass stopped is kept per data directory in Kafka's
 * `cleaner-offset-checkpoint` (the checkpoint-file.ts format: offsets below an entry are clean),
 * so the next pass maps only what is new.
 *
 * An unreadable checkpoint is reported and treated as empty (every compacted log is cleaned once
 * from its start, and the file is rewritten); an entry outside its log (a log truncated or replaced
 * under it) starts that log again from its log start offset, as Kafka does, rather than taking the
 * whole log as clean.
 */
import path from 'node:path';
import { readCheckpoint, writeCheckpoint } from '../log/checkpoint-file.js';
import { isCompacted } from '../log/log-config.js';
import type { LogFields } from '../log/log-events.js';
import type { PartitionLog } from '../log/partition-log.js';
import { cleanLog, type CleanResult } from './log-cleaner.js';

export const CLEANER_CHECKPOINT = 'cleaner-offset-checkpoint';

/** What the cleaner needs of the log manager. */
export interface CleanerHost {
  /** Every open log by its checkpoint key (`topic-partition`). */
  readonly logs: ReadonlyMap<string, PartitionLog>;
  /** The data directory holding a log. */
  dirOf(key: string): string;
  isClosed(): boolean;
  say(message: string): void;
  /** What each pass removed (log-events.ts). */
  info?(message: string, fields: LogFields): void;
}

/** What the cleaner has done since start (for the broker's metrics). */
export interface CleanerProgress {
  passes: number;
  logsCleaned: number;
  logFailures: number;
  /** How long the last pass took (ms), 0 before the first. */
  lastPassMs: number;
}

export class CleanerPasses {
  private running = false;
  readonly progress: CleanerProgress = { passes: 0, logsCleaned: 0, logFailures: 0, lastPassMs: 0 };
  private readonly offsets = new Map<string, Map<string, number>>();

  constructor(private readonly host: CleanerHost) {}

  /** One pass; returns the logs that were cleaned. Fails (after the others) if any log failed. */
  async run(now = Date.now()): Promise<number> {
    if (this.running || this.host.isClosed()) return 0;
    this.running = true;
    const started = performance.now();
    let cleaned = 0;
    const failures: string[] = [];
    try {
      for (const [key, log] of [...this.host.logs.entries()]) {
        if (!isCompacted(log.config) || this.host.isClosed()) continue;
        const dir = this.host.dirOf(key);
        const checkpoints = this.checkpoints(dir);
        try {
          let from = checkpoints.get(key) ?? 0;
          if (from > log.logEndOffset || from < log.logStartOffset) from = log.logStartOffset;
          const result = await cleanLog(log, from, { now });
          if (result.cleaned) {
            cleaned++;
            this.report(log, from, result);
          }
          if (this.host.isClosed()) break;
          checkpoints.set(key, result.cleanedUpTo);
          this.write(dir);
        } catch (err) {
          failures.push(`${log.dir}: ${(err as Error).message}`);
        }
      }
    } finally {
      this.running = false;
      this.progress.passes++;
      this.progress.logsCleaned += cleaned;
      this.progress.logFailures += failures.length;
      this.progress.lastPassMs = performance.now() - started;
    }
    // The other logs were still cleaned; failing the pass makes the schedule report it once and
    // back off (a full disk would otherwise log every log's failure every pass).
    if (failures.length > 0)
      throw new Error(`cleaning failed for ${failures.length} log(s), first ${failures[0]}`);
    return cleaned;
  }

  /** Says what a pass over `log` removed: records, bytes, and the offsets it went over. */
  private report(log: PartitionLog, from: number, result: CleanResult): void {
    const { stats } = result;
    const bytes = stats.bytesIn - stats.bytesOut;
    const records = stats.recordsIn - stats.recordsOut;
    this.host.info?.(
      `${log.topic}-${log.partition}: compaction rewrote ${result.segments} segment(s) up to offset ` +
        `${result.cleanedUpTo - 1}, deleting ${records} record(s), ${bytes} bytes`,
      {
        topic: log.topic,
        partition: log.partition,
        segments: result.segments,
        firstDirtyOffset: from,
        cleanedUpTo: result.cleanedUpTo,
        records,
        bytes,
      },
    );
  }

  /**
   * Where the cleaner's checkpoint of a log (its `topic-partition` key) stands: offsets below it
   * are clean; undefined when it has none. Read-only: a directory no pass has read yet is read
   * from its file but not kept (an unreadable file reads as no entry).
   */
  cleanedUpTo(key: string, dir: string): number | undefined {
    const loaded = this.offsets.get(dir);
    if (loaded) return loaded.get(key);
    try {
      return readCheckpoint(path.join(dir, CLEANER_CHECKPOINT)).get(key);
    } catch {
      return undefined;
    }
  }

  private checkpoints(dir: string): Map<string, number> {
    let entries = this.offsets.get(dir);
    if (!entries) {
      try {
        entries = readCheckpoint(path.join(dir, CLEANER_CHECKPOINT));
      } catch (err) {
        this.host.say(`${(err as Error).message}: ignored, cleaning from the start`);
        entries = new Map();
      }
      this.offsets.set(dir, entries);
    }
    return entries;
  }

  private write(dir: string): void {
    const rows = [...this.checkpoints(dir).entries()]
      .map(([key, offset]) => ({ log: this.host.logs.get(key), offset }))
      .filter((row) => row.log !== undefined)
      .map((row) => ({ topic: row.log!.topic, partition: row.log!.partition, offset: row.offset }));
    writeCheckpoint(path.join(dir, CLEANER_CHECKPOINT), rows);
  }
}
