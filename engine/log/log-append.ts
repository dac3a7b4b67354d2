/**
 * Appending to a partition log (PartitionLog.appendMany): the batches of one turn validated and given
 * offsets one by one (append-validator.ts), producers' retries answered with their first offsets,
 * and the rest written to the active segment in groups (pending-write.ts) — one write, or one per
 * segment when a roll comes between — each batch answered with its result or its error.
 */
import type { LogSegment } from '../segment/log-segment.js';
import { validateAndAssign, type AppendInfo } from './append-validator.js';
import { FROM_BATCHES, type AppendEpoch, type LeaderEpochCache } from './leader-epoch-cache.js';
import type { LocalLog } from './local-log.js';
import type { LogConfig } from './log-config.js';
import type { AppendRequest, LogAppendResult } from './partition-log-types.js';
import { PendingWrite, failRest } from './pending-write.js';
import type { ProducerState } from './producer-state.js';
import { needsRoll } from './roll-policy.js';

/** What appending uses of the partition log itself (PartitionLog's public side). */
export interface AppendTarget {
  readonly config: Readonly<LogConfig>;
  readonly producers: ProducerState;
  readonly replicated: boolean;
  readonly onAppend: (() => void) | undefined;
  roll(now: number, baseOffset: number): LogSegment;
  setHighWatermark(offset: number): void;
  flush(): void;
}

/** PartitionLog.appendMany, on the log's parts (the log checked that it is open). */
export function appendBatches(
  log: AppendTarget,
  local: LocalLog,
  epochs: LeaderEpochCache,
  items: readonly Buffer[],
  request: AppendRequest,
): (LogAppendResult | Error)[] {
  const now = request.now ?? Date.now();
  const assignOffsets = request.assignOffsets ?? true;
  const leaderEpoch = request.leaderEpoch ?? stampedEpoch(log, epochs, assignOffsets);
  // What writeGroup records in the epoch cache: the leader's epoch, or each batch's own.
  const epoch = assignOffsets ? leaderEpoch : FROM_BATCHES;
  const options = {
    assignOffsets,
    now,
    ...(leaderEpoch !== undefined ? { leaderEpoch } : {}),
    ...(request.internal ? { internal: true } : {}),
    ...(request.verified ? { verified: true } : {}),
    producers: log.producers,
  };
  const results = new Array<LogAppendResult | Error>(items.length);
  const group = new PendingWrite();
  let next = local.logEndOffset;
  for (let i = 0; i < items.length; i++) {
    const records = items[i]!;
    let info: AppendInfo;
    try {
      info = validateAndAssign(records, next, log.config, options);
    } catch (err) {
      results[i] = err as Error;
      continue;
    }
    // A producer's retry of a batch already appended: answer with the offsets it got then —
    // once they are written, when that batch is still in this group.
    if (info.duplicateOf) {
      if (info.duplicateOf.lastOffset >= local.logEndOffset) {
        group.duplicates.push(i);
        group.duplicateInfos.push(info);
      } else {
        info.logEndOffset = local.logEndOffset;
        results[i] = info;
      }
      continue;
    }
    try {
      if (needsRoll(local.activeSegment, log.config, group.bytes, records.length, info, now)) {
        writeGroup(log, local, epochs, group, results, epoch);
        // A follower's batch past a gap in the leader's offsets (a compacted log) starts the
        // new segment itself; a gap alone stays inside the segment, as compaction leaves them.
        log.roll(now, !assignOffsets && info.firstOffset > next ? info.firstOffset : local.logEndOffset);
      }
    } catch (err) {
      // A roll that failed: what the group still holds was never written.
      abandon(log, group, results, err as Error);
      return failRest(results, i, err as Error);
    }
    group.add(i, records, info);
    log.producers.recordBatches(records, false, group.undo);
    next = info.lastOffset + 1;
  }
  try {
    writeGroup(log, local, epochs, group, results, epoch);
  } catch {
    // Every batch of the group has its error in results.
  }
  return results;
}

/**
 * Writes the group's batches in one append and gives each its result (and the duplicates of
 * them their answer); on failure, every one of them gets the error, which is thrown on. A
 * flush.messages fsync that fails after the write fails them too, as a single append's would.
 * A new epoch goes to the epoch cache first, as in Kafka: an entry ahead of the data is trimmed
 * when the log opens, whereas data ahead of its entry would be misattributed.
 */
function writeGroup(
  log: AppendTarget,
  local: LocalLog,
  epochs: LeaderEpochCache,
  group: PendingWrite,
  results: (LogAppendResult | Error)[],
  epoch: AppendEpoch,
): void {
  if (group.indexes.length === 0 && group.duplicates.length === 0) return;
  if (group.indexes.length > 0) {
    try {
      epochs.recordAppend(group.chunks, epoch, group.infos[0]!.firstOffset);
      local.append(group.chunks, group.infos[group.infos.length - 1]!.lastOffset + 1);
    } catch (err) {
      abandon(log, group, results, err as Error);
      throw err;
    }
    // On one node the high watermark follows the LEO; a replicated log's leader moves it.
    if (!log.replicated) log.setHighWatermark(local.logEndOffset);
    else log.onAppend?.();
  }
  group.settle(results, local.logEndOffset);
  try {
    if (local.unflushedMessages >= log.config.flushMessages) log.flush();
  } catch (err) {
    group.fail(results, err as Error);
    group.clear();
    throw err;
  }
  group.clear();
}

/** A replicated leader stamps its latest epoch on appends that name none, as Kafka stamps every one. */
function stampedEpoch(
  log: AppendTarget,
  epochs: LeaderEpochCache,
  assignOffsets: boolean,
): number | undefined {
  const latest = epochs.latestEpoch;
  return log.replicated && assignOffsets && latest >= 0 ? latest : undefined;
}

/** The group's batches were not written: each fails with `err` and the producers' state goes back. */
function abandon(
  log: AppendTarget,
  group: PendingWrite,
  results: (LogAppendResult | Error)[],
  err: Error,
): void {
  log.producers.undo(group.undo);
  group.fail(results, err);
  group.clear();
}
