import { describe, expect, it } from 'vitest';
import type { PartitionLog } from '../../../../engine/index.js';
import { LeaderPartition } from '../../../../server/cluster/replication/leader-partition.js';

/** The parts of a log the leader's bookkeeping reads: its end and high watermark. */
interface FakeLog {
  leo: number;
  readonly logEndOffset: number;
  readonly highWatermark: number;
}

function fakeLog(leo: number, hw = leo): FakeLog & { asLog: PartitionLog } {
  const log = {
    leo,
    hw,
    get logEndOffset() {
      return this.leo;
    },
    get highWatermark() {
      return this.hw;
    },
    setHighWatermark(offset: number) {
      this.hw = Math.min(offset, this.leo);
    },
  };
  return Object.assign(log, { asLog: log as unknown as PartitionLog });
}

const state = (isr: number[]) => ({
  leaderEpoch: 1,
  isr,
  replicas: [1, 2, 3],
  zkVersion: 0,
  controllerEpoch: 1,
});

describe('LeaderPartition', () => {
  it('the high watermark is the smallest log end of the ISR, and only moves up', () => {
    const log = fakeLog(10, 0);
    const leader = new LeaderPartition('t', 0, log.asLog, 1, state([1, 2, 3]), 0);
    expect(leader.updateHighWatermark()).toBe(false); // followers not heard from hold it at 0
    leader.recordFetch(2, 10, 1);
    leader.recordFetch(3, 4, 1);
    expect(leader.updateHighWatermark()).toBe(true);
    expect(log.highWatermark).toBe(4);
    leader.recordFetch(3, 2, 2); // a follower that truncated does not move it back
    leader.updateHighWatermark();
    expect(log.highWatermark).toBe(4);
  });

  it('an ISR of the leader alone follows its log end', () => {
    const log = fakeLog(5, 0);
    const leader = new LeaderPartition('t', 0, log.asLog, 1, state([1]), 0);
    leader.updateHighWatermark();
    expect(log.highWatermark).toBe(5);
    log.leo = 9;
    leader.updateHighWatermark();
    expect(log.highWatermark).toBe(9);
  });

  it('a follower that reached the high watermark is a candidate to join; one behind is not', () => {
    const log = fakeLog(10, 10);
    const leader = new LeaderPartition('t', 0, log.asLog, 1, state([1]), 0);
    leader.recordFetch(2, 10, 1);
    leader.recordFetch(3, 7, 1);
    expect(leader.canJoin(2)).toBe(true);
    expect(leader.canJoin(3)).toBe(false);
    leader.setIsr([1, 2], 1);
    expect(leader.canJoin(2)).toBe(false);
    expect(leader.isrSize).toBe(2);
  });

  it('an ISR follower not caught up for longer than the lag limit is lagging', () => {
    const log = fakeLog(10, 10);
    const leader = new LeaderPartition('t', 0, log.asLog, 1, state([1, 2, 3]), 0);
    leader.recordFetch(2, 10, 1000); // caught up at 1000
    leader.recordFetch(3, 5, 1000); // behind
    expect(leader.laggingFollowers(5000, 4000)).toEqual([]); // both within the grace period from 0
    expect(leader.laggingFollowers(5000, 5500)).toEqual([3]);
    expect(leader.laggingFollowers(5000, 6500)).toEqual([2, 3]);
  });

  it('a follower that fetches from where the leader ended at its previous fetch counts as caught up then', () => {
    const log = fakeLog(10, 10);
    const leader = new LeaderPartition('t', 0, log.asLog, 1, state([1, 2]), 0);
    leader.recordFetch(2, 10, 1000);
    log.leo = 20; // the leader appended meanwhile
    leader.recordFetch(2, 10, 1500); // not at the end now, but reached the end it saw at 1000
    log.leo = 30;
    leader.recordFetch(2, 20, 2000); // reached the end of its previous fetch (20): caught up as of 1500
    expect(leader.laggingFollowers(600, 2050)).toEqual([]);
    expect(leader.laggingFollowers(600, 2200)).toEqual([2]);
  });

  it('acks=all waiters: replicated when the high watermark passes, timed out, or not-leader on resign', async () => {
    const log = fakeLog(10, 0);
    const leader = new LeaderPartition('t', 0, log.asLog, 1, state([1, 2]), 0);
    const first = leader.waitFor(5, 10_000);
    const second = leader.waitFor(10, 10_000);
    const third = leader.waitFor(10, 20);
    leader.recordFetch(2, 6, 1);
    leader.updateHighWatermark();
    await expect(first).resolves.toBe('replicated');
    await expect(third).resolves.toBe('timed-out');
    expect(leader.resigned).toBe(false);
    leader.resign();
    expect(leader.resigned).toBe(true); // a lingering follower fetch reads this to answer now
    await expect(second).resolves.toBe('not-leader');
    await expect(leader.waitFor(3, 10)).resolves.toBe('replicated');
  });

  it("describes the leader's view: high watermark, log end, ISR and the change being written, each follower's progress", () => {
    const log = fakeLog(10, 4);
    const leader = new LeaderPartition('t', 0, log.asLog, 1, state([1, 2]), 1000);
    leader.recordFetch(2, 10, 2000);
    expect(leader.describe(3500)).toBe(
      'leader at epoch 1: high watermark 4, log end 10, ISR [1,2]; ' +
        'follower 2 at 10, fetched 1.5 s ago, caught up 1.5 s ago; ' +
        'follower 3 (not in the ISR) not heard from, fetched never, caught up never',
    );
    leader.beginIsrChange([1, 2, 3]);
    expect(leader.describe(3500)).toContain('ISR [1,2] (ISR [1,2,3] being written);');
  });
});
