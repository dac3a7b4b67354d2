import { describe, expect, it } from 'vitest';
import {
  truncationFor,
  truncationWithoutEpochs,
  type EpochLookup,
} from '../../../../server/cluster/replication/follower-truncation.js';

/** A follower log with leader epochs `entries` ([epoch, startOffset]...) ending at `leo`. */
function follower(entries: [number, number][], leo: number, hw: number): EpochLookup {
  return {
    logEndOffset: leo,
    highWatermark: hw,
    latestEpoch: entries.length ? entries[entries.length - 1]![0] : -1,
    endOffsetForEpoch(epoch: number) {
      let found = -1;
      for (let i = 0; i < entries.length; i++) if (entries[i]![0] <= epoch) found = i;
      if (found < 0) return { epoch: -1, endOffset: -1 };
      const next = entries[found + 1];
      return { epoch: entries[found]![0], endOffset: next ? next[1] : leo };
    },
  };
}

describe('where a follower cuts its log', () => {
  it('no epochs: to its high watermark', () => {
    expect(truncationWithoutEpochs(follower([], 50, 30))).toEqual({ offset: 30, done: true });
  });

  it('the leader knows no end for the epoch: to the high watermark', () => {
    expect(truncationFor(follower([[0, 0]], 50, 30), 0, { leaderEpoch: -1, endOffset: -1 })).toEqual({
      offset: 30,
      done: true,
    });
  });

  it('same epoch: to the smaller of the two ends (records the leader never got go)', () => {
    const log = follower(
      [
        [0, 0],
        [1, 20],
      ],
      50,
      30,
    );
    expect(truncationFor(log, 1, { leaderEpoch: 1, endOffset: 40 })).toEqual({ offset: 40, done: true });
    expect(truncationFor(log, 1, { leaderEpoch: 1, endOffset: 60 })).toEqual({ offset: 50, done: true });
  });

  it("the follower's latest epoch never reached the leader: cut to the end of the leader's epoch", () => {
    // Follower led epoch 2 from 40 (records the leader never had); the leader knows epoch 1, ending at 45.
    const log = follower(
      [
        [0, 0],
        [1, 20],
        [2, 40],
      ],
      50,
      30,
    );
    expect(truncationFor(log, 2, { leaderEpoch: 1, endOffset: 45 })).toEqual({ offset: 40, done: true });
  });

  it('an epoch the follower does not have: its end of the epoch below, and another round', () => {
    const log = follower(
      [
        [0, 0],
        [3, 20],
      ],
      50,
      10,
    );
    expect(truncationFor(log, 3, { leaderEpoch: 2, endOffset: 35 })).toEqual({ offset: 20, done: false });
  });

  it('the leader answered with no epoch (old format): to its end offset', () => {
    expect(truncationFor(follower([[0, 0]], 50, 10), 0, { leaderEpoch: -1, endOffset: 42 })).toEqual({
      offset: 42,
      done: true,
    });
  });
});
