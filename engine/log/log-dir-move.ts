/**
 * Moving one partition's log to another data directory while it keeps serving (Kafka's
 * AlterReplicaLogDirs, KIP-113). Appends and reads go on against the log as it is; a copy is made
 * beside it in the target directory, catches up, and takes its place in one synchronous step.
 *
 * 1. The segments closed when the move begins are copied whole (their three files, on the thread
 *    pool, each synced; a few at a time).
 * 2. The copy is opened as a LocalLog and follows the log from there, segment for segment, from
 *    async reads (log-copy-follower.ts), until it lacks less than a megabyte; then it is synced.
 * 3. The rest (what came in meanwhile, at most a few megabytes) is copied with synchronous reads
 *    and the copy switched in (log-dir-commit.ts), in the same turn of the event loop: no append
 *    can come between. More than that came in: step 2 goes on.
 *
 * The log may change under the copy: retention is followed, anything else (a truncation, a log
 * emptied and restarted) makes the copy start again from nothing, up to MAX_ATTEMPTS times. The
 * cleaner leaves a moving log alone (the log manager keeps it out of the cleaner's passes).
 *
 * A move that fails removes its copy and leaves the log where it was; one that is cancelled (the
 * partition deleted, a move elsewhere asked for) removes it too; one abandoned at a clean stop
 * leaves it for the next start to begin again (log-dir-move-recovery.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { StorageError } from '../errors.js';
import { syncDirectory } from '../segment/log-file.js';
import type { LogSegment } from '../segment/log-segment.js';
import type { MappingBudget } from '../segment/mapping-budget.js';
import { CopyFollower } from './log-copy-follower.js';
import {
  futureDirName,
  retireOldCopy,
  switchToCopy,
  type MoveStep,
  type SwitchContext,
} from './log-dir-commit.js';
import type { LogConfig } from './log-config.js';
import { LocalLog } from './local-log.js';
import type { PartitionLog } from './partition-log.js';
import { PARALLEL_SYNCS, copySegmentFiles, eachLimited, removeSegmentFiles } from './segment-copy.js';
import { segmentIndexFor } from './segment-lookup.js';

/** The most the switch copies synchronously; with more to go the copy follows on a while longer. */
const SWITCH_TAIL_BYTES = 4 * 1024 * 1024;
/** Times the copy starts again after the log changed under it, before the move gives up. */
const MAX_ATTEMPTS = 5;

/** What a move needs of the log manager. */
export interface MoveHost {
  configFor(topic: string): LogConfig;
  readonly budget: MappingBudget;
  say(message: string): void;
  /** Writes `dir`'s checkpoints counting `log` among its logs. */
  checkpointWith(dir: string, log: PartitionLog): void;
  /** The log now lives in `dir`. */
  relocated(log: PartitionLog, dir: string): void;
  /** Settles when no cleaner pass is running. */
  cleanerIdle(): Promise<void>;
  onStep?: ((step: MoveStep, topic: string, partition: number) => void) | undefined;
}

export type MoveOutcome = 'moved' | 'cancelled' | 'abandoned' | Error;

class MoveStopped extends Error {}

export class LogDirMove {
  readonly futureDir: string;
  /** Settles when the move ends, however it ends. */
  readonly outcome: Promise<MoveOutcome>;
  private future: LocalLog | undefined;
  private stopped: 'cancelled' | 'abandoned' | undefined;
  /** The log lives in the target now; only the old files' removal is left. */
  private switched = false;
  /** Closed segments copied in step 1, by base offset. */
  private readonly copied = new Map<number, { segment: LogSegment }>();
  private copiedBytes = 0;
  private copiedEnd: number;

  /** Creates the copy's directory (a StorageError when it cannot be made) and starts copying. */
  constructor(
    readonly log: PartitionLog,
    readonly fromDir: string,
    readonly toDir: string,
    private readonly host: MoveHost,
  ) {
    this.futureDir = path.join(toDir, futureDirName(log.topic, log.partition));
    try {
      fs.mkdirSync(this.futureDir);
      syncDirectory(toDir);
    } catch (err) {
      removeQuietly(this.futureDir);
      throw new StorageError(`cannot make ${this.futureDir}: ${(err as Error).message}`, err);
    }
    this.copiedEnd = log.logStartOffset;
    this.outcome = this.run();
  }

  /** Whether the copy is still being made (not yet switched in). */
  get copying(): boolean {
    return !this.switched;
  }

  /** Bytes of the copy so far. */
  get size(): number {
    return this.future ? this.future.size : this.copiedBytes;
  }

  /** The offset the copy reaches. */
  get logEndOffset(): number {
    return this.future ? this.future.logEndOffset : this.copiedEnd;
  }

  /** Stops the move and removes the copy (the log stays where it is). */
  cancel(): void {
    this.stop('cancelled');
    removeQuietly(this.futureDir);
  }

  /** Stops the move and leaves the copy for the next start to begin again (a clean stop). */
  abandon(): void {
    this.stop('abandoned');
  }

  private stop(how: 'cancelled' | 'abandoned'): void {
    this.stopped ??= how;
    this.closeFuture();
  }

  private get name(): string {
    return `${this.log.topic}-${this.log.partition}`;
  }

  private async run(): Promise<MoveOutcome> {
    try {
      await this.host.cleanerIdle();
      for (let attempt = 1; ; attempt++) {
        if ((await this.attempt()) === 'moved') return 'moved';
        if (attempt === MAX_ATTEMPTS)
          throw new StorageError(`the log changed under the copy ${MAX_ATTEMPTS} times`);
        this.host.say(`moving ${this.name}: the log changed under the copy; copying it again`);
        this.startAgain();
      }
    } catch (err) {
      if (this.stopped) return this.stopped;
      this.host.say(
        `moving ${this.name} to ${this.toDir} failed, it stays in ${this.fromDir}: ${(err as Error).message}`,
      );
      this.closeFuture();
      removeQuietly(this.futureDir);
      return err as Error;
    }
  }

  /** One try at the whole copy: 'again' when the log changed in a way the copy cannot follow. */
  private async attempt(): Promise<'moved' | 'again'> {
    await this.copyClosedSegments();
    const start = this.openFuture();
    if (!start) return 'again';
    const follower = new CopyFollower(this.log, this.future!, start, () => this.check());
    for (;;) {
      const step = await follower.step();
      if (step === 'changed') return 'again';
      if (step === 'read') this.step('tail');
      if (step !== 'close') continue;
      await follower.sync();
      this.check();
      if (follower.catchUpNow(SWITCH_TAIL_BYTES)) {
        await this.switch();
        return 'moved';
      }
    }
  }

  /** Throws MoveStopped once the move was stopped: every wait is followed by this. */
  private check(): void {
    if (this.stopped) throw new MoveStopped(this.stopped);
  }

  private step(step: MoveStep): void {
    this.host.onStep?.(step, this.log.topic, this.log.partition);
  }

  /**
   * Step 1: whole-file copies of the segments closed when the move began (those closed since are
   * copied in step 2, which does not sync each one on its own).
   */
  private async copyClosedSegments(): Promise<void> {
    const segments = this.log.segmentObjects();
    const closed = segments
      .slice(0, -1)
      .filter((s, i) => segments[i + 1]!.baseOffset > this.log.logStartOffset);
    // A few at a time: a sync waits mostly on the disk, and concurrent ones share its commits.
    await eachLimited(closed, PARALLEL_SYNCS, async (segment) => {
      this.check();
      if (!holds(this.log.segmentObjects(), segment)) return;
      try {
        await copySegmentFiles(segment, this.futureDir);
      } catch (err) {
        this.check();
        // Deleted under the copy (retention): not an error, just one segment fewer to copy.
        if (holds(this.log.segmentObjects(), segment)) throw err;
        removeSegmentFiles(this.futureDir, segment.baseOffset);
        return;
      }
      this.check();
      this.copied.set(segment.baseOffset, { segment });
      this.copiedBytes += segment.size;
      const now = this.log.segmentObjects();
      const end = now[segmentIndexFor(now, segment.baseOffset) + 1]?.baseOffset ?? this.copiedEnd;
      this.copiedEnd = Math.max(this.copiedEnd, end);
      this.step('copying');
    });
    syncDirectory(this.futureDir);
    this.step('copied');
  }

  /**
   * Opens the copy as a LocalLog; returns the first of the log's segments it lacks. Undefined when
   * the whole-file copies no longer match the log (truncated or replaced under them).
   */
  private openFuture(): LogSegment | undefined {
    const segments = this.log.segmentObjects();
    for (const [base, { segment }] of [...this.copied]) {
      const kept = holds(segments, segment);
      if (kept && !segment.isWritable) continue;
      // Retention took it (only the oldest go): so does the copy.
      if (!kept && base < segments[0]!.baseOffset) {
        removeSegmentFiles(this.futureDir, base);
        this.copied.delete(base);
        continue;
      }
      return undefined;
    }
    const bases = [...this.copied.keys()].sort((a, b) => a - b);
    let next: number;
    if (bases.length > 0) {
      const first = segmentIndexFor(segments, bases[0]!);
      for (let k = 0; k < bases.length; k++)
        if (segments[first + k]?.baseOffset !== bases[k]) return undefined;
      next = first + bases.length;
    } else {
      next = 0;
      while (next < segments.length - 1 && segments[next + 1]!.baseOffset <= this.log.logStartOffset) next++;
    }
    const segment = segments[next]!;
    this.future = this.openLocal(this.futureDir, bases[0] ?? segment.baseOffset);
    return segment;
  }

  /**
   * Step 3, once the copy ends where the log does (CopyFollower.catchUpNow): the switch, then the
   * old files' removal over the next turns.
   */
  private async switch(): Promise<void> {
    const future = this.future!;
    this.future = undefined;
    const ctx: SwitchContext = {
      log: this.log,
      future,
      futureDir: this.futureDir,
      fromDir: this.fromDir,
      toDir: this.toDir,
      open: (dir) => this.openLocal(dir, this.log.logStartOffset),
      writeTargetCheckpoints: () => this.host.checkpointWith(this.toDir, this.log),
      switched: () => {
        this.switched = true;
        this.host.relocated(this.log, this.toDir);
      },
      step: (step) => this.step(step),
      say: this.host.say,
    };
    await retireOldCopy(ctx, switchToCopy(ctx));
  }

  /** The log's files in `dir` (the copy, or the moved log), opened as after a clean stop. */
  private openLocal(dir: string, logStartOffset: number): LocalLog {
    const { topic, partition } = this.log;
    const config = this.host.configFor(topic);
    const options = { dir, topic, partition, config, budget: this.host.budget, logStartOffset };
    return LocalLog.load({ ...options, cleanShutdown: true, log: this.host.say }, Date.now()).local;
  }

  /** After the log changed under the copy: an empty directory and nothing copied. */
  private startAgain(): void {
    this.closeFuture();
    for (const name of fs.readdirSync(this.futureDir))
      fs.rmSync(path.join(this.futureDir, name), { recursive: true, force: true });
    this.copied.clear();
    this.copiedBytes = 0;
    this.copiedEnd = this.log.logStartOffset;
  }

  private closeFuture(): void {
    const future = this.future;
    this.future = undefined;
    if (!future) return;
    try {
      future.close();
    } catch (err) {
      this.host.say(`${this.futureDir}: closing the copy: ${(err as Error).message}`);
    }
  }
}

/** Removes `dir` if it is there; a directory that cannot be reached is left (nothing to remove). */
function removeQuietly(dir: string): void {
  try {
    fs.rmSync(dir, { recursive: true, force: true });
  } catch {
    // Its parent is gone or no directory: there is nothing there.
  }
}

/** Whether `segments` (a log's, oldest first) still holds `segment` itself. */
function holds(segments: readonly LogSegment[], segment: LogSegment): boolean {
  return segments[segmentIndexFor(segments, segment.baseOffset)] === segment;
}
