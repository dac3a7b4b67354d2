/**
 * The second part of a move's copy (log-dir-move.ts): a LocalLog in the target directory that
 * follows the partition's log from where the whole-file copies end, segment for segment — the
 * same base offsets and the same bytes, so the copy is the log's files again — until it lacks
 * little enough for the switch to copy the rest at once, synchronously.
 *
 * A cursor says how far into which of the log's segments the copy has come, and the fingerprint
 * of the last batch copied (segment-copy.ts). After every wait the log is asked whether it still
 * holds that segment, that far, ending with that batch: retention taking the segment is followed
 * (the copy drops what it holds below the log's first segment); any other change — a truncation,
 * a log emptied and restarted — asks the move to copy again from nothing.
 */
import { StorageError } from '../errors.js';
import type { LogSegment } from '../segment/log-segment.js';
import type { LocalLog } from './local-log.js';
import type { PartitionLog } from './partition-log.js';
import {
  FINGERPRINT_BYTES,
  PARALLEL_SYNCS,
  batchRun,
  eachLimited,
  fingerprintAt,
  readBatches,
  readBatchesSync,
  type BatchRun,
} from './segment-copy.js';
import { segmentIndexFor } from './segment-lookup.js';

/** Bytes read per step. */
const READ_BYTES = 1024 * 1024;
/** Lacking no more than this, the copy is close enough to be synced and switched. */
const CLOSE_BYTES = 1024 * 1024;

/** What one step did: copied bytes, went on to the next segment, found itself close, or lost. */
export type FollowStep = 'read' | 'next' | 'close' | 'changed';

export class CopyFollower {
  /** The log's segment being copied, how far, and the last batch copied from it (-1: none). */
  private segment!: LogSegment;
  private position = 0;
  private lastBatch = -1;
  private fingerprint = EMPTY;
  /** Segments of the copy rolled and not yet synced. */
  private unsynced: LogSegment[] = [];

  /**
   * Follows `log` into `copy`, from `start` (the first of the log's segments the copy lacks);
   * `check` is called after every wait (it throws when the move was stopped).
   */
  constructor(
    private readonly log: PartitionLog,
    private readonly copy: LocalLog,
    start: LogSegment,
    private readonly check: () => void,
  ) {
    this.moveTo(start);
  }

  /** One step: a read of what the copy lacks, or on to the log's next segment. */
  async step(): Promise<FollowStep> {
    if (!this.holds()) return this.afterChange();
    if (this.lacking() <= CLOSE_BYTES) return 'close';
    const { segment, position } = this;
    if (position >= segment.size) {
      const segments = this.log.segmentObjects();
      this.moveTo(segments[segmentIndexFor(segments, segment.baseOffset) + 1]!);
      return 'next';
    }
    let bytes: Buffer;
    try {
      bytes = await readBatches(segment, position, READ_BYTES);
    } catch (err) {
      this.check();
      // Deleted or cut under the read: the log changed, which the next step finds.
      if (!this.holds()) return 'read';
      throw err;
    }
    this.check();
    // The bytes are the log's if it still holds their last batch where they were read.
    if (this.holds() && this.segment === segment && position + bytes.length <= segment.size) {
      const run = batchRun(bytes, this.copy.logEndOffset, segment, position);
      const last = bytes.subarray(run.lastBatchStart, run.lastBatchStart + FINGERPRINT_BYTES);
      if (last.equals(fingerprintAt(segment, position + run.lastBatchStart))) this.append(bytes, run);
    }
    return 'read';
  }

  /** Syncs the copy off the event loop, so that the switch's own sync has only its tail left. */
  async sync(): Promise<void> {
    const rolled = this.unsynced.splice(0);
    await eachLimited(rolled, PARALLEL_SYNCS, (segment) => segment.flushAsync());
    this.check();
    // What was rolled is on disk: a flush of the copy has only the active segment to sync.
    if (rolled.length > 0) this.copy.advanceRecoveryPoint(this.copy.activeSegment.baseOffset);
    await this.copy.activeSegment.flushAsync();
  }

  /**
   * Copies the rest of the log now, synchronously, when it is no more than `budget` bytes: true
   * once the copy ends where the log does. False (with what was copied kept) when the log changed
   * under the copy or holds more than that.
   */
  catchUpNow(budget: number): boolean {
    if (!this.holds()) return false;
    for (;;) {
      const { segment, position } = this;
      const size = segment.size;
      if (position < size) {
        if (size - position > budget) return false;
        budget -= size - position;
        const bytes = readBatchesSync(segment, position, size);
        this.append(bytes, batchRun(bytes, this.copy.logEndOffset, segment, position));
      }
      const segments = this.log.segmentObjects();
      const next = segments[segmentIndexFor(segments, segment.baseOffset) + 1];
      if (!next) break;
      this.moveTo(next);
    }
    const [copied, end] = [this.copy.logEndOffset, this.log.logEndOffset];
    if (copied !== end) throw new StorageError(`the copy ends at ${copied}, the log at ${end}`);
    return true;
  }

  /** Bytes the log holds past the cursor. */
  private lacking(): number {
    const segments = this.log.segmentObjects();
    let bytes = this.segment.size - this.position;
    for (let i = segmentIndexFor(segments, this.segment.baseOffset) + 1; i < segments.length; i++)
      bytes += segments[i]!.size;
    return bytes;
  }

  /** The copy starts a segment with `segment`'s base offset, and the cursor its start. */
  private moveTo(segment: LogSegment): void {
    const active = this.copy.activeSegment;
    if (active.baseOffset !== segment.baseOffset) {
      this.copy.roll(Date.now(), segment.baseOffset);
      if (active.size > 0) this.unsynced.push(active);
    }
    this.segment = segment;
    this.position = 0;
    this.lastBatch = -1;
    this.fingerprint = EMPTY;
  }

  /** Appends whole batches read at the cursor (checked by batchRun) to the copy. */
  private append(bytes: Buffer, run: BatchRun): void {
    if (bytes.length === 0) return;
    this.copy.append([bytes], run.nextOffset);
    this.lastBatch = this.position + run.lastBatchStart;
    this.fingerprint = Buffer.from(
      bytes.subarray(run.lastBatchStart, run.lastBatchStart + FINGERPRINT_BYTES),
    );
    this.position += bytes.length;
  }

  /** Whether the log still holds the cursor's segment, as far as it was copied. */
  private holds(): boolean {
    const { segment } = this;
    const segments = this.log.segmentObjects();
    if (segments[segmentIndexFor(segments, segment.baseOffset)] !== segment) return false;
    if (segment.size < this.position) return false;
    return this.lastBatch < 0 || this.fingerprint.equals(fingerprintAt(segment, this.lastBatch));
  }

  /**
   * The log changed under the cursor. When retention (or a log restarted further on) took the
   * segment, the copy drops what it holds below the log's first segment and goes on from there;
   * anything else is 'changed'.
   */
  private afterChange(): 'next' | 'changed' {
    const first = this.log.segmentObjects()[0]!;
    if (first.baseOffset <= this.segment.baseOffset) return 'changed';
    this.moveTo(first);
    this.copy.deleteOldest(this.copy.segments.length - 1);
    this.unsynced = [];
    return 'next';
  }
}

const EMPTY = Buffer.alloc(0);
