/**
 * The time index (`<base offset>.timeindex`): a sparse map from timestamp to offset, so a reader can
 * find where records at or after a time start (ListOffsets by time, time-based retention). Kafka's
 * layout, so Kafka's tools read our files:
 *
 *   entry (12 bytes, big-endian), sorted: timestamps non-decreasing (strictly increasing as we
 *   append them), offsets non-decreasing:
 *     0  timestamp       int64   the largest timestamp in the segment up to `offset`, in ms
 *     8  relativeOffset  int32   offset - baseOffset of the record that first carried that timestamp
 *
 * Entries are only added when the timestamp grows, so every record before an entry's offset has a
 * smaller timestamp: the entry with the largest timestamp <= T is where a scan for the first record
 * at or after T may start. Timestamps are read as two int32 halves into a `number` (exact below
 * 2^53), never as a BigInt.
 */
import { IndexAppendError } from '../errors.js';
import type { IndexLayout, IndexOptions } from './mapped-index.js';
import { MappedIndex } from './mapped-index.js';

export const TIME_INDEX_ENTRY_SIZE = 12;

const TIMESTAMP = 0;
const RELATIVE_OFFSET = 8;
const TWO_POW_32 = 4294967296;

export interface TimestampOffset {
  readonly timestamp: number;
  readonly offset: number;
}

const readTimestamp = (buf: Buffer, pos: number): number =>
  buf.readInt32BE(pos + TIMESTAMP) * TWO_POW_32 + buf.readUInt32BE(pos + TIMESTAMP + 4);

const relativeOffset = (buf: Buffer, pos: number): number => buf.readInt32BE(pos + RELATIVE_OFFSET);

function writeTimestamp(buf: Buffer, pos: number, timestamp: number): void {
  const high = Math.floor(timestamp / TWO_POW_32);
  buf.writeInt32BE(high, pos + TIMESTAMP);
  buf.writeUInt32BE(timestamp - high * TWO_POW_32, pos + TIMESTAMP + 4);
}

const layout: IndexLayout = {
  entrySize: TIME_INDEX_ENTRY_SIZE,
  relativeOffset,
  problem(buf, pos, prevPos) {
    const rel = relativeOffset(buf, pos);
    if (rel < 0) return `negative relative offset ${rel}`;
    if (prevPos < 0) return undefined;
    const timestamp = readTimestamp(buf, pos);
    const prevTimestamp = readTimestamp(buf, prevPos);
    if (timestamp < prevTimestamp) return `timestamp ${timestamp} is before ${prevTimestamp}`;
    const prevRel = relativeOffset(buf, prevPos);
    if (rel < prevRel) return `relative offset ${rel} is before ${prevRel}`;
    return undefined;
  },
};

export class TimeIndex extends MappedIndex {
  private constructor(path: string, baseOffset: number, options: IndexOptions) {
    super(path, baseOffset, layout, options);
  }

  /** Opens (writable: creates if missing) the time index at `path` for the segment at `baseOffset`. */
  static open(path: string, baseOffset: number, options: IndexOptions): TimeIndex {
    return new TimeIndex(path, baseOffset, options);
  }

  /** The last entry's timestamp; -1 (no timestamp) when empty. */
  get lastTimestamp(): number {
    return this.entries === 0 ? -1 : readTimestamp(this.lastEntryBytes, 0);
  }

  /** The last entry's offset; baseOffset when empty. */
  get lastOffset(): number {
    return this.baseOffset + relativeOffset(this.lastEntryBytes, 0);
  }

  /** The last entry, or (-1, baseOffset) when empty. */
  get lastEntry(): TimestampOffset {
    return { timestamp: this.lastTimestamp, offset: this.lastOffset };
  }

  /**
   * Adds (timestamp, offset) when timestamp is above the last entry's (-1 when empty), as Kafka does;
   * returns whether it did. Throws IndexAppendError when offset is below the last entry's offset or
   * does not fit (relative int32), timestamp is not a safe integer, or an append is needed but the
   * index is full, read-only or closed; DiskFullError when the file cannot grow.
   */
  maybeAppend(timestamp: number, offset: number): boolean {
    if (!Number.isSafeInteger(timestamp)) {
      throw new IndexAppendError(this.path, `timestamp ${timestamp} is not an integer`);
    }
    if (!this.canAppendOffset(offset)) {
      throw new IndexAppendError(
        this.path,
        `offset ${offset} is not in [${this.baseOffset}, base + 2^31 - 1]`,
      );
    }
    if (this.entries > 0 && offset < this.lastOffset) {
      throw new IndexAppendError(this.path, `offset ${offset} is below the last offset ${this.lastOffset}`);
    }
    if (timestamp <= this.lastTimestamp) return false;
    const pos = this.reserveEntry();
    const buf = this.mapped();
    writeTimestamp(buf, pos, timestamp);
    buf.writeInt32BE(offset - this.baseOffset, pos + RELATIVE_OFFSET);
    this.commitEntry();
    return true;
  }

  /** The entry with the largest timestamp <= targetTimestamp, or (-1, baseOffset) when there is none. */
  lookup(targetTimestamp: number): TimestampOffset {
    const slot = this.largestLowerBound(targetTimestamp, readTimestamp);
    if (slot < 0) return { timestamp: -1, offset: this.baseOffset };
    return this.read(slot * TIME_INDEX_ENTRY_SIZE);
  }

  /** lookup(targetTimestamp).offset without allocating. */
  lookupOffset(targetTimestamp: number): number {
    const slot = this.largestLowerBound(targetTimestamp, readTimestamp);
    if (slot < 0) return this.baseOffset;
    return this.baseOffset + relativeOffset(this.mapped(), slot * TIME_INDEX_ENTRY_SIZE);
  }

  /** Entry `i` (0-based); RangeError outside [0, entries). */
  entryAt(i: number): TimestampOffset {
    return this.read(this.entryPosition(i));
  }

  private read(pos: number): TimestampOffset {
    const buf = this.mapped();
    return { timestamp: readTimestamp(buf, pos), offset: this.baseOffset + relativeOffset(buf, pos) };
  }
}
