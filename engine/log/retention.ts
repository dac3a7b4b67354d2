/**
 * Which of a log's oldest segments retention deletes — the policy, apart from the deleting.
 *
 * Segments always go whole and oldest first. A segment goes when every offset in it is below the
 * log start offset; and, for `cleanup.policy` with `delete`, when its newest record is older than
 * retention.ms, or while the log without it would still hold at least retention.bytes. Nothing at
 * or above the high watermark is deleted: it is not committed yet.
 */
import { isDeletable, type LogConfig } from './log-config.js';

/** What retention needs to know of a segment. */
export interface RetainedSegment {
  readonly baseOffset: number;
  readonly size: number;
  largestTimestamp(): number;
}

export interface RetentionState {
  logStartOffset: number;
  logEndOffset: number;
  highWatermark: number;
  /** Whether to apply retention.ms / retention.bytes, or only the log start offset. */
  timeAndSize: boolean;
}

/** How many of `segments` (oldest first, the last one active) retention deletes now. */
export function expiredSegmentCount(
  segments: readonly RetainedSegment[],
  config: Readonly<LogConfig>,
  state: RetentionState,
  now: number,
): number {
  const applyPolicy = state.timeAndSize && isDeletable(config);
  let excess = applyPolicy && config.retentionBytes >= 0 ? totalSize(segments) - config.retentionBytes : -1;
  let count = 0;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    const nextBase = segments[i + 1]?.baseOffset ?? state.logEndOffset;
    if (nextBase > state.highWatermark) break;
    // The active segment goes only when it holds something; an empty one stays at the LEO.
    if (i === segments.length - 1 && segment.size === 0) break;
    const belowStart = i < segments.length - 1 && nextBase <= state.logStartOffset;
    const tooOld =
      applyPolicy && config.retentionMs >= 0 && now - segment.largestTimestamp() > config.retentionMs;
    const tooBig = excess >= segment.size;
    if (!belowStart && !tooOld && !tooBig) break;
    excess -= segment.size;
    count++;
  }
  return count;
}

function totalSize(segments: readonly RetainedSegment[]): number {
  let total = 0;
  for (const segment of segments) total += segment.size;
  return total;
}

/** The log line of a deletion of `count` oldest segments: how much went, which offsets, why. */
export function deletionSummary(
  segments: readonly RetainedSegment[],
  count: number,
  why: string,
): { message: string; fields: { segments: number; bytes: number; firstOffset: number; endOffset: number } } {
  const bytes = totalSize(segments.slice(0, count));
  const firstOffset = segments[0]!.baseOffset;
  const endOffset = segments[count]!.baseOffset;
  return {
    message: `deleted ${count} segment(s), ${bytes} bytes, offsets ${firstOffset} to ${endOffset - 1}: ${why}`,
    fields: { segments: count, bytes, firstOffset, endOffset },
  };
}
