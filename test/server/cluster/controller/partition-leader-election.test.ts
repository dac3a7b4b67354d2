// The controller's leader and ISR rules, without a cluster: each case is one of Kafka 2.4's
// transitions (new partition, offline partition, replica going offline, controlled shutdown).
import { describe, expect, it } from 'vitest';
import {
  electOfflineLeader,
  firstState,
  followerLeavingState,
  needsUncleanChoice,
  NO_LEADER,
  onlineState,
  preferredState,
  removeFromIsr,
  shutdownState,
  uncleanState,
  type Liveness,
} from '../../../../server/cluster/controller/partition-leader-election.js';

const up = (live: number[], shuttingDown: number[] = []): Liveness => ({
  live: new Set(live),
  shuttingDown: new Set(shuttingDown),
});
const state = (leader: number, isr: number[], leaderEpoch = 4) => ({
  leader,
  leaderEpoch,
  isr,
  controllerEpoch: 1,
});

describe('a new partition', () => {
  it('puts every live replica in the ISR, the first leading, in assignment order', () => {
    expect(firstState([3, 1, 2], up([1, 2, 3]), 7)).toEqual({
      leader: 3,
      leaderEpoch: 0,
      isr: [3, 1, 2],
      controllerEpoch: 7,
    });
    expect(firstState([3, 1, 2], up([1, 2]), 7)).toEqual({
      leader: 1,
      leaderEpoch: 0,
      isr: [1, 2],
      controllerEpoch: 7,
    });
  });

  it('leaves out brokers shutting down, and waits while no replica is up', () => {
    expect(firstState([1, 2], up([1, 2], [1]), 7)).toMatchObject({ leader: 2, isr: [2] });
    expect(firstState([1, 2], up([3]), 7)).toBeNull();
  });
});

describe('a partition whose leader is down', () => {
  it('is led by the first ISR member up in assignment order; the ISR keeps those up', () => {
    // Assignment order decides, not ISR order.
    expect(electOfflineLeader([1, 3, 2], [2, 3, 1], up([2, 3]), false)).toEqual({ leader: 3, isr: [2, 3] });
  });

  it('with no ISR member up: no leader, unless unclean election takes the first live replica alone', () => {
    expect(electOfflineLeader([1, 2, 3], [1], up([2, 3]), false)).toBeNull();
    expect(electOfflineLeader([1, 3, 2], [1], up([2, 3]), true)).toEqual({ leader: 3, isr: [3] });
    expect(electOfflineLeader([1, 2], [1], up([]), true)).toBeNull();
  });

  it('never elects a broker that is shutting down', () => {
    expect(electOfflineLeader([1, 2, 3], [1, 2, 3], up([2, 3], [2]), false)).toEqual({ leader: 3, isr: [3] });
  });

  it('onlineState: new leader, epoch + 1, this controller epoch', () => {
    expect(onlineState([1, 2, 3], state(1, [1, 2, 3]), up([2, 3]), false, 9)).toEqual({
      leader: 2,
      leaderEpoch: 5,
      isr: [2, 3],
      controllerEpoch: 9,
    });
  });

  it('onlineState without a live ISR member: leader -1, the last ISR member kept, epoch + 1', () => {
    expect(onlineState([1, 2], state(1, [1]), up([2]), false, 9)).toEqual({
      leader: NO_LEADER,
      leaderEpoch: 5,
      isr: [1],
      controllerEpoch: 9,
    });
    // Two ISR members gone at once: removed one at a time, the last one stays (Kafka's order here: by id).
    expect(onlineState([1, 2, 3], state(1, [1, 2]), up([3]), false, 9)).toMatchObject({
      leader: -1,
      isr: [2],
    });
    expect(needsUncleanChoice([1, 2], state(1, [1]), up([2]))).toBe(true);
    expect(needsUncleanChoice([1, 2], state(1, [1, 2]), up([2]))).toBe(false);
  });

  it('onlineState with unclean election: the live replica leads alone', () => {
    expect(onlineState([1, 2], state(1, [1]), up([2]), true, 9)).toMatchObject({
      leader: 2,
      leaderEpoch: 5,
      isr: [2],
    });
  });

  it('a leaderless partition whose ISR member is back gets it as leader', () => {
    expect(onlineState([1, 2], state(-1, [1]), up([1, 2]), false, 9)).toMatchObject({
      leader: 1,
      leaderEpoch: 5,
      isr: [1],
    });
    // Another replica coming back changes nothing: it was not in sync.
    expect(onlineState([1, 2], state(-1, [1]), up([2]), false, 9)).toBeNull();
  });
});

describe('replicas that go down', () => {
  it('a follower leaves the ISR (leader unchanged, epoch + 1)', () => {
    expect(onlineState([1, 2, 3], state(1, [1, 2, 3]), up([1, 3]), false, 9)).toEqual({
      leader: 1,
      leaderEpoch: 5,
      isr: [1, 3],
      controllerEpoch: 9,
    });
  });

  it('nothing changes for a replica that was not in the ISR, or a leader shutting down', () => {
    expect(onlineState([1, 2, 3], state(1, [1, 3]), up([1, 3]), false, 9)).toBeNull();
    expect(onlineState([1, 2], state(1, [1, 2]), up([1, 2], [1]), false, 9)).toBeNull();
  });

  it('removeFromIsr: a removed leader leaves no leader, and an ISR of one keeps its member', () => {
    expect(removeFromIsr({ leader: 1, isr: [1, 2] }, [1])).toEqual({ leader: -1, isr: [2] });
    expect(removeFromIsr({ leader: 1, isr: [1] }, [1])).toEqual({ leader: -1, isr: [1] });
    expect(removeFromIsr({ leader: 2, isr: [1, 2] }, [3])).toEqual({ leader: 2, isr: [1, 2] });
  });
});

describe('controlled shutdown', () => {
  it('moves leadership to the first ISR member up and not shutting down; the ISR loses the brokers leaving', () => {
    expect(shutdownState([1, 2, 3], state(1, [1, 2, 3]), up([1, 2, 3], [1, 2]), 9)).toEqual({
      leader: 3,
      leaderEpoch: 5,
      isr: [3],
      controllerEpoch: 9,
    });
  });

  it('leaves a partition with no other ISR member where it is', () => {
    expect(shutdownState([1, 2], state(1, [1]), up([1, 2], [1]), 9)).toBeNull();
  });

  it('a follower shutting down leaves the ISR', () => {
    expect(followerLeavingState(state(1, [1, 2]), 2, 9)).toEqual({
      leader: 1,
      leaderEpoch: 5,
      isr: [1],
      controllerEpoch: 9,
    });
    expect(followerLeavingState(state(1, [1]), 2, 9)).toBeNull();
  });
});

describe('elections asked for (ElectLeaders)', () => {
  it('preferred: the first replica leads if it is up and in sync; not needed when it leads', () => {
    expect(preferredState([1, 2, 3], state(2, [1, 2, 3]), up([1, 2, 3]), 9)).toEqual({
      leader: 1,
      leaderEpoch: 5,
      isr: [1, 2, 3],
      controllerEpoch: 9,
    });
    expect(preferredState([1, 2, 3], state(1, [1, 2, 3]), up([1, 2, 3]), 9)).toBe('not-needed');
    expect(preferredState([1, 2, 3], state(2, [2, 3]), up([1, 2, 3]), 9)).toBe('unavailable');
    expect(preferredState([1, 2, 3], state(2, [1, 2, 3]), up([2, 3]), 9)).toBe('unavailable');
    expect(preferredState([1, 2, 3], state(2, [1, 2, 3]), up([1, 2, 3], [1]), 9)).toBe('unavailable');
  });

  it('unclean: not needed while the leader is up; else an ISR member, else any live replica alone', () => {
    expect(uncleanState([1, 2, 3], state(2, [2]), up([1, 2, 3]), 9)).toBe('not-needed');
    expect(uncleanState([1, 2, 3], state(NO_LEADER, [2, 3]), up([1, 3]), 9)).toEqual({
      leader: 3,
      leaderEpoch: 5,
      isr: [3],
      controllerEpoch: 9,
    });
    expect(uncleanState([1, 2, 3], state(NO_LEADER, [2]), up([1, 3]), 9)).toEqual({
      leader: 1,
      leaderEpoch: 5,
      isr: [1],
      controllerEpoch: 9,
    });
    expect(uncleanState([1, 2, 3], state(NO_LEADER, [2]), up([]), 9)).toBe('unavailable');
  });
});
