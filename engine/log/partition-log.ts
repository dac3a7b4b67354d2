/**
 * The log of one partition: an ordered list of segments, the last one active. It owns the
 * partition's offsets — log start offset, log end offset (LEO), high watermark, recovery point —
 * and every operation that moves them: append, roll, retention, delete-records, truncation, flush.
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
import { syncDirectory } from '../segment/log-file.js';
import { LogSegment, type SegmentConfig } from '../segment/log-segment.js';
import type { MappingBudget } from '../segment/mapping-budget.js';
import { validateAndAssign, type AppendInfo } from './append-validator.js';
import { PendingWrite, failRest } from './pending-write.js';
import type { LogConfig } from './log-config.js';
import { expiredSegmentCount } from './retention.js';
import { needsRoll } from './roll-policy.js';
import { segmentAfter, segmentIndexFor } from './segment-lookup.js';
import { pruneSnapshots, restoreProducerState, writeSnapshot } from './producer-snapshot.js';
import { ProducerState } from './producer-state.js';
import { findMaxTimestampOffset, findOffsetForTimestamp, type TimestampOffset } from './timestamp-lookup.js';
import { loadLog } from './log-loader.js';
import {
  FROM_BATCHES,
  LeaderEpochCache,
  type AppendEpoch,
  type EpochEndOffset,
  type EpochEntry,
} from './leader-epoch-cache.js';

export * from './partition-log-types.js';
import {
  OffsetSpec,
  type AppendRequest,
  type LogAppendResult,
  type LogReadResult,
  type OpenLogOptions,
  type ReadOptions,
  type SegmentInfo,
} from './partition-log-types.js';

export class PartitionLog {
  private segmentList: LogSegment[];
  private leo: number;
  private startOffset: number;
  private hw: number;
  private flushedTo: number;
  private lastFlushMs: number;
  private closed = false;
  /** A segment file was created since the last flush: the directory needs an fsync too. */
  private directoryDirty = false;
  /** Counts truncations, so a background flush begun before one does not move the recovery point. */
  private truncations = 0;
  /** Segments rolled since the last flushRolledSegments, each with the offset it ends below. */
  private rolledUnflushed: { segment: LogSegment; upTo: number }[] = [];
  private say: (message: string) => void = () => {};
  /** Whether replication, not appends, moves the high watermark. */
  private isReplicated = false;
  /** Idempotent producers' sequences (producer-state.ts). */
  readonly producers = new ProducerState();

  private constructor(
    readonly dir: string,
    readonly topic: string,
    readonly partition: number,
    private cfg: LogConfig,
    private readonly segmentConfig: SegmentConfig,
    private readonly budget: MappingBudget,
    segments: LogSegment[],
    logEndOffset: number,
    logStartOffset: number,
    recoveryPoint: number,
    now: number,
    private readonly epochs: LeaderEpochCache,
  ) {
    this.segmentList = segments;
    this.leo = logEndOffset;
    this.startOffset = logStartOffset;
    this.hw = logEndOffset;
    this.flushedTo = recoveryPoint;
    this.lastFlushMs = now;
  }

  /** Opens (or creates) the log in `dir`, recovering it when the last stop was not clean. */
  static open(options: OpenLogOptions): PartitionLog {
    const now = options.now ?? Date.now();
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
    const log = new PartitionLog(
      options.dir,
      options.topic,
      options.partition,
      options.config,
      segmentConfig,
      options.budget,
      loaded.segments,
      loaded.logEndOffset,
      loaded.logStartOffset,
      recoveryPoint,
      now,
      LeaderEpochCache.load(options.dir, options.log),
    );
    if (options.log) log.say = options.log;
    log.loadProducerState();
    // Epochs recorded for data a crash took back, or that retention has deleted, are trimmed.
    log.epochs.truncateFromEnd(log.leo);
    log.epochs.truncateFromStart(log.startOffset);
    return log;
  }

  get config(): Readonly<LogConfig> {
    return this.cfg;
  }
  get logEndOffset(): number {
    return this.leo;
  }
  get logStartOffset(): number {
    return this.startOffset;
  }
  get highWatermark(): number {
    return this.hw;
  }
  get recoveryPoint(): number {
    return this.flushedTo;
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

  segments(): SegmentInfo[] {
    return this.segmentList.map((s) => ({
      baseOffset: s.baseOffset,
      size: s.size,
      maxTimestamp: s.maxTimestamp,
      path: s.logPath,
    }));
  }

  /** The segments themselves, oldest first (for the cleaner and tools; do not modify the list). */
  segmentObjects(): readonly LogSegment[] {
    return this.segmentList;
  }

  get mappingBudget(): MappingBudget {
    return this.budget;
  }

  /** Puts `fresh` (the cleaner's rewrite of a closed segment) in place of `old`. */
  replaceSegment(old: LogSegment, fresh: LogSegment): void {
    this.checkOpen();
    const index = this.segmentList.indexOf(old);
    if (index < 0 || index === this.segmentList.length - 1) {
      fresh.close();
      throw new Error(`segment ${old.baseOffset} is not a closed segment of ${this.dir}`);
    }
    this.segmentList[index] = fresh;
    old.close();
  }

  /** Moves the high watermark, kept within [logStartOffset, LEO]. */
  setHighWatermark(offset: number): void {
    this.hw = Math.min(Math.max(offset, this.startOffset), this.leo);
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
    if (!value) this.hw = this.leo;
  }

  /** The latest leader epoch that wrote here (or was assigned), -1 when none. */
  get latestEpoch(): number {
    return this.epochs.latestEpoch;
  }
  /** OffsetForLeaderEpoch: the largest epoch <= `epoch` this log has, and its end offset. */
  endOffsetForEpoch(epoch: number): EpochEndOffset {
    return this.epochs.endOffsetFor(epoch, this.leo);
  }
  /** A new leader's epoch starts at the LEO (Kafka does this when a replica becomes leader). */
  assignLeaderEpoch(epoch: number): void {
    this.checkOpen();
    this.epochs.assign(epoch, this.leo);
  }
  epochEntries(): EpochEntry[] {
    return this.epochs.epochEntries();
  }

  updateConfig(config: LogConfig): void {
    this.cfg = config;
    Object.assign(this.segmentConfig, segmentConfigOf(config));
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
   * with its error: nothing of them is visible and the producers' state is put back.
   */
  appendMany(items: readonly Buffer[], request: AppendRequest = {}): (LogAppendResult | Error)[] {
    this.checkOpen();
    const now = request.now ?? Date.now();
    const assignOffsets = request.assignOffsets ?? true;
    const leaderEpoch = request.leaderEpoch ?? this.stampedEpoch(assignOffsets);
    // What writeGroup records in the epoch cache: the leader's epoch, or each batch's own.
    const epoch = assignOffsets ? leaderEpoch : FROM_BATCHES;
    const options = {
      assignOffsets,
      now,
      ...(leaderEpoch !== undefined ? { leaderEpoch } : {}),
      ...(request.internal ? { internal: true } : {}),
      ...(request.verified ? { verified: true } : {}),
      producers: this.producers,
    };
    const results = new Array<LogAppendResult | Error>(items.length);
    const group = new PendingWrite();
    let next = this.leo;
    for (let i = 0; i < items.length; i++) {
      const records = items[i]!;
      let info: AppendInfo;
      try {
        info = validateAndAssign(records, next, this.cfg, options);
      } catch (err) {
        results[i] = err as Error;
        continue;
      }
      // A producer's retry of a batch already appended: answer with the offsets it got then —
      // once they are written, when that batch is still in this group.
      if (info.duplicateOf) {
        if (info.duplicateOf.lastOffset >= this.leo) {
          group.duplicates.push(i);
          group.duplicateInfos.push(info);
        } else {
          info.logEndOffset = this.leo;
          results[i] = info;
        }
        continue;
      }
      try {
        if (needsRoll(this.activeSegment, this.cfg, group.bytes, records.length, info, now)) {
          this.writeGroup(group, results, epoch);
          // A follower's batch past a gap in the leader's offsets (a compacted log) starts the
          // new segment itself; a gap alone stays inside the segment, as compaction leaves them.
          this.roll(now, !assignOffsets && info.firstOffset > next ? info.firstOffset : this.leo);
        }
      } catch (err) {
        // A roll that failed: what the group still holds was never written.
        this.abandon(group, results, err as Error);
        return failRest(results, i, err as Error);
      }
      group.add(i, records, info);
      this.producers.recordBatches(records, false, group.undo);
      next = info.lastOffset + 1;
    }
    try {
      this.writeGroup(group, results, epoch);
    } catch {
      // Every batch of the group has its error in results.
    }
    return results;
  }

  /**
   * Writes the group's batches in one append and gives each its result (and the duplicates of
   * them their answer); on failure, every one of them gets the error, which is thrown on. A
   * flush.messages fsync that fails after the write fails them too, as a single append's would.
   * A new epoch goes to the epoch cache first, as in Kafka: an entry ahead of the data is trimmed
   * when the log opens, whereas data ahead of its entry would be misattributed.
   */
  private writeGroup(group: PendingWrite, results: (LogAppendResult | Error)[], epoch: AppendEpoch): void {
    if (group.indexes.length === 0 && group.duplicates.length === 0) return;
    if (group.indexes.length > 0) {
      try {
        this.epochs.recordAppend(group.chunks, epoch, group.infos[0]!.firstOffset);
        this.activeSegment.append(group.chunks);
      } catch (err) {
        this.abandon(group, results, err as Error);
        throw err;
      }
      this.leo = group.infos[group.infos.length - 1]!.lastOffset + 1;
      if (!this.isReplicated) this.hw = this.leo;
      else this.onAppend?.();
    }
    group.settle(results, this.leo);
    try {
      if (this.unflushedMessages >= this.cfg.flushMessages) this.flush();
    } catch (err) {
      group.fail(results, err as Error);
      group.clear();
      throw err;
    }
    group.clear();
  }

  /** A replicated leader stamps its latest epoch on appends that name none, as Kafka stamps every one. */
  private stampedEpoch(assignOffsets: boolean): number | undefined {
    const latest = this.epochs.latestEpoch;
    return this.isReplicated && assignOffsets && latest >= 0 ? latest : undefined;
  }

  /** The group's batches were not written: each fails with `err` and the producers' state goes back. */
  private abandon(group: PendingWrite, results: (LogAppendResult | Error)[], err: Error): void {
    this.producers.undo(group.undo);
    group.fail(results, err);
    group.clear();
  }

  /** Starts a new active segment at the LEO (or at `baseOffset`, a follower's batch past a gap). */
  roll(now = Date.now(), baseOffset = this.leo): LogSegment {
    this.checkOpen();
    const active = this.activeSegment;
    if (active.size === 0 && active.baseOffset === baseOffset) return active;
    if (active.size === 0) {
      this.segmentList.pop();
      active.delete();
    } else {
      active.onBecomeInactive();
    }
    const segment = this.newSegment(baseOffset, now);
    this.segmentList.push(segment);
    if (baseOffset > this.leo) this.leo = baseOffset;
    // Producer state as of the new segment, so a restart replays at most the active segment.
    if (this.producers.size > 0) {
      writeSnapshot(this.dir, segment.baseOffset, this.producers);
      pruneSnapshots(this.dir, segment.baseOffset);
    }
    if (active.size > 0) this.rolledUnflushed.push({ segment: active, upTo: segment.baseOffset });
    return segment;
  }

  /**
   * Writes the segments rolled since the last call to disk, off the event loop, and moves the
   * recovery point past them, so a crash has only the newer data to check. Kafka flushes each
   * rolled segment at once; the log manager calls this with its checkpoint instead, so that at
   * high rates rolls do not keep forcing the disk to catch up. A failure leaves the recovery point
   * where it was: recovery will just check more.
   */
  async flushRolledSegments(): Promise<void> {
    const rolled = this.rolledUnflushed.splice(0);
    if (rolled.length === 0 || this.closed) return;
    const truncations = this.truncations;
    try {
      for (const { segment } of rolled) await segment.flushAsync();
      if (this.closed || truncations !== this.truncations) return;
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
   * Reads whole batches from the one holding `offset`, up to `maxBytes` (at least one batch by
   * default). OffsetOutOfRangeError outside [logStartOffset, LEO].
   */
  async read(offset: number, maxBytes: number, options: ReadOptions = {}): Promise<LogReadResult> {
    this.checkOpen();
    if (offset < this.startOffset || offset > this.leo)
      throw new OffsetOutOfRangeError(offset, this.startOffset, this.leo);
    const upTo = Math.min(options.upTo ?? this.leo, this.leo);
    const minOne = options.minOneBatch ?? true;
    let segment: LogSegment | undefined = this.segmentList[segmentIndexFor(this.segmentList, offset)];
    let from = offset;
    while (segment && from < upTo) {
      const slice = await segment.read(from, maxBytes, upTo, minOne);
      if (slice) return this.result(slice.records, slice.records.length > 0 ? slice.firstOffset : -1);
      // Nothing at or after `from` in this segment: go on with the next one. Retention may have
      // changed the list during the await, so find it by base offset, not by position.
      segment = segmentAfter(this.segmentList, segment.baseOffset);
      if (segment) from = Math.max(from, segment.baseOffset);
    }
    return this.result(EMPTY, -1);
  }

  private result(records: Buffer, firstOffset: number): LogReadResult {
    return {
      records,
      firstOffset,
      logStartOffset: this.startOffset,
      logEndOffset: this.leo,
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
    if (timestamp === OffsetSpec.Latest) return { offset: this.leo, timestamp: -1 };
    if (timestamp === OffsetSpec.Earliest) return { offset: this.startOffset, timestamp: -1 };
    if (timestamp === OffsetSpec.MaxTimestamp)
      return findMaxTimestampOffset(this.segmentList, this.startOffset);
    return findOffsetForTimestamp(this.segmentList, timestamp, this.startOffset);
  }

  /**
   * Rebuilds producer state: the newest snapshot at or below the LEO (later ones are dropped),
   * then every batch after it, read back from the log.
   */
  private loadProducerState(): void {
    restoreProducerState(this.dir, this.producers, this.segmentList, this.startOffset, this.leo, this.say);
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
      this.segmentList,
      this.cfg,
      { logStartOffset: this.startOffset, logEndOffset: this.leo, highWatermark: this.hw, timeAndSize },
      now,
    );
    if (count === 0) return 0;
    if (count === this.segmentList.length) this.roll(now);
    for (const segment of this.segmentList.splice(0, count)) segment.delete();
    this.startOffset = Math.max(this.startOffset, this.segmentList[0]!.baseOffset);
    this.flushedTo = Math.max(this.flushedTo, this.startOffset);
    this.epochs.truncateFromStart(this.startOffset);
    return count;
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
    if (offset >= this.leo) return false;
    this.truncations++;
    if (offset <= this.segmentList[0]!.baseOffset) {
      this.truncateFullyAndStartAt(offset);
      return true;
    }
    while (this.segmentList.length > 1 && this.activeSegment.baseOffset >= offset) {
      this.segmentList.pop()!.delete();
    }
    this.activeSegment.makeWritable();
    this.activeSegment.truncateTo(offset);
    this.leo = this.activeSegment.readNextOffset();
    this.hw = Math.min(this.hw, this.leo);
    this.epochs.truncateFromEnd(this.leo);
    this.loadProducerState();
    this.startOffset = Math.min(this.startOffset, this.leo);
    this.flushedTo = Math.min(this.flushedTo, this.leo);
    return true;
  }

  /** Deletes everything and restarts the log, empty, at `offset`. */
  truncateFullyAndStartAt(offset: number): void {
    this.checkOpen();
    this.truncations++;
    for (const segment of this.segmentList) segment.delete();
    this.segmentList = [this.newSegment(offset)];
    pruneSnapshots(this.dir, -1);
    this.producers.clear();
    this.epochs.clear();
    this.leo = offset;
    this.hw = offset;
    this.startOffset = offset;
    this.flushedTo = offset;
  }

  /** Writes everything up to the LEO to disk and moves the recovery point there. */
  flush(): void {
    this.checkOpen();
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
  flushIfDue(now = Date.now()): boolean {
    if (this.closed || this.unflushedMessages === 0 || now - this.lastFlushMs < this.cfg.flushMs)
      return false;
    this.flush();
    return true;
  }

  /** Clean close: flushes, trims the active segment's indexes, closes every file. */
  close(): void {
    if (this.closed) return;
    // Nothing new since the last flush: no need to sync thousands of idle partitions at shutdown.
    if (this.unflushedMessages > 0 || this.directoryDirty) this.flush();
    if (this.producers.size > 0) {
      writeSnapshot(this.dir, this.leo, this.producers);
      pruneSnapshots(this.dir, this.leo);
    }
    for (const segment of this.segmentList) segment.close();
    this.closed = true;
  }

  /** Deletes the whole partition directory. */
  delete(): void {
    if (!this.closed) {
      for (const segment of this.segmentList) segment.delete();
      this.closed = true;
    }
    this.epochs.delete();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  private checkOpen(): void {
    if (this.closed) throw new LogClosedError(`log ${this.topic}-${this.partition}`);
  }
}

const EMPTY = Buffer.alloc(0);

function segmentConfigOf(config: LogConfig): SegmentConfig {
  return {
    segmentBytes: config.segmentBytes,
    indexIntervalBytes: config.indexIntervalBytes,
    maxIndexBytes: config.segmentIndexBytes,
  };
}
