/**
 * Leader elections an operator asks for (ElectLeaders: preferred, or unclean) and the
 * controller's own leader balancing (auto.leader.rebalance.enable), as Kafka's controller does
 * them. A partition's preferred leader is its first replica; while brokers fail and come back,
 * leadership drifts away from preferred leaders and piles up on the brokers that stayed. Every
 * leader.imbalance.check.interval.seconds the controller counts, per broker, the partitions it
 * is preferred for but does not lead; above leader.imbalance.per.broker.percentage of them, it
 * moves those back to it (where it is in sync). Partitions being moved are left alone.
 */
import { ErrorCode } from '../../protocol/error-codes.js';
import type { KnownPartition } from './controller-requests.js';
import {
  preferredState,
  uncleanState,
  type ElectionRefusal,
  type Liveness,
} from './partition-leader-election.js';
import type { PartitionRef } from './partition-state-updates.js';
import { partitionKey, type PartitionStates, type Term } from './partition-states.js';
import { isMoving } from './reassignment-rules.js';

/** ElectLeaders' election types. */
export const ElectionType = { PREFERRED: 0, UNCLEAN: 1 } as const;

export interface ElectionResult extends PartitionRef {
  errorCode: number;
  errorMessage: string | null;
}

export interface LeaderBalanceOptions {
  /** auto.leader.rebalance.enable */
  enable: boolean;
  /** leader.imbalance.per.broker.percentage */
  imbalancePercentage: number;
  /** leader.imbalance.check.interval.seconds, in ms */
  checkIntervalMs: number;
}

/**
 * Elects leaders of `refs` (every known partition when null) by `type`. Returns a result per
 * partition, and the partitions written ("topic-partition"). With `refs` null, partitions that
 * needed no election are left out of the results (as Kafka answers).
 */
export async function electLeaders(
  partitions: PartitionStates,
  type: number,
  refs: readonly PartitionRef[] | null,
  liveness: Liveness,
  term: Term,
): Promise<{ results: ElectionResult[]; written: Set<string> }> {
  const results = new Map<string, ElectionResult>();
  const candidates: PartitionRef[] = [];
  const say = (ref: PartitionRef, errorCode: number, errorMessage: string | null): void => {
    results.set(partitionKey(ref.topic, ref.partition), { ...ref, errorCode, errorMessage });
  };
  for (const ref of refs ?? partitions.where(() => true)) {
    if (type !== ElectionType.PREFERRED && type !== ElectionType.UNCLEAN) {
      say(ref, ErrorCode.INVALID_REQUEST, `Unknown election type ${type}.`);
    } else if (!partitions.get(ref)) {
      say(ref, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'This partition does not exist.');
    } else candidates.push(ref);
  }
  const refusals = new Map<string, ElectionRefusal>();
  const written = await partitions.update(
    candidates,
    (ref, current) => {
      const replicas = partitions.get(ref)?.replicas ?? [];
      const next =
        type === ElectionType.PREFERRED
          ? preferredState(replicas, current, liveness, term.controllerEpoch)
          : uncleanState(replicas, current, liveness, term.controllerEpoch);
      if (typeof next !== 'string') return next;
      refusals.set(partitionKey(ref.topic, ref.partition), next);
      return null;
    },
    term,
  );
  const name = type === ElectionType.PREFERRED ? 'preferred' : 'unclean';
  for (const ref of candidates) {
    const key = partitionKey(ref.topic, ref.partition);
    const refusal = refusals.get(key);
    if (written.has(key)) say(ref, ErrorCode.NONE, null);
    else if (refusal === 'not-needed') {
      if (refs !== null)
        say(ref, ErrorCode.ELECTION_NOT_NEEDED, 'Leader election not needed for this partition.');
    } else if (refusal === 'unavailable') {
      say(
        ref,
        type === ElectionType.PREFERRED
          ? ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE
          : ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE,
        type === ElectionType.PREFERRED
          ? `Its preferred replica is not alive or not in sync: no ${name} election for ${key}.`
          : `No live replica can lead ${key}.`,
      );
    } else
      say(ref, ErrorCode.UNKNOWN_SERVER_ERROR, `The ${name} election of ${key} did not complete; try again.`);
  }
  return { results: [...results.values()], written };
}

/**
 * The partitions auto leader balancing moves back to their preferred leaders: for each broker
 * that can lead, those it is preferred for but does not lead, when they are more than
 * `imbalancePercentage` of the partitions it is preferred for. Moving partitions are left out.
 */
export function imbalancedPartitions(
  byTopic: ReadonlyMap<string, ReadonlyMap<number, KnownPartition>>,
  liveness: Liveness,
  imbalancePercentage: number,
): PartitionRef[] {
  const preferred = new Map<number, { total: number; notLed: number; elsewhere: PartitionRef[] }>();
  for (const [topic, partitions] of byTopic) {
    for (const [partition, p] of partitions) {
      const id = p.replicas[0];
      if (id === undefined || isMoving(p)) continue;
      let entry = preferred.get(id);
      if (!entry) preferred.set(id, (entry = { total: 0, notLed: 0, elsewhere: [] }));
      entry.total++;
      if (p.leader === id) continue;
      entry.notLed++;
      // Only where it is in sync can it take the lead back.
      if (p.isr.includes(id)) entry.elsewhere.push({ topic, partition });
    }
  }
  const out: PartitionRef[] = [];
  for (const [id, { total, notLed, elsewhere }] of preferred) {
    if (!liveness.live.has(id) || liveness.shuttingDown.has(id)) continue;
    if ((notLed / total) * 100 > imbalancePercentage) out.push(...elsewhere);
  }
  return out;
}

/** Runs `check` every checkIntervalMs while balancing is enabled; the timer keeps nothing alive. */
export function scheduleLeaderBalance(
  options: LeaderBalanceOptions | undefined,
  check: () => unknown,
): NodeJS.Timeout | undefined {
  if (!options?.enable) return undefined;
  const timer = setInterval(check, options.checkIntervalMs);
  timer.unref();
  return timer;
}
