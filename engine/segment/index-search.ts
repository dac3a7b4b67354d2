/**
 * The lookup shared by both sparse indexes: over entries sorted by a non-decreasing key, the last
 * entry whose key is at most a target. Recent offsets are hot and older pages may be cold, so the
 * search tries the entries in the last WARM_SECTION_BYTES first and touches older pages only when
 * the target lies before them. The entries' byte layouts belong to offset-index.ts and
 * time-index.ts; this file only reads keys through an EntryKey.
 */

/** Lookups first search the entries in the last 8 KiB: recent offsets are hot, older pages may be cold. */
export const WARM_SECTION_BYTES = 8192;

/** Reads one number from the entry at byte `pos`. */
export type EntryKey = (buf: Buffer, pos: number) => number;

/**
 * The index of the last of the `count` (> 0) entries of `entrySize` bytes in `buf` whose key is
 * <= target, or -1. Searches the last `warmEntries` entries first.
 */
export function findLargestLowerBound(
  buf: Buffer,
  count: number,
  entrySize: number,
  warmEntries: number,
  target: number,
  key: EntryKey,
): number {
  const n = count;
  const es = entrySize;
  const warmStart = n > warmEntries ? n - warmEntries : 0;
  let lo = warmStart;
  let hi = n - 1;
  if (key(buf, warmStart * es) > target) {
    if (warmStart === 0 || key(buf, 0) > target) return -1;
    lo = 0;
    hi = warmStart - 1;
  }
  // Invariant: key(lo) <= target, and the answer lies in [lo, hi].
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (key(buf, mid * es) <= target) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
