/**
 * The controller's rules for a partition's leader and ISR, as Kafka 2.4's controller applies them
 * (Election, PartitionLeaderElectionAlgorithms and the replica state machine's OfflineReplica
 * step): pure functions of a partition's replicas (in assignment order, the preferred leader
 * first), its state, and which brokers are up, so each rule is tested without a cluster.
 *
 * - A new partition: the live replicas are all in sync (none holds anything yet), the first leads.
 * - A partition whose leader is down (or that has none, -1): the first replica in assignment order
 *   that is up and in the ISR leads, and the ISR keeps its members that are up. With none, and
 *   unclean leader election enabled for the topic, the first live replica leads alone (what it
 *   lacks is lost). Otherwise it stays leaderless and waits for an ISR member to come back.
 * - A replica that went down leaves the ISR; if it led, the partition has no leader (-1). The ISR
 *   is never emptied: its last member stays, so that only it (the replica known to hold every
 *   committed record) may lead when it returns. Kafka writes exactly this.
 * - A controlled shutdown moves leadership to the first replica that is up, in the ISR and not
 *   shutting down; the ISR loses the brokers shutting down. With no such replica nothing changes.
 *
 * Every change raises the leader epoch by one (Kafka's newLeaderAndIsr, ISR-only changes
 * included) and carries the controller's epoch. Brokers shutting down are up (they still serve)
 * but take no new leadership and join no ISR the controller writes.
 */
import type { PartitionState } from '../zookeeper/znodes.js';

/** The leader of a partition that has none. */
export const NO_LEADER = -1;

/** Which brokers are up, and which of them are shutting down (controlled shutdown). */
export interface Liveness {
  /** Registered brokers, those shutting down included. */
  live: ReadonlySet<number>;
  shuttingDown: ReadonlySet<number>;
}

interface LeaderAndIsr {
  leader: number;
  isr: number[];
}

/** Up and not shutting down: may lead, and be counted in an ISR the controller writes. */
export const canLead = (id: number, liveness: Liveness): boolean =>
  liveness.live.has(id) && !liveness.shuttingDown.has(id);

/** A new partition's first state (leader epoch 0), or null while none of its replicas can lead. */
export function firstState(
  replicas: readonly number[],
  liveness: Liveness,
  controllerEpoch: number,
): PartitionState | null {
  const isr = replicas.filter((r) => canLead(r, liveness));
  if (isr.length === 0) return null;
  return { leader: isr[0]!, leaderEpoch: 0, isr, controllerEpoch };
}

/**
 * A leader for a partition whose leader is down: the first replica that can lead and is in the
 * ISR (whose new ISR is the members that can lead); failing that, with `unclean`, the first
 * replica that can lead, alone in the ISR. Null when there is none.
 */
export function electOfflineLeader(
  replicas: readonly number[],
  isr: readonly number[],
  liveness: Liveness,
  unclean: boolean,
): LeaderAndIsr | null {
  const clean = replicas.find((r) => isr.includes(r) && canLead(r, liveness));
  if (clean !== undefined) return { leader: clean, isr: isr.filter((r) => canLead(r, liveness)) };
  if (!unclean) return null;
  const any = replicas.find((r) => canLead(r, liveness));
  return any === undefined ? null : { leader: any, isr: [any] };
}

/**
 * Takes `gone` out of the ISR one at a time, as Kafka's OfflineReplica steps do: a removed leader
 * leaves the partition leaderless, and an ISR of one keeps its member.
 */
export function removeFromIsr(state: LeaderAndIsr, gone: readonly number[]): LeaderAndIsr {
  let { leader, isr } = state;
  for (const id of gone) {
    if (!isr.includes(id)) continue;
    if (leader === id) leader = NO_LEADER;
    if (isr.length > 1) isr = isr.filter((r) => r !== id);
  }
  return { leader, isr };
}

/**
 * Whether electing a leader for the partition would need unclean leader election: its leader is
 * down and no ISR member can lead (the caller then reads the topic's config).
 */
export function needsUncleanChoice(
  replicas: readonly number[],
  state: PartitionState,
  liveness: Liveness,
): boolean {
  return (
    !liveness.live.has(state.leader) && !replicas.some((r) => state.isr.includes(r) && canLead(r, liveness))
  );
}

/**
 * The state a partition must have with the brokers as `liveness` says (after brokers left or
 * came back, or when a controller starts): a new leader if its leader is down, and its down
 * replicas out of the ISR. Null when nothing changes. `unclean` is the topic's
 * unclean.leader.election.enable (it matters only when needsUncleanChoice).
 */
export function onlineState(
  replicas: readonly number[],
  state: PartitionState,
  liveness: Liveness,
  unclean: boolean,
  controllerEpoch: number,
): PartitionState | null {
  let next: LeaderAndIsr = { leader: state.leader, isr: state.isr };
  // A leader shutting down still leads: moving it is the controlled shutdown's work.
  if (!liveness.live.has(state.leader)) {
    next = electOfflineLeader(replicas, state.isr, liveness, unclean) ?? next;
  }
  const down = next.isr.filter((r) => !liveness.live.has(r)).sort((a, b) => a - b);
  next = removeFromIsr(next, down);
  return changed(state, next, controllerEpoch);
}

/**
 * A partition led by a broker that is shutting down (Kafka's controlled shutdown election): the
 * first replica up, in the ISR and not shutting down leads, and the ISR loses the brokers
 * shutting down. Null when no replica can take over (it stays with the broker leaving).
 */
export function shutdownState(
  replicas: readonly number[],
  state: PartitionState,
  liveness: Liveness,
  controllerEpoch: number,
): PartitionState | null {
  const leader = replicas.find((r) => state.isr.includes(r) && canLead(r, liveness));
  if (leader === undefined) return null;
  const isr = state.isr.filter((r) => !liveness.shuttingDown.has(r));
  return changed(state, { leader, isr }, controllerEpoch);
}

/** A follower that is shutting down leaves the ISR (Kafka's OfflineReplica for it); null if it is not in it. */
export function followerLeavingState(
  state: PartitionState,
  brokerId: number,
  controllerEpoch: number,
): PartitionState | null {
  return changed(state, removeFromIsr(state, [brokerId]), controllerEpoch);
}

function changed(state: PartitionState, next: LeaderAndIsr, controllerEpoch: number): PartitionState | null {
  const same =
    next.leader === state.leader &&
    next.isr.length === state.isr.length &&
    next.isr.every((r, i) => r === state.isr[i]);
  if (same) return null;
  return { leader: next.leader, leaderEpoch: state.leaderEpoch + 1, isr: next.isr, controllerEpoch };
}

/** Why a preferred or unclean election (ElectLeaders) leaves a partition as it is. */
export type ElectionRefusal = 'not-needed' | 'unavailable';

/**
 * A preferred replica election: the first replica in assignment order leads, if it is up, in
 * the ISR and not shutting down; the ISR stays. 'not-needed' when it leads already.
 */
export function preferredState(
  replicas: readonly number[],
  state: PartitionState,
  liveness: Liveness,
  controllerEpoch: number,
): PartitionState | ElectionRefusal {
  const preferred = replicas[0];
  if (preferred === undefined) return 'unavailable';
  if (state.leader === preferred) return 'not-needed';
  if (!state.isr.includes(preferred) || !canLead(preferred, liveness)) return 'unavailable';
  return { leader: preferred, leaderEpoch: state.leaderEpoch + 1, isr: [...state.isr], controllerEpoch };
}

/**
 * An unclean election asked for (ElectLeaders type 1) for a partition whose leader is down: an
 * ISR member if one can lead, else the first live replica, alone in the ISR (what it lacks is
 * lost). 'not-needed' while its leader is up.
 */
export function uncleanState(
  replicas: readonly number[],
  state: PartitionState,
  liveness: Liveness,
  controllerEpoch: number,
): PartitionState | ElectionRefusal {
  if (liveness.live.has(state.leader)) return 'not-needed';
  const next = electOfflineLeader(replicas, state.isr, liveness, true);
  if (!next) return 'unavailable';
  return changed(state, next, controllerEpoch) ?? 'not-needed';
}
