/**
 * When the partition log starts a new segment before an append: when the active segment cannot take
 * the bytes or the offsets (LogSegment.isFullFor), or when it is older than segment.ms less its
 * jitter — measured by the record timestamps it holds, or by the wall clock while it holds none.
 */
import type { LogSegment } from '../segment/log-segment.js';
import type { AppendInfo } from './append-validator.js';
import type { LogConfig } from './log-config.js';

/** Whether `bytes` more, after the `pending` bytes not yet written, need a new segment. */
export function needsRoll(
  active: LogSegment,
  config: Readonly<LogConfig>,
  pending: number,
  bytes: number,
  info: AppendInfo,
  now: number,
): boolean {
  const rollAfter = config.segmentMs - active.rollJitterMs;
  const waited =
    active.rollingBasedTimestamp !== undefined && active.rollingBasedTimestamp >= 0
      ? info.maxTimestamp - active.rollingBasedTimestamp
      : now - active.createdMs;
  if (active.isFullFor(bytes, info.lastOffset, pending)) return true;
  return pending === 0 && active.size > 0 && waited > rollAfter;
}
