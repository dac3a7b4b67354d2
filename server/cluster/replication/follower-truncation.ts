/**
 * Where a follower cuts its log before it fetches from a new leader, so it never keeps records the
 * leader does not have (Kafka's KIP-101/KIP-279 rules). The follower asks the leader the end
 * offset of the follower's latest leader epoch (OffsetForLeaderEpoch) and:
 *
 * - the leader knows no end for it (offset -1): cut to the follower's high watermark, the only
 *   offset it knows was committed;
 * - the leader's answer names the same epoch: cut to the smaller of the leader's end offset and
 *   the follower's own end of that epoch;
 * - the leader's answer names an older epoch (the follower's latest one never reached the
 *   leader): the follower looks up its own end of the leader's epoch; if it has that epoch, cut to
 *   the smaller end; if it does not, cut to its end of the largest epoch below, and ask again
 *   (another round) — its log and the leader's part somewhere before that;
 * - a follower with no epochs at all cuts to its high watermark.
 *
 * Never below zero, never above the follower's LEO.
 */

export interface EpochLookup {
  logEndOffset: number;
  highWatermark: number;
  /** The follower's latest leader epoch, -1 when it has none. */
  latestEpoch: number;
  /** The follower's end of `epoch`: the largest epoch <= it that it has, and where that ends. */
  endOffsetForEpoch(epoch: number): { epoch: number; endOffset: number };
}

export interface LeaderEpochEnd {
  leaderEpoch: number;
  endOffset: number;
}

/** The offset to cut at, and whether that settles it (false: ask the leader again). */
export interface Truncation {
  offset: number;
  done: boolean;
}

/** The follower's own truncation when it cannot ask (no epochs): its high watermark. */
export function truncationWithoutEpochs(log: EpochLookup): Truncation {
  return { offset: Math.min(log.highWatermark, log.logEndOffset), done: true };
}

/** The truncation the leader's answer to "end of epoch `asked`" calls for. */
export function truncationFor(log: EpochLookup, asked: number, leader: LeaderEpochEnd): Truncation {
  const leo = log.logEndOffset;
  const clamp = (offset: number): number => Math.max(0, Math.min(offset, leo));
  if (leader.endOffset < 0) return { offset: clamp(log.highWatermark), done: true };
  if (leader.leaderEpoch < 0) return { offset: clamp(leader.endOffset), done: true };
  if (leader.leaderEpoch === asked) {
    const own = log.endOffsetForEpoch(asked);
    return { offset: clamp(Math.min(leader.endOffset, own.endOffset < 0 ? leo : own.endOffset)), done: true };
  }
  const own = log.endOffsetForEpoch(leader.leaderEpoch);
  if (own.epoch < 0) return { offset: clamp(leader.endOffset), done: true };
  if (own.epoch !== leader.leaderEpoch) return { offset: clamp(own.endOffset), done: false };
  return { offset: clamp(Math.min(leader.endOffset, own.endOffset)), done: true };
}
