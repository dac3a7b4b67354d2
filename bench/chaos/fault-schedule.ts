/**
 * Which faults a chaos run injects, in what order and for how long, drawn from --seed: the same
 * seed and kinds give the same sequence of kinds, hold times, gaps and target picks. Targets
 * themselves (which broker is the controller, which leads a partition) are only known when a fault
 * starts, so a fault carries pick numbers that choose among the candidates then (the candidates
 * sorted, so the same cluster state gives the same target).
 */
import { SeededRandom } from './seeded-random.js';

export const FAULT_KINDS = [
  'kill-controller',
  'kill-leader',
  'kill-follower',
  'pause',
  'zookeeper-restart',
  'zookeeper-session-expiry',
  'broker-link-cut',
  'reassignment',
] as const;

export type FaultKind = (typeof FAULT_KINDS)[number];

export const FAULT_DESCRIPTIONS: Record<FaultKind, string> = {
  'kill-controller': 'SIGKILL the controller, start it again after the hold time',
  'kill-leader': 'SIGKILL the leader of a partition, start it again after the hold time',
  'kill-follower': 'SIGKILL a follower (not the leader) of a partition, start it again',
  pause: 'SIGSTOP a broker for the hold time, then SIGCONT',
  'zookeeper-restart': 'SIGKILL ZooKeeper, start it again after the hold time',
  'zookeeper-session-expiry':
    "cut a broker's link to ZooKeeper (silently) for longer than the session timeout",
  'broker-link-cut': 'cut the connections between two brokers (clients unaffected) for the hold time',
  reassignment: "move a partition's replicas (AlterPartitionReassignments) and wait for the move",
};

export interface FaultTiming {
  sessionTimeoutMs: number;
  replicaLagMs: number;
}

export interface PlannedFault {
  /** 1, 2, ... */
  number: number;
  kind: FaultKind;
  /** Numbers in [0, 1) that choose the target(s) among the candidates when the fault starts. */
  picks: [number, number];
  /** How long the fault lasts before it is undone, in ms (0 for a reassignment). */
  holdMs: number;
  /** Quiet time between the cluster settling after the previous fault and this one, in ms. */
  gapMs: number;
}

/** Reads --fault-kinds: a comma-separated list of FAULT_KINDS, or 'all'. */
export function parseFaultKinds(text: string): FaultKind[] {
  if (text.trim() === 'all') return [...FAULT_KINDS];
  const kinds = text
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean);
  const unknown = kinds.filter((k) => !(FAULT_KINDS as readonly string[]).includes(k));
  if (unknown.length > 0) {
    throw new Error(`unknown fault kind(s) ${unknown.join(', ')}; the kinds are ${FAULT_KINDS.join(', ')}`);
  }
  if (kinds.length === 0) throw new Error('--fault-kinds names no kind');
  return [...new Set(kinds)] as FaultKind[];
}

/** The hold time range of each kind, in ms. */
export function holdRange(kind: FaultKind, timing: FaultTiming): [number, number] {
  switch (kind) {
    case 'kill-controller':
    case 'kill-leader':
    case 'kill-follower':
    case 'zookeeper-restart':
      return [500, 4000];
    case 'pause':
      return [1000, Math.round(timing.sessionTimeoutMs * 1.5)];
    case 'zookeeper-session-expiry':
      return [timing.sessionTimeoutMs + 1000, timing.sessionTimeoutMs + 4000];
    case 'broker-link-cut':
      return [1000, Math.max(2000, timing.replicaLagMs * 2)];
    case 'reassignment':
      return [0, 0];
  }
}

const GAP_MS: [number, number] = [500, 2500];

export class FaultSchedule {
  private readonly random: SeededRandom;
  private readonly kinds: FaultKind[];
  private count = 0;

  constructor(
    seed: number,
    kinds: readonly FaultKind[],
    private readonly timing: FaultTiming,
  ) {
    this.random = new SeededRandom(seed);
    this.kinds = [...kinds];
  }

  /** The kinds still drawn from. */
  enabled(): readonly FaultKind[] {
    return this.kinds;
  }

  /** Stops drawing `kind` (the brokers cannot do it); false if no kind is left. */
  disable(kind: FaultKind): boolean {
    const at = this.kinds.indexOf(kind);
    if (at >= 0) this.kinds.splice(at, 1);
    return this.kinds.length > 0;
  }

  /** The next fault. Every fault draws the same count of numbers, whatever its kind. */
  next(): PlannedFault {
    if (this.kinds.length === 0) throw new Error('no fault kind left to draw');
    const kind = this.random.pick(this.kinds);
    const picks: [number, number] = [this.random.next(), this.random.next()];
    const [low, high] = holdRange(kind, this.timing);
    const hold = this.random.int(low, high);
    const gap = this.random.int(GAP_MS[0], GAP_MS[1]);
    return { number: ++this.count, kind, picks, holdMs: hold, gapMs: gap };
  }
}
