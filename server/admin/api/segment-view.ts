/**
 * The segments of one partition log as /api/topics/{name} shows them, oldest first. Two lines are
 * drawn with the engine's own rules, so they are where the broker would draw them:
 *
 * - the retention line: the segments retention would delete if it ran now (engine/log/retention.ts,
 *   the same call PartitionLog.deleteOldSegments makes) are `expired`;
 * - the cleaner's checkpoint (LogManager.cleanerCheckpoint, `cleaner-offset-checkpoint`): in a
 *   compacted log, a segment wholly below it is `clean`, the others `dirty`. An entry outside the
 *   log (the cleaner would start again from the log start) makes none clean.
 */
import {
  expiredSegmentCount,
  isCompacted,
  type LogManager,
  type PartitionLog,
} from '../../../engine/index.js';
import type { SegmentView } from './admin-api-types.js';

export function segmentViews(logs: LogManager, log: PartitionLog, now: number): SegmentView[] {
  const segments = log.segmentObjects();
  const config = log.config;
  const expired = expiredSegmentCount(
    segments,
    config,
    {
      logStartOffset: log.logStartOffset,
      logEndOffset: log.logEndOffset,
      highWatermark: log.highWatermark,
      timeAndSize: true,
    },
    now,
  );
  const compacted = isCompacted(config);
  const cleanUpTo = compacted ? cleanOffset(logs, log) : -1;
  return segments.map((segment, i) => {
    const endOffset = segments[i + 1]?.baseOffset ?? log.logEndOffset;
    const maxTimestamp = segment.maxTimestamp;
    return {
      baseOffset: segment.baseOffset,
      endOffset,
      bytes: segment.size,
      maxTimestampMs: maxTimestamp >= 0 ? maxTimestamp : -1,
      createdMs: segment.createdMs,
      active: i === segments.length - 1,
      compaction: !compacted ? 'none' : endOffset <= cleanUpTo && segment.size > 0 ? 'clean' : 'dirty',
      expired: i < expired,
    };
  });
}

/** Offsets below this are clean; -1 when nothing is (no checkpoint, or one outside the log). */
function cleanOffset(logs: LogManager, log: PartitionLog): number {
  const checkpoint = logs.cleanerCheckpoint(log.topic, log.partition);
  if (checkpoint === undefined || checkpoint < log.logStartOffset || checkpoint > log.logEndOffset) return -1;
  return checkpoint;
}
