// The rules of moving a partition (KIP-455 as Kafka 2.4 applies them), without a cluster.
import { describe, expect, it } from 'vitest';
import type { Liveness } from '../../../../server/cluster/controller/partition-leader-election.js';
import {
  completedState,
  isMoving,
  moveCaughtUp,
  originalReplicas,
  reassignTo,
  targetProblem,
  targetReplicas,
} from '../../../../server/cluster/controller/reassignment-rules.js';

const up = (live: number[], shuttingDown: number[] = []): Liveness => ({
  live: new Set(live),
  shuttingDown: new Set(shuttingDown),
});
const settled = (replicas: number[]) => ({ replicas, adding: [], removing: [] });
const state = (leader: number, isr: number[]) => ({ leader, leaderEpoch: 7, isr, controllerEpoch: 2 });

describe('a move', () => {
  it('holds target and original replicas together, the target first, with what it adds and removes', () => {
    const moving = reassignTo(settled([1, 2, 3]), [3, 4, 5]);
    expect(moving).toEqual({ replicas: [3, 4, 5, 1, 2], adding: [4, 5], removing: [1, 2] });
    expect(isMoving(moving)).toBe(true);
    // The original order is not kept (Kafka's znode has no room for it): cancelling puts the
    // original replicas back in the order they hold in the moving list.
    expect(originalReplicas(moving)).toEqual([3, 1, 2]);
    expect(targetReplicas(moving)).toEqual([3, 4, 5]);
  });

  it('a new target while moving starts from the same original replicas; cancelling is moving back to them', () => {
    const moving = reassignTo(settled([1, 2]), [3, 4]);
    expect(reassignTo(moving, [1, 5])).toEqual({ replicas: [1, 5, 2], adding: [5], removing: [2] });
    const back = reassignTo(moving, originalReplicas(moving));
    expect(back).toEqual({ replicas: [1, 2], adding: [], removing: [] });
    expect(isMoving(back)).toBe(false);
  });

  it('a reordering only changes the preferred leader: nothing moves', () => {
    expect(reassignTo(settled([1, 2, 3]), [3, 1, 2])).toEqual(settled([3, 1, 2]));
  });

  it('refuses empty lists, repeats, negative ids and brokers that are not alive', () => {
    const live = new Set([1, 2, 3]);
    expect(targetProblem(settled([1, 2]), [], live)).toMatch(/Empty/);
    expect(targetProblem(settled([1, 2]), [2, 2], live)).toMatch(/Duplicate/);
    expect(targetProblem(settled([1, 2]), [-1, 2], live)).toMatch(/Invalid broker id/);
    expect(targetProblem(settled([1, 2]), [2, 7], live)).toMatch(/not alive: \[7\]/);
    // A replica already held may be down: only added ones must be alive.
    expect(targetProblem(settled([1, 9]), [9, 2], live)).toBeUndefined();
  });

  it('completes once every target replica is in the ISR', () => {
    const moving = reassignTo(settled([1, 2]), [2, 3]);
    expect(moveCaughtUp(moving, state(1, [1, 2]))).toBe(false);
    expect(moveCaughtUp(moving, state(1, [1, 2, 3]))).toBe(true);
  });

  it('on completion a target leader stays; else the first target replica in sync leads; the ISR loses the removed', () => {
    const moving = reassignTo(settled([1, 2]), [2, 3]);
    expect(completedState(moving, state(2, [1, 2, 3]), up([1, 2, 3]), 4)).toEqual({
      leader: 2,
      leaderEpoch: 8,
      isr: [2, 3],
      controllerEpoch: 4,
    });
    expect(completedState(moving, state(1, [3, 1, 2]), up([1, 2, 3]), 4)).toEqual({
      leader: 2,
      leaderEpoch: 8,
      isr: [3, 2],
      controllerEpoch: 4,
    });
    // No target replica can lead (down or shutting down): the move waits.
    expect(completedState(moving, state(1, [1, 2, 3]), up([1], []), 4)).toBeNull();
    expect(completedState(moving, state(1, [1, 2, 3]), up([1, 2, 3], [2, 3]), 4)).toBeNull();
  });
});
