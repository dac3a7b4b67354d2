/**
 * The offset index (`<base offset>.index`): a sparse map from offset to the byte position of a batch
 * in the segment's `.log`, one entry every `index.interval.bytes`. Kafka's layout, so Kafka's tools
 * read our files:
 *
 *   entry (8 bytes, big-endian), sorted by offset, offsets strictly increasing:
 *     0  relativeOffset  int32   offset - baseOffset (the base offset is in the file name)
 *     4  position        int32   byte position of the batch in the .log file
 *
 * An entry (offset, position) says: the batch at `position` holds `offset` (Kafka indexes a batch's
 * last offset), so a reader after offset >= that can start scanning at `position`. There is no
 * header; the entry count is the file length / 8 (see mapped-index.ts for files with a zero tail).
 */
import { IndexAppendError } from '../errors.js';
import type { IndexLayout, IndexOptions } from './mapped-index.js';
import { MappedIndex } from './mapped-index.js';

export const OFFSET_INDEX_ENTRY_SIZE = 8;

const RELATIVE_OFFSET = 0;
const POSITION = 4;
const INT32_MAX = 2 ** 31 - 1;

export interface OffsetPosition {
  readonly offset: number;
  readonly position: number;
}

const relativeOffset = (buf: Buffer, pos: number): number => buf.readInt32BE(pos + RELATIVE_OFFSET);

const layout: IndexLayout = {
  entrySize: OFFSET_INDEX_ENTRY_SIZE,
  relativeOffset,
  problem(buf, pos, prevPos) {
    const rel = buf.readInt32BE(pos + RELATIVE_OFFSET);
    const position = buf.readInt32BE(pos + POSITION);
    if (rel < 0) return `negative relative offset ${rel}`;
    if (position < 0) return `negative position ${position}`;
    if (prevPos < 0) return undefined;
    const prevRel = buf.readInt32BE(prevPos + RELATIVE_OFFSET);
    if (rel <= prevRel) return `relative offset ${rel} does not follow ${prevRel}`;
    const prevPosition = buf.readInt32BE(prevPos + POSITION);
    if (position < prevPosition) return `position ${position} is before ${prevPosition}`;
    return undefined;
  },
};

export class OffsetIndex extends MappedIndex {
  private constructor(path: string, baseOffset: number, options: IndexOptions) {
    super(path, baseOffset, layout, options);
  }

  /** Opens (writable: creates if missing) the index at `path` for the segment at `baseOffset`. */
  static open(path: string, baseOffset: number, options: IndexOptions): OffsetIndex {
    return new OffsetIndex(path, baseOffset, options);
  }

  /** The last entry's offset; baseOffset when empty. */
  get lastOffset(): number {
    return this.baseOffset + this.lastEntryBytes.readInt32BE(RELATIVE_OFFSET);
  }

  /** The last entry's position; 0 when empty. */
  get lastPosition(): number {
    return this.lastEntryBytes.readInt32BE(POSITION);
  }

  /**
   * Adds (offset, position). Throws IndexAppendError when offset is not above the last entry's
   * (any offset >= baseOffset when empty), its relative offset overflows int32, position is not an
   * int32 >= the last position, the index is full, read-only or closed; DiskFullError when the file
   * cannot grow. Nothing changes when it throws.
   */
  append(offset: number, position: number): void {
    if (!this.canAppendOffset(offset)) {
      throw new IndexAppendError(
        this.path,
        `offset ${offset} is not in [${this.baseOffset}, base + 2^31 - 1]`,
      );
    }
    if (this.entries > 0 && offset <= this.lastOffset) {
      throw new IndexAppendError(
        this.path,
        `offset ${offset} is not above the last offset ${this.lastOffset}`,
      );
    }
    if (!Number.isInteger(position) || position < 0 || position > INT32_MAX || position < this.lastPosition) {
      throw new IndexAppendError(this.path, `position ${position} is invalid after ${this.lastPosition}`);
    }
    const pos = this.reserveEntry();
    const buf = this.mapped();
    buf.writeInt32BE(offset - this.baseOffset, pos + RELATIVE_OFFSET);
    buf.writeInt32BE(position, pos + POSITION);
    this.commitEntry();
  }

  /** The entry with the largest offset <= targetOffset, or (baseOffset, 0) when there is none. */
  lookup(targetOffset: number): OffsetPosition {
    const slot = this.largestLowerBound(targetOffset - this.baseOffset, relativeOffset);
    if (slot < 0) return { offset: this.baseOffset, position: 0 };
    return this.read(slot * OFFSET_INDEX_ENTRY_SIZE);
  }

  /** lookup(targetOffset).position without allocating. */
  lookupPosition(targetOffset: number): number {
    const slot = this.largestLowerBound(targetOffset - this.baseOffset, relativeOffset);
    if (slot < 0) return 0;
    return this.mapped().readInt32BE(slot * OFFSET_INDEX_ENTRY_SIZE + POSITION);
  }

  /** Entry `i` (0-based); RangeError outside [0, entries). */
  entryAt(i: number): OffsetPosition {
    return this.read(this.entryPosition(i));
  }

  private read(pos: number): OffsetPosition {
    const buf = this.mapped();
    return {
      offset: this.baseOffset + buf.readInt32BE(pos + RELATIVE_OFFSET),
      position: buf.readInt32BE(pos + POSITION),
    };
  }
}
