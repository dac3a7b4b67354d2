/**
 * The local part of a partition log (Kafka's LocalLog): its segments on disk, oldest first, the last
 * one active, and the offsets they alone decide — the log end offset (LEO) and the recovery point,
 * below which every byte is known to be on disk. It loads the segments (log-loader.ts), rolls,
 * flushes (at once, on flush.ms, or the rolled segments in the background), and cuts segments off
 * either end.
 *
 * It knows nothing of producers, leader epochs, the high watermark or the log start offset:
 * partition-log.ts owns those, and every public operation goes through it.
 */
import fs from 'node:fs';
import { LogClosedError } from '../errors.js';
import { syncDirectory } from '../segment/log-file.js';
import { LogSegment, type SegmentConfig } from '../segment/log-segment.js';
import type { MappingBudget } from '../segment/mapping-budget.js';
import type { LogConfig } from './log-config.js';
import { loadLog } from './log-loader.js';
import type { LogRecovery, OpenLogOptions } from './partition-log-types.js';

export class LocalLog {
  private segmentList: LogSegment[];
  private leo: number;
  private flushedTo: number;
  private lastFlushMs: number;
  private isClosed = false;
  /** A segment file was created since the last flush: the directory needs an fsync too. */
  private directoryDirty = false;
  /** Counts truncations, so a background flush begun before one does not move the recovery point. */
  private truncations = 0;
  /** Segments rolled since the last flushRolledSegments, each with the offset it ends below. */
  private rolledUnflushed: { segment: LogSegment; upTo: number }[] = [];

  private constructor(
    readonly dir: string,
    private cfg: LogConfig,
    private readonly segmentConfig: SegmentConfig,
    readonly budget: MappingBudget,
    segments: LogSegment[],
    logEndOffset: number,
    recoveryPoint: number,
    now: number,
    private readonly say: (message: string) => void,
  ) {
    this.segmentList = segments;
    this.leo = logEndOffset;
    this.flushedTo = recoveryPoint;
    this.lastFlushMs = now;
  }

  /**
   * Loads (or creates) the segments in `options.dir`, recovering them when the last stop was not
   * clean; with them, the log start offset the loader settled on.
   */
  static load(
    options: OpenLogOptions,
    now: number,
  ): { local: LocalLog; logStartOffset: number; recovery: LogRecovery } {
    if (!fs.existsSync(options.dir)) fs.mkdirSync(options.dir, { recursive: true });
    // One object shared by every segment, so a config change reaches them all.
    const segmentConfig = segmentConfigOf(options.config);
    const loaded = loadLog({
      dir: options.dir,
      segmentConfig,
      budget: options.budget,
      cleanShutdown: options.cleanShutdown,
      recoveryPoint: options.recoveryPoint ?? 0,
      logStartOffset: options.logStartOffset ?? 0,
      maxBatchBytes: Math.max(options.config.maxMessageBytes, options.config.segmentBytes) + 1024,
      now,
      ...(options.log ? { log: options.log } : {}),
    });
    const recoveryPoint = options.cleanShutdown
      ? loaded.logEndOffset
      : Math.min(options.recoveryPoint ?? 0, loaded.logEndOffset);
    const local = new LocalLog(
      options.dir,
      options.config,
      segmentConfig,
      options.budget,
      loaded.segments,
      loaded.logEndOffset,
      recoveryPoint,
      now,
      options.log ?? (() => {}),
    );
    const recovery = { recovered: loaded.recovered, truncatedBytes: loaded.truncatedBytes };
    return { local, logStartOffset: loaded.logStartOffset, recovery };
  }

  get config(): Readonly<LogConfig> {
    return this.cfg;
  }
  get logEndOffset(): number {
    return this.leo;
  }
  get recoveryPoint(): number {
    return this.flushedTo;
  }
  get closed(): boolean {
    return this.isClosed;
  }
  /** The segments, oldest first. Truncating fully replaces the list: do not hold on to it. */
  get segments(): readonly LogSegment[] {
    return this.segmentList;
  }
  get activeSegment(): LogSegment {
    return this.segmentList[this.segmentList.length - 1]!;
  }
  /** Bytes on disk across all segments. */
  get size(): number {
    let total = 0;
    for (const segment of this.segmentList) total += segment.size;
    return total;
  }
  /** Messages appended since the last flush. */
  get unflushedMessages(): number {
    return this.leo - this.flushedTo;
  }

  updateConfig(config: LogConfig): void {
    this.cfg = config;
    Object.assign(this.segmentConfig, segmentConfigOf(config));
  }

  /** Writes batches (validated, with their offsets) to the active segment; the LEO becomes `nextOffset`. */
  append(chunks: readonly Buffer[], nextOffset: number): void {
    this.activeSegment.append(chunks);
    this.leo = nextOffset;
  }

  /** Puts `fresh` (the cleaner's rewrite of a closed segment) in place of `old`. */
  replaceSegment(old: LogSegment, fresh: LogSegment): void {
    const index = this.segmentList.indexOf(old);
    if (index < 0 || index === this.segmentList.length - 1) {
      fresh.close();
      throw new Error(`segment ${old.baseOffset} is not a closed segment of ${this.dir}`);
    }
    this.segmentList[index] = fresh;
    old.close();
  }

  /**
   * Starts a new active segment at `baseOffset` (the LEO, or past it: a follower's batch past a
   * gap). An empty active segment is dropped rather than kept. The caller queues the old one for
   * flushRolledSegments (flushLater) once the roll is done.
   */
  roll(now: number, baseOffset: number): LogSegment {
    const active = this.activeSegment;
    // The new segment first: on a full disk its creation fails with the log as it was (the
    // active segment still active and writable), not with an active segment made read-only or
    // an empty list.
    const segment = this.newSegment(baseOffset, now);
    const empty = active.size === 0;
    try {
      if (empty) active.delete();
      else active.onBecomeInactive();
    } catch (err) {
      segment.delete();
      throw err;
    }
    if (empty) this.segmentList.pop();
    this.segmentList.push(segment);
    if (baseOffset > this.leo) this.leo = baseOffset;
    return segment;
  }

  /** A rolled segment, holding offsets below `upTo`, for the next flushRolledSegments. */
  flushLater(segment: LogSegment, upTo: number): void {
    this.rolledUnflushed.push({ segment, upTo });
  }

  /** A new, empty active segment with its own roll jitter. */
  private newSegment(baseOffset: number, now = Date.now()): LogSegment {
    const segment = LogSegment.create(this.dir, baseOffset, this.segmentConfig, this.budget, now);
    const jitterRange = Math.min(this.cfg.segmentJitterMs, this.cfg.segmentMs);
    if (jitterRange > 0) segment.rollJitterMs = Math.floor(Math.random() * jitterRange);
    // The new file's directory entry is made durable by the next flush, off the append path.
    this.directoryDirty = true;
    return segment;
  }

  /**
   * Writes the segments rolled since the last call to disk, off the event loop, and moves the
   * recovery point past them. A failure leaves the recovery point where it was.
   */
  async flushRolledSegments(): Promise<void> {
    const rolled = this.rolledUnflushed.splice(0);
    if (rolled.length === 0 || this.isClosed) return;
    const truncations = this.truncations;
    try {
      for (const { segment } of rolled) await segment.flushAsync();
      if (this.isClosed || truncations !== this.truncations) return;
      if (this.directoryDirty) {
        syncDirectory(this.dir);
        this.directoryDirty = false;
      }
      const upTo = rolled[rolled.length - 1]!.upTo;
      if (upTo > this.flushedTo && upTo <= this.leo) this.flushedTo = upTo;
    } catch (err) {
      // A segment deleted meanwhile (retention) needs no flush; anything else is worth a line.
      if (!(err instanceof LogClosedError))
        this.say(`${this.dir}: background flush failed: ${(err as Error).message}`);
    }
  }

  /** Writes everything up to the LEO to disk and moves the recovery point there. */
  flush(): void {
    const target = this.leo;
    for (let i = 0; i < this.segmentList.length; i++) {
      const next = this.segmentList[i + 1];
      if (next && next.baseOffset <= this.flushedTo) continue; // already flushed
      this.segmentList[i]!.flush();
    }
    if (this.directoryDirty) {
      syncDirectory(this.dir);
      this.directoryDirty = false;
    }
    this.flushedTo = target;
    this.rolledUnflushed = [];
    this.lastFlushMs = Date.now();
  }

  /** The flush.ms policy: flushes when the last flush is older than flush.ms. */
  flushIfDue(now: number): boolean {
    if (this.isClosed || this.unflushedMessages === 0 || now - this.lastFlushMs < this.cfg.flushMs)
      return false;
    this.flush();
    return true;
  }

  /** Whether a clean close has anything to flush: messages, or a new segment file's directory entry. */
  get needsFlush(): boolean {
    return this.unflushedMessages > 0 || this.directoryDirty;
  }

  /** Deletes the `count` oldest segments (the caller rolls first when that is all of them). */
  deleteOldest(count: number): number {
    for (const segment of this.segmentList.splice(0, count)) segment.delete();
    return this.segmentList[0]!.baseOffset;
  }

  /** Offsets below the log start offset need no recovery: the recovery point moves up to it. */
  advanceRecoveryPoint(logStartOffset: number): void {
    this.flushedTo = Math.max(this.flushedTo, logStartOffset);
  }

  /**
   * Removes every batch at or after `offset`, which lies past the first segment's base offset (a
   * batch that holds it goes too); returns the LEO that leaves. The recovery point comes down with it.
   */
  truncateTo(offset: number): number {
    this.truncations++;
    while (this.segmentList.length > 1 && this.activeSegment.baseOffset >= offset) {
      this.segmentList.pop()!.delete();
    }
    this.activeSegment.makeWritable();
    this.activeSegment.truncateTo(offset);
    this.leo = this.activeSegment.readNextOffset();
    this.flushedTo = Math.min(this.flushedTo, this.leo);
    return this.leo;
  }

  /** Deletes every segment and starts again with one empty segment at `offset`. */
  truncateFullyAndStartAt(offset: number): void {
    this.truncations++;
    for (const segment of this.segmentList) segment.delete();
    this.segmentList = [this.newSegment(offset)];
    this.leo = offset;
    this.flushedTo = offset;
  }

  /** Closes every segment file (the caller flushes first). */
  close(): void {
    for (const segment of this.segmentList) segment.close();
    this.isClosed = true;
  }

  /** Deletes every segment file (the directory itself is the caller's). */
  delete(): void {
    if (this.isClosed) return;
    for (const segment of this.segmentList) segment.delete();
    this.isClosed = true;
  }
}

function segmentConfigOf(config: LogConfig): SegmentConfig {
  return {
    segmentBytes: config.segmentBytes,
    indexIntervalBytes: config.indexIntervalBytes,
    maxIndexBytes: config.segmentIndexBytes,
  };
}
