/**
 * Releasing the pages of sent fetch responses in chunks rather than one response at a time.
 *
 * A fetch response's record bytes are views of a segment's mapping; once the socket has them,
 * their pages may leave the process's page tables (releasePages, MADV_DONTNEED) so that a
 * consumer reading gigabytes does not grow the broker's RSS by as much. But each madvise that
 * drops pages flushes the TLB of every CPU this process's threads run on (an inter-processor
 * interrupt each): measured on a leader serving two followers along the log's tail, per-response
 * releases were ~30% of its CPU. So sent ranges are gathered per mapping and released together
 * once they span RELEASE_CHUNK_BYTES: one madvise per MiB read instead of one per response.
 *
 * What stays mapped meanwhile is bounded: under one chunk per mapping read from (plus the pages
 * still being read), and the mapping budget's trim of recently read segments, four times a
 * second, drops the rest. A gathered range may cover pages another reader still needs; those fault
 * back in from the page cache (a minor fault, no I/O). The bytes are the file's either way.
 */
import { PAGE_SIZE, isMapped, releasePages } from './mapped-file.js';

/** Sent bytes of one mapping gathered before they are released together. */
export const RELEASE_CHUNK_BYTES = 1024 * 1024;

/** Per mapping: the lowest and highest byte offsets sent and not yet released. */
const pending = new WeakMap<ArrayBufferLike, { low: number; high: number }>();

/**
 * Notes that `buf` (a view of a mapping; anything else is ignored) has been sent; releases the
 * gathered range of its mapping once it spans RELEASE_CHUNK_BYTES.
 */
export function releaseSentPages(buf: Buffer): void {
  if (buf.length === 0 || !isMapped(buf)) return;
  const low = buf.byteOffset;
  const high = buf.byteOffset + buf.length;
  const range = pending.get(buf.buffer);
  // Only sends that touch or overlap the gathered range extend it: readers far apart (a follower
  // at the tail, a consumer catching up) must not make it span, and release, what lies between.
  // A range left behind so is dropped unreleased; the mapping budget's periodic trim of recently
  // read segments takes those pages out soon after (mapping-budget.ts).
  if (!range || high < range.low - PAGE_SIZE || low > range.high + PAGE_SIZE) {
    if (buf.length >= RELEASE_CHUNK_BYTES) {
      pending.delete(buf.buffer);
      releasePages(buf);
    } else pending.set(buf.buffer, { low, high });
    return;
  }
  range.low = Math.min(range.low, low);
  range.high = Math.max(range.high, high);
  if (range.high - range.low < RELEASE_CHUNK_BYTES) return;
  pending.delete(buf.buffer);
  releasePages(Buffer.from(buf.buffer, range.low, range.high - range.low));
}
