/**
 * The rules of moving a partition to a new replica list (KIP-455, as Kafka 2.4's controller
 * applies them): pure functions of a partition's assignment, its state and which brokers are up,
 * so each rule is tested without a cluster.
 *
 * While a partition moves, its assignment holds the replicas it is moving to (the target) followed
 * by the original ones not among them: `replicas` = target ∪ original, `adding` = target −
 * original, `removing` = original − target. New replicas join as followers and catch up; the
 * move completes once every target replica is in the ISR: the leader is kept if it is a target
 * replica (else the first target replica that is up and in sync leads), the ISR keeps its target
 * members, and the removed replicas stop and delete their copies. Data is never held by fewer
 * replicas than before the move. A new target while a move is in progress starts from the same
 * original replicas; cancelling is moving back to them (in the order they hold in the moving
 * list: the znode keeps no other, as in Kafka).
 */
import { canLead, type Liveness } from './partition-leader-election.js';
import type { PartitionState } from '../zookeeper/znodes.js';

/** A partition's replica assignment, with the replicas a move in progress adds and removes. */
export interface ReplicaAssignment {
  replicas: number[];
  adding: number[];
  removing: number[];
}

/** Whether a move is in progress. */
export const isMoving = (a: ReplicaAssignment): boolean => a.adding.length > 0 || a.removing.length > 0;

/** The replicas the partition had before its move in progress (all of them if none). */
export const originalReplicas = (a: ReplicaAssignment): number[] =>
  a.replicas.filter((r) => !a.adding.includes(r));

/** The replicas the partition is moving to (all of them if none). */
export const targetReplicas = (a: ReplicaAssignment): number[] =>
  a.replicas.filter((r) => !a.removing.includes(r));

/** The assignment while moving from the original replicas of `current` to `target`. */
export function reassignTo(current: ReplicaAssignment, target: readonly number[]): ReplicaAssignment {
  const original = originalReplicas(current);
  const replicas = [...new Set([...target, ...original])];
  return {
    replicas,
    adding: replicas.filter((r) => !original.includes(r)),
    removing: replicas.filter((r) => !target.includes(r)),
  };
}

/**
 * Why `target` cannot be a partition's new replica list, or undefined: it must be non-empty,
 * without repeats or negative ids, and every replica it adds must be a registered broker.
 */
export function targetProblem(
  current: ReplicaAssignment,
  target: readonly number[],
  live: ReadonlySet<number>,
): string | undefined {
  if (target.length === 0) return 'Empty replica list specified in partition reassignment.';
  if (new Set(target).size !== target.length)
    return `Duplicate replica ids in partition reassignment replica list: [${target.join(', ')}].`;
  if (target.some((r) => !Number.isSafeInteger(r) || r < 0))
    return `Invalid broker id in replica list: [${target.join(', ')}].`;
  const dead = reassignTo(current, target).adding.filter((r) => !live.has(r));
  if (dead.length > 0)
    return `Replica assignment has brokers that are not alive: [${dead.join(', ')}] (replicas [${target.join(', ')}]).`;
  return undefined;
}

/** Whether the move can complete: every target replica is in the ISR. */
export const moveCaughtUp = (a: ReplicaAssignment, state: PartitionState): boolean =>
  targetReplicas(a).every((r) => state.isr.includes(r));

/**
 * The state a partition takes when its move completes: the leader stays if it is a target
 * replica that can lead, else the first target replica that can lead and is in the ISR; the ISR
 * keeps only target replicas. Null when no target replica can lead yet (the move waits).
 */
export function completedState(
  a: ReplicaAssignment,
  state: PartitionState,
  liveness: Liveness,
  controllerEpoch: number,
): PartitionState | null {
  const target = targetReplicas(a);
  const keep = target.includes(state.leader) && canLead(state.leader, liveness);
  const leader = keep ? state.leader : target.find((r) => state.isr.includes(r) && canLead(r, liveness));
  if (leader === undefined) return null;
  const isr = state.isr.filter((r) => target.includes(r));
  return { leader, leaderEpoch: state.leaderEpoch + 1, isr, controllerEpoch };
}

/** The same leader and ISR at the next leader epoch: replicas learn a new replica list this way. */
export const nextEpochState = (state: PartitionState, controllerEpoch: number): PartitionState => ({
  leader: state.leader,
  leaderEpoch: state.leaderEpoch + 1,
  isr: [...state.isr],
  controllerEpoch,
});
