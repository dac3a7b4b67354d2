/**
 * The log of one partition: an ordered list of segments, the last one active. It owns the
 * partition's offsets — log start offset, log end offset (LEO), high watermark, recovery point —
 * and every operation that moves them: append, roll, retention, delete-records, truncation, flush.
 * Two parts do the work: local-log.ts keeps the segments, the LEO and the recovery point (rolling,
 * flushing, cutting segments off), and log-append.ts validates and writes a turn's batches.
 *
 * Offsets below the log start offset are gone (or about to be); reads outside
 * [logStartOffset, LEO] are OFFSET_OUT_OF_RANGE. The recovery point is the offset below which every
 * byte is known to be on disk; recovery after a crash starts from the segment that holds it.
 *
 * On one node the high watermark follows the LEO. A `replicated` log's moves only when replication
 * says (setHighWatermark), and its leader epoch cache (leader-epoch-cache.ts) records where each
 * leader's writes begin: from the epoch a leader append names, or from a follower's batch headers.
 */
import fs from 'node:fs';
import { LogClosedError, OffsetOutOfRangeError } from '../errors.js';
import type { LogSegment } from '../segment/log-segment.js';
import type { MappingBudget } from '../segment/mapping-budget.js';
import type { LogConfig } from './log-config.js';
import { appendBatches } from './log-append.js';
import { LocalLog } from './local-log.js';
import { SILENT_EVENTS, type LogEvents, type LogFields } from './log-events.js';
import { deletionSummary, expiredSegmentCount } from './retention.js';
import { segmentAfter, segmentIndexFor } from './segment-lookup.js';
import { pruneSnapshots, restoreProducerState, writeSnapshot } from './producer-snapshot.js';
import { ProducerState } from './producer-state.js';
import { findMaxTimestampOffset, findOffsetForTimestamp, type TimestampOffset } from './timestamp-lookup.js';
import { LeaderEpochCache, type EpochEndOffset, type EpochEntry } from './leader-epoch-cache.js';

export * from './partition-log-types.js';
import {
  OffsetSpec,
  type AppendRequest,
  type LogAppendResult,
  type LogReadResult,
  type LogRecovery,
  type OpenLogOptions,
  type ReadOptions,
  type SegmentInfo,
} from './partition-log-types.js';

export class PartitionLog {
  /** The segments, the LEO and the recovery point, with rolling and flushing (local-log.ts). */
  private local: LocalLog;
  private where: string;
  private startOffset: number;
  private hw: number;
  private say: (message: string) => void = () => {};
  private events: LogEvents = SILENT_EVENTS;
  /** What opening the log had to recover. */
  recovery: LogRecovery = { recovered: false, truncatedBytes: 0 };
  /** Whether replication, not appends, moves the high watermark. */
  private isReplicated = false;
  /** Idempotent producers' sequences (producer-state.ts). */
  readonly producers = new ProducerState();

  private constructor(
    dir: string,
    readonly topic: string,
    readonly partition: number,
    local: LocalLog,
    logStartOffset: number,
    private epochs: LeaderEpochCache,
  ) {
    this.where = dir;
    this.local = local;
    this.startOffset = logStartOffset;
    this.hw = local.logEndOffset;
  }

  /** The directory of the log's files (another one after a move between log.dirs). */
  get dir(): string {
    return this.where;
  }

  /**
   * Points this log at its copy in another directory, in place: the end of a move between
   * log.dirs (log-dir-commit.ts). The object stays, since the server holds it in many places, and
   * so does what is not in the files (high watermark, log start, producers). Returns the old
   * LocalLog for the caller to close.
   */
  relocate(dir: string, local: LocalLog, epochs: LeaderEpochCache): LocalLog {
    const old = this.local;
    this.where = dir;
    this.local = local;
    this.epochs = epochs;
    return old;
  }

  /** Opens (or creates) the log in `dir`, recovering it when the last stop was not clean. */
  static open(options: OpenLogOptions): PartitionLog {
    const { local, logStartOffset, recovery } = LocalLog.load(options, options.now ?? Date.now());
    const epochs = LeaderEpochCache.load(options.dir, options.log);
    const log = new PartitionLog(
      options.dir,
      options.topic,
      options.partition,
      local,
      logStartOffset,
      epochs,
    );
    if (options.log) log.say = options.log;
    if (options.events) log.events = options.events;
    log.recovery = recovery;
    log.loadProducerState();
    // Epochs recorded for data a crash took back, or that retention has deleted, are trimmed.
    log.epochs.truncateFromEnd(log.logEndOffset);
    log.epochs.truncateFromStart(log.startOffset);
    return log;
  }

  get config(): Readonly<LogConfig> {
    return this.local.config;
  }
  get logEndOffset(): number {
    return this.local.logEndOffset;
  }
  get logStartOffset(): number {
    return this.startOffset;
  }
  get highWatermark(): number {
    return this.hw;
  }
  get recoveryPoint(): number {
    return this.local.recoveryPoint;
  }
  get activeSegment(): LogSegment {
    return this.local.activeSegment;
  }
  /** Bytes on disk across all segments. */
  get size(): number {
    return this.local.size;
  }
  /** Messages appended since the last flush. */
  get unflushedMessages(): number {
    return this.local.unflushedMessages;
  }

  segments(): SegmentInfo[] {
    return this.local.segments.map((s) => ({
      baseOffset: s.baseOffset,
      size: s.size,
      maxTimestamp: s.maxTimestamp,
      path: s.logPath,
    }));
  }

  /** The segments themselves, oldest first (for the cleaner and tools; do not modify the list). */
  segmentObjects(): readonly LogSegment[] {
    return this.local.segments;
  }

  get mappingBudget(): MappingBudget {
    return this.local.budget;
  }

  /** Puts `fresh` (the cleaner's rewrite of a closed segment) in place of `old`. */
  replaceSegment(old: LogSegment, fresh: LogSegment): void {
    this.checkOpen();
    this.local.replaceSegment(old, fresh);
  }

  /** Moves the high watermark, kept within [logStartOffset, LEO]. */
  setHighWatermark(offset: number): void {
    this.hw = Math.min(Math.max(offset, this.startOffset), this.local.logEndOffset);
  }

  /**
   * Told after each write to a replicated log (its leader moves the high watermark: an ISR of the
   * leader alone follows the LEO). Must not throw.
   */
  onAppend: (() => void) | undefined;

  /** Whether replication moves the high watermark; off (one node), it follows the LEO again. */
  get replicated(): boolean {
    return this.isReplicated;
  }
  set replicated(value: boolean) {
    this.isReplicated = value;
    if (!value) this.hw = this.local.logEndOffset;
  }

  /** The latest leader epoch that wrote here (or was assigned), -1 when none. */
  get latestEpoch(): number {
    return this.epochs.latestEpoch;
  }
  /** OffsetForLeaderEpoch: the largest epoch <= `epoch` this log has, and its end offset. */
  endOffsetForEpoch(epoch: number): EpochEndOffset {
    return this.epochs.endOffsetFor(epoch, this.local.logEndOffset);
  }
  /** A new leader's epoch starts at the LEO (Kafka does this when a replica becomes leader). */
  assignLeaderEpoch(epoch: number): void {
    this.checkOpen();
    this.epochs.assign(epoch, this.local.logEndOffset);
  }
  epochEntries(): EpochEntry[] {
    return this.epochs.epochEntries();
  }

  updateConfig(config: LogConfig): void {
    this.local.updateConfig(config);
  }

  /**
   * Validates and appends whole batches, patched in place with their offsets. Rolls first when
   * the active segment cannot take them. On a single node the high watermark follows the LEO.
   * Leader appends are stamped with `leaderEpoch` (a replicated log's latest epoch when none is
   * named); a follower's keep the epochs the leader stamped.
   */
  append(records: Buffer, request: AppendRequest = {}): LogAppendResult {
    const result = this.appendMany([records], request)[0]!;
    if (result instanceof Error) throw result;
    return result;
  }

  /**
   * Appends several requests' batches (those that reached the broker in one turn) in one write:
   * each is validated and given offsets in turn, exactly as separate appends would be, and gets
   * its own result or error; those that pass go to the segment in one writev (one per segment when
   * a roll comes between). A write that fails fails every batch in it, and every one after it,
   * with its error: nothing of them is visible and the producers' state is put back. (log-append.ts)
   */
  appendMany(items: readonly Buffer[], request: AppendRequest = {}): (LogAppendResult | Error)[] {
    this.checkOpen();
    return appendBatches(this, this.local, this.epochs, items, request);
  }

  /** Starts a new active segment at the LEO (or at `baseOffset`, a follower's batch past a gap). */
  roll(now = Date.now(), baseOffset = this.local.logEndOffset): LogSegment {
    this.checkOpen();
    const active = this.local.activeSegment;
    if (active.size === 0 && active.baseOffset === baseOffset) return active;
    const segment = this.local.roll(now, baseOffset);
    // Producer state as of the new segment, so a restart replays at most the active segment.
    if (this.producers.worthSnapshot) {
      writeSnapshot(this.dir, segment.baseOffset, this.producers);
      pruneSnapshots(this.dir, segment.baseOffset);
    }
    if (active.size > 0) this.local.flushLater(active, segment.baseOffset);
    this.tell('debug', `rolled a new segment at offset ${segment.baseOffset}`, {
      baseOffset: segment.baseOffset,
    });
    return segment;
  }

  /**
   * Writes the segments rolled since the last call to disk, off the event loop, and moves the
   * recovery point past them, so a crash has only the newer data to check. Kafka flushes each
   * rolled segment at once; the log manager calls this with its checkpoint instead, so that at
   * high rates rolls do not keep forcing the disk to catch up. A failure leaves the recovery point
   * where it was: recovery will just check more.
   */
  flushRolledSegments(): Promise<void> {
    return this.local.flushRolledSegments();
  }

  /**
   * Reads whole batches from the one holding `offset`, up to `maxBytes` (at least one batch by
   * default). OffsetOutOfRangeError outside [logStartOffset, LEO].
   */
  async read(offset: number, maxBytes: number, options: ReadOptions = {}): Promise<LogReadResult> {
    this.checkOpen();
    const leo = this.local.logEndOffset;
    if (offset < this.startOffset || offset > leo)
      throw new OffsetOutOfRangeError(offset, this.startOffset, leo);
    const upTo = Math.min(options.upTo ?? leo, leo);
    const minOne = options.minOneBatch ?? true;
    let segment: LogSegment | undefined = this.local.segments[segmentIndexFor(this.local.segments, offset)];
    let from = offset;
    while (segment && from < upTo) {
      const slice = await segment.read(from, maxBytes, upTo, minOne);
      if (slice) return this.result(slice.records, slice.records.length > 0 ? slice.firstOffset : -1);
      // Nothing at or after `from` in this segment: go on with the next one. Retention may have
      // changed the list during the await, so find it by base offset, not by position.
      segment = segmentAfter(this.local.segments, segment.baseOffset);
      if (segment) from = Math.max(from, segment.baseOffset);
    }
    return this.result(EMPTY, -1);
  }

  private result(records: Buffer, firstOffset: number): LogReadResult {
    return {
      records,
      firstOffset,
      logStartOffset: this.startOffset,
      logEndOffset: this.local.logEndOffset,
      highWatermark: this.hw,
    };
  }

  /**
   * The first offset whose record timestamp is >= `timestamp`, with that record's timestamp;
   * undefined when no record is that late. The special values of OffsetSpec (negative) give the
   * LEO, the log start offset, or the record with the largest timestamp.
   */
  async offsetForTimestamp(timestamp: number): Promise<TimestampOffset | undefined> {
    this.checkOpen();
    if (timestamp === OffsetSpec.Latest) return { offset: this.local.logEndOffset, timestamp: -1 };
    if (timestamp === OffsetSpec.Earliest) return { offset: this.startOffset, timestamp: -1 };
    if (timestamp === OffsetSpec.MaxTimestamp)
      return findMaxTimestampOffset(this.local.segments, this.startOffset);
    return findOffsetForTimestamp(this.local.segments, timestamp, this.startOffset);
  }

  /**
   * Rebuilds producer state: the newest snapshot at or below the LEO (later ones are dropped),
   * then every batch after it, read back from the log.
   */
  private loadProducerState(): void {
    const { segments, logEndOffset } = this.local;
    this.producers.reload(() =>
      restoreProducerState(this.dir, this.producers, segments, this.startOffset, logEndOffset, this.say),
    );
  }

  /**
   * Retention (retention.ts decides which): deletes whole segments from the oldest. When that takes
   * the active segment, an empty one replaces it at the LEO. Returns the segments deleted.
   */
  deleteOldSegments(now = Date.now()): number {
    this.checkOpen();
    return this.deleteOldest(now, true);
  }

  private deleteOldest(now: number, timeAndSize: boolean): number {
    const count = expiredSegmentCount(
      this.local.segments,
      this.config,
      {
        logStartOffset: this.startOffset,
        logEndOffset: this.local.logEndOffset,
        highWatermark: this.hw,
        timeAndSize,
      },
      now,
    );
    if (count === 0) return 0;
    if (count === this.local.segments.length) this.roll(now);
    const why = timeAndSize ? 'retention' : 'below the log start offset (DeleteRecords)';
    const { message, fields } = deletionSummary(this.local.segments, count, why);
    this.startOffset = Math.max(this.startOffset, this.local.deleteOldest(count));
    this.local.advanceRecoveryPoint(this.startOffset);
    this.epochs.truncateFromStart(this.startOffset);
    this.tell('info', message, { ...fields, logStartOffset: this.startOffset });
    return count;
  }

  /** Tells the log's owner (log-events.ts) of `message`, naming this partition in it and its fields. */
  private tell(level: keyof LogEvents, message: string, fields: LogFields): void {
    const where = { topic: this.topic, partition: this.partition };
    this.events[level](`${this.topic}-${this.partition}: ${message}`, { ...where, ...fields });
  }

  /**
   * DeleteRecords: offsets below `offset` become unreadable at once; segments wholly below it go
   * at the next retention pass. `offset` may not pass the high watermark.
   */
  deleteRecordsBefore(offset: number): number {
    this.checkOpen();
    if (offset < 0 || offset > this.hw) throw new OffsetOutOfRangeError(offset, this.startOffset, this.hw);
    if (offset > this.startOffset) this.startOffset = offset;
    this.deleteOldest(Date.now(), false);
    this.epochs.truncateFromStart(this.startOffset);
    return this.startOffset;
  }

  /**
   * Removes every offset >= `offset` (whole batches: a batch that holds `offset` goes too, so the
   * LEO may end below `offset`). Returns whether anything was removed.
   */
  truncateTo(offset: number): boolean {
    this.checkOpen();
    if (offset >= this.local.logEndOffset) return false;
    if (offset <= this.local.segments[0]!.baseOffset) {
      this.truncateFullyAndStartAt(offset);
      return true;
    }
    const leo = this.local.truncateTo(offset);
    this.hw = Math.min(this.hw, leo);
    this.epochs.truncateFromEnd(leo);
    this.loadProducerState();
    this.startOffset = Math.min(this.startOffset, leo);
    return true;
  }

  /** Deletes everything and restarts the log, empty, at `offset`. */
  truncateFullyAndStartAt(offset: number): void {
    this.checkOpen();
    this.local.truncateFullyAndStartAt(offset);
    pruneSnapshots(this.dir, -1);
    this.producers.clear();
    this.epochs.clear();
    this.hw = offset;
    this.startOffset = offset;
  }

  /** Writes everything up to the LEO to disk and moves the recovery point there. */
  flush(): void {
    this.checkOpen();
    this.local.flush();
  }

  /** The flush.ms policy: flushes when the last flush is older than flush.ms. */
  flushIfDue(now = Date.now()): boolean {
    return this.local.flushIfDue(now);
  }

  /** Clean close: flushes, trims the active segment's indexes, closes every file. */
  close(): void {
    if (this.local.closed) return;
    // Nothing new since the last flush: no need to sync thousands of idle partitions at shutdown.
    if (this.local.needsFlush) this.flush();
    const leo = this.local.logEndOffset;
    if (this.producers.worthSnapshot) {
      writeSnapshot(this.dir, leo, this.producers);
      pruneSnapshots(this.dir, leo);
    }
    this.local.close();
  }

  /** Deletes the whole partition directory. */
  delete(): void {
    this.local.delete();
    this.epochs.delete();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  private checkOpen(): void {
    if (this.local.closed) throw new LogClosedError(`log ${this.topic}-${this.partition}`);
  }
}

const EMPTY = Buffer.alloc(0);
