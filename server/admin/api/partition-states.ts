/**
 * The topics and their partitions' leaders, replicas and ISR as this broker knows them, in both
 * modes, as Metadata answers them (handlers/metadata.ts):
 *
 * - single node: every topic of the topic store; the broker leads every partition it has a log
 *   for, its ISR is itself, and a partition without a log (it could not be opened) is offline;
 * - cluster: every topic the controller last described (the metadata cache); a leader that is not
 *   a live broker is no leader. For a partition this broker leads, its own ISR is the newer one
 *   (the cache has it only after the controller passes the change on).
 */
import { INTERNAL_TOPICS } from '../../cluster/topic-store.js';
import { ZERO_UUID } from '../../protocol/absent-value.js';
import type { RunningParts } from './api-sources.js';

export interface PartitionState {
  partition: number;
  /** -1 when none. */
  leader: number;
  replicas: number[];
  isr: number[];
  offline: boolean;
}

export interface PartitionHealth {
  offline: number;
  underReplicated: number;
  underMinIsr: number;
}

/** Every topic, sorted by name. */
export function topicNames(parts: RunningParts): string[] {
  const names = parts.metadata ? parts.metadata.topicNames() : parts.topics.list().map((t) => t.name);
  return names.sort(byName);
}

export function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function isInternal(topic: string): boolean {
  return INTERNAL_TOPICS.has(topic);
}

export function topicIdOf(parts: RunningParts, topic: string): string {
  return parts.metadata?.topicId(topic) ?? parts.topics.get(topic)?.id ?? ZERO_UUID;
}

/** A topic's partitions in partition order, or undefined for a topic this broker does not know. */
export function partitionStates(parts: RunningParts, topic: string): PartitionState[] | undefined {
  const { metadata, sources } = parts;
  if (!metadata) {
    const info = parts.topics.get(topic);
    if (!info) return undefined;
    const self = sources.brokerId;
    const states: PartitionState[] = [];
    for (let p = 0; p < info.partitions; p++) {
      const online = parts.logs.getLog(topic, p) !== undefined;
      states.push({
        partition: p,
        leader: online ? self : -1,
        replicas: [self],
        isr: online ? [self] : [],
        offline: !online,
      });
    }
    return states;
  }
  const cached = metadata.partitions(topic);
  if (!cached) return undefined;
  const live = metadata.liveBrokers();
  return [...cached]
    .sort((a, b) => a[0] - b[0])
    .map(([partition, state]) => {
      const leader = state.leader >= 0 && live.has(state.leader) ? state.leader : -1;
      const led = parts.replicas?.leaderOf(topic, partition);
      return {
        partition,
        leader,
        replicas: [...state.replicas],
        isr: [...(led ? led.state.isr : state.isr)],
        offline: leader < 0,
      };
    });
}

/** The replication factor: the most replicas any partition has. */
export function replicationFactor(states: readonly PartitionState[]): number {
  let factor = 0;
  for (const state of states) factor = Math.max(factor, state.replicas.length);
  return factor;
}

/** Offline, under-replicated and under-min-ISR (min.insync.replicas) partitions of one topic. */
export function partitionHealth(
  parts: RunningParts,
  topic: string,
  states: readonly PartitionState[],
): PartitionHealth {
  const minIsr = (parts.logs.getLog(topic, 0)?.config ?? parts.logs.configFor(topic)).minInsyncReplicas;
  const health: PartitionHealth = { offline: 0, underReplicated: 0, underMinIsr: 0 };
  for (const state of states) {
    // As Kafka's leaders report them: a partition without a leader is offline, and only that.
    if (state.offline) {
      health.offline++;
      continue;
    }
    if (state.isr.length < state.replicas.length) health.underReplicated++;
    if (state.isr.length < minIsr) health.underMinIsr++;
  }
  return health;
}
