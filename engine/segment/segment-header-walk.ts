/**
 * Synchronous walks over the batch headers of a segment's `.log`, one short read per batch from a
 * batch boundary: how a segment finds its next offset at load, the batch at a truncation point,
 * the max timestamp after a cut, and whether an empty offset index lost its entries. Fetches do
 * not come here; they scan mapped or async-read windows (segment-read.ts, batch-scan.ts).
 *
 * The headers are not validated: a walk stops at the end of the log, or where a header reads short.
 */
import {
  BATCH_HEADER_SIZE,
  BASE_OFFSET,
  LAST_OFFSET_DELTA,
  batchSizeAt,
  readInt64,
} from '../record/record-batch.js';
import { SCAN_HEADER_BYTES } from './batch-scan.js';
import type { LogFile } from './log-file.js';
import type { OffsetIndex } from './offset-index.js';

/** Walks one segment's `.log`, reading each header into one reusable buffer. */
export class HeaderWalker {
  /** The header read last (SCAN_HEADER_BYTES: base offset .. max timestamp). */
  readonly header = Buffer.allocUnsafe(SCAN_HEADER_BYTES);

  constructor(private readonly file: LogFile) {}

  /** Reads the batch header at `position` into `header`; false past the end. */
  read(position: number): boolean {
    if (position + SCAN_HEADER_BYTES > this.file.size) return false;
    return this.file.readSync(position, this.header) === SCAN_HEADER_BYTES;
  }

  /**
   * From the batch boundary `position`, walks batch headers while `keepGoing(lastOffset)` holds and
   * stops at `limit`. Returns where it stopped and the offset after the last batch passed (-1 if none).
   */
  walk(position: number, limit: number, keepGoing: (lastOffset: number) => boolean): [number, number] {
    let next = -1;
    while (position < limit && this.read(position)) {
      const last = readInt64(this.header, BASE_OFFSET) + this.header.readInt32BE(LAST_OFFSET_DELTA);
      if (!keepGoing(last)) break;
      next = last + 1;
      position += batchSizeAt(this.header, 0);
    }
    return [position, next];
  }

  /** The position of the first batch that starts past `bytes`, walking headers from 0; undefined if none. */
  batchStartPast(bytes: number): number | undefined {
    let position = 0;
    while (position <= bytes) {
      if (!this.read(position)) return undefined;
      const size = batchSizeAt(this.header, 0);
      if (size <= 0) return undefined;
      position += size;
    }
    return position + SCAN_HEADER_BYTES <= this.file.size ? position : undefined;
  }

  /**
   * The offset of the batch that starts at the boundary `position` (the next offset at the end),
   * walking from the last entry of `index` before it; `baseOffset` when no batch precedes it.
   */
  offsetAt(index: Pick<OffsetIndex, 'entries' | 'entryAt'>, position: number, baseOffset: number): number {
    let from = 0;
    for (let i = index.entries - 1; i >= 0; i--) {
      const entry = index.entryAt(i);
      if (entry.position < position) {
        from = entry.position;
        break;
      }
    }
    const [, next] = this.walk(from, position, () => true);
    return next >= 0 ? next : baseOffset;
  }

  /**
   * From the batch boundary `position`, calls `visit` with the full header (BATCH_HEADER_SIZE bytes)
   * of every batch holding offsets at or after `fromOffset`, in order.
   */
  forEachFullHeader(position: number, fromOffset: number, visit: (header: Buffer) => void): void {
    const header = Buffer.allocUnsafe(BATCH_HEADER_SIZE);
    while (
      position + BATCH_HEADER_SIZE <= this.file.size &&
      this.file.readSync(position, header) === BATCH_HEADER_SIZE
    ) {
      if (readInt64(header, BASE_OFFSET) + header.readInt32BE(LAST_OFFSET_DELTA) >= fromOffset) visit(header);
      position += batchSizeAt(header, 0);
    }
  }
}
