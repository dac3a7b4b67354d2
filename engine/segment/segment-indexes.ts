/**
 * A segment's two sparse indexes, `.index` and `.timeindex` (offset-index.ts, time-index.ts,
 * named as in segment-files.ts), and what goes into them as batches arrive: an entry every
 * index.interval.bytes, and the running max timestamp (with the offset that carries it) that the
 * time index, retention and segment.ms go by. The index files open lazily, on first use; the
 * `.log` and the batches in it are LogSegment's (log-segment.ts).
 */
import fs from 'node:fs';
import { MAX_TIMESTAMP, readInt64 } from '../record/record-batch.js';
import { OffsetIndex } from './offset-index.js';
import { segmentFilePath } from './segment-files.js';
import type { HeaderWalker } from './segment-header-walk.js';
import { TimeIndex } from './time-index.js';

/** The running state, as saved before an append and put back when it fails. */
export type IndexingState = readonly [
  maxTs: number | undefined,
  offsetOfMaxTs: number,
  bytesSinceLastEntry: number,
];

export class SegmentIndexes {
  private offsetIdx: OffsetIndex | undefined;
  private timeIdx: TimeIndex | undefined;
  private bytesSinceLastIndexEntry = 0;
  private maxTs: number | undefined;
  private offsetOfMaxTs = -1;

  constructor(
    private readonly dir: string,
    private readonly baseOffset: number,
    private readonly config: { readonly indexIntervalBytes: number; readonly maxIndexBytes: number },
    /** Open for appends (the active segment's); indexes opened while so are writable. */
    private writable: boolean,
  ) {}

  get isWritable(): boolean {
    return this.writable;
  }

  get offsetIndex(): OffsetIndex {
    this.offsetIdx ??= OffsetIndex.open(
      segmentFilePath(this.dir, this.baseOffset, 'index'),
      this.baseOffset,
      {
        maxIndexBytes: this.config.maxIndexBytes,
        writable: this.writable,
      },
    );
    return this.offsetIdx;
  }

  get timeIndex(): TimeIndex {
    this.timeIdx ??= TimeIndex.open(
      segmentFilePath(this.dir, this.baseOffset, 'timeindex'),
      this.baseOffset,
      {
        maxIndexBytes: this.config.maxIndexBytes,
        writable: this.writable,
      },
    );
    return this.timeIdx;
  }

  /** Largest timestamp in the segment, -1 when unknown (from the time index after a restart). */
  get maxTimestamp(): number {
    this.loadMaxTimestamp();
    return this.maxTs ?? -1;
  }

  /** Takes the max timestamp from the time index's last entry, unless it is known already. */
  loadMaxTimestamp(): void {
    if (this.maxTs !== undefined) return;
    const last = this.timeIndex.lastEntry;
    this.maxTs = last.timestamp;
    this.offsetOfMaxTs = last.timestamp >= 0 ? last.offset : -1;
  }

  save(): IndexingState {
    return [this.maxTs, this.offsetOfMaxTs, this.bytesSinceLastIndexEntry];
  }

  restore(state: IndexingState): void {
    [this.maxTs, this.offsetOfMaxTs, this.bytesSinceLastIndexEntry] = state;
  }

  /**
   * Records one batch that now sits at `position`: the sparse index entries every
   * indexIntervalBytes, and the running max timestamp.
   */
  addBatch(position: number, lastOffset: number, maxTimestamp: number, size: number): void {
    this.loadMaxTimestamp();
    if (maxTimestamp > (this.maxTs ?? -1)) {
      this.maxTs = maxTimestamp;
      this.offsetOfMaxTs = lastOffset;
    }
    if (this.bytesSinceLastIndexEntry > this.config.indexIntervalBytes) {
      // A full index takes no more entries: the index is sparse, a missing entry only makes a scan
      // longer, and the next append rolls the segment (LogSegment.isFullFor).
      if (!this.offsetIndex.isFull) this.offsetIndex.append(lastOffset, position);
      if (!this.timeIndex.isFull) this.timeIndex.maybeAppend(this.maxTs ?? -1, this.offsetOfMaxTs);
      this.bytesSinceLastIndexEntry = 0;
    }
    this.bytesSinceLastIndexEntry += size;
  }

  /** Drops every entry and the running timestamp; recovery re-adds them batch by batch. */
  reset(): void {
    this.offsetIndex.reset();
    this.timeIndex.reset();
    this.bytesSinceLastIndexEntry = 0;
    this.maxTs = -1;
    this.offsetOfMaxTs = -1;
  }

  /** Drops the entries for offsets at or after `offset` (batches that are gone). */
  truncateTo(offset: number): void {
    this.offsetIndex.truncateTo(offset);
    this.timeIndex.truncateTo(offset);
  }

  /**
   * After the log was cut at a batch boundary (now its end): drops the entries at or past the cut,
   * whose first offset is `nextOffset`, and re-derives the max timestamp below it.
   */
  afterCut(nextOffset: number, headers: HeaderWalker, logSize: number): void {
    this.truncateTo(nextOffset);
    this.recomputeMaxTimestamp(headers, logSize);
    this.bytesSinceLastIndexEntry = 0;
  }

  /**
   * The max timestamp after a cut: the last time index entry, then every batch after it — the
   * batches past the last entry may hold a later timestamp than the entry does.
   */
  private recomputeMaxTimestamp(headers: HeaderWalker, logSize: number): void {
    const last = this.timeIndex.lastEntry;
    this.maxTs = last.timestamp;
    this.offsetOfMaxTs = last.timestamp >= 0 ? last.offset : -1;
    headers.walk(
      this.offsetIndex.lookupPosition(Math.max(last.offset, this.baseOffset)),
      logSize,
      (lastOffset) => {
        const ts = readInt64(headers.header, MAX_TIMESTAMP);
        if (ts > (this.maxTs ?? -1)) {
          this.maxTs = ts;
          this.offsetOfMaxTs = lastOffset;
        }
        return true;
      },
    );
  }

  /**
   * The segment stops being the active one: a last time index entry for its max timestamp (so
   * retention knows its age after a restart), indexes trimmed to their entries, read-only from now.
   */
  seal(): void {
    this.loadMaxTimestamp();
    const maxTs = this.maxTs ?? -1;
    if (maxTs >= 0 && !this.timeIndex.isFull) this.timeIndex.maybeAppend(maxTs, this.offsetOfMaxTs);
    this.offsetIndex.trimToValidSize();
    this.timeIndex.trimToValidSize();
    this.writable = false;
  }

  /** The segment is the active one again: the indexes reopen for appends; the max timestamp is re-derived. */
  reopenForAppends(headers: HeaderWalker, logSize: number): void {
    this.offsetIdx?.close();
    this.timeIdx?.close();
    this.offsetIdx = undefined;
    this.timeIdx = undefined;
    this.writable = true;
    this.recomputeMaxTimestamp(headers, logSize);
    this.bytesSinceLastIndexEntry = 0;
  }

  /** msync of the indexes that are open. */
  flush(): void {
    this.offsetIdx?.flush();
    this.timeIdx?.flush();
  }

  close(): void {
    this.offsetIdx?.close();
    this.timeIdx?.close();
  }

  /** Removes both index files (open or not); a missing one is no error. */
  removeFiles(): void {
    for (const kind of ['index', 'timeindex'] as const)
      fs.rmSync(segmentFilePath(this.dir, this.baseOffset, kind), { force: true });
  }
}
