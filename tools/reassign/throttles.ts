/**
 * The replication throttle of a reassignment, as Kafka's tool sets it (KIP-73):
 * - on every broker a moving partition is copied from or to, the rates
 *   leader.replication.throttled.rate and follower.replication.throttled.rate (bytes/s);
 * - on each topic with a moving partition, which replicas the rates apply to:
 *   leader.replication.throttled.replicas lists partition:broker for the replicas the partition has
 *   before the move (any of them may be the leader the new replicas copy from), and
 *   follower.replication.throttled.replicas partition:broker for the replicas being added.
 * Moves already in progress are included, so setting a topic's lists keeps their throttle.
 * A partition that only reorders its replicas copies nothing and is not throttled.
 * `--verify`, once every move is done, removes all four (only those actually set, saying so).
 */
import { KafkaError } from '../client/kafka-client.js';
import { byPartition, partitionName, type PartitionRef, type PlannedPartition } from './plan.js';
import type { Output, PartitionState, ReassignAdmin, Reassignment } from './reassign-admin.js';

export const LEADER_RATE = 'leader.replication.throttled.rate';
export const FOLLOWER_RATE = 'follower.replication.throttled.rate';
export const LEADER_REPLICAS = 'leader.replication.throttled.replicas';
export const FOLLOWER_REPLICAS = 'follower.replication.throttled.replicas';

/** A partition's move: the replicas it copies from and those it copies to. */
export interface Move extends PartitionRef {
  sources: number[];
  destinations: number[];
}

/**
 * The moves the plan makes, with those already in progress: a partition that is moving copies
 * from the replicas it had before its move (its replicas less those being added).
 */
export function movesOf(
  plan: readonly PlannedPartition[],
  current: ReadonlyMap<string, PartitionState>,
  inProgress: readonly Reassignment[],
): Move[] {
  const moves = new Map<string, Move>();
  const originals = new Map<string, number[]>();
  for (const r of inProgress) {
    const sources = r.replicas.filter((b) => !r.adding.includes(b));
    originals.set(partitionName(r), sources);
    moves.set(partitionName(r), { topic: r.topic, partition: r.partition, sources, destinations: r.adding });
  }
  for (const p of plan) {
    const name = partitionName(p);
    const sources = originals.get(name) ?? current.get(name)?.replicas ?? [];
    moves.set(name, {
      topic: p.topic,
      partition: p.partition,
      sources,
      destinations: p.replicas.filter((b) => !sources.includes(b)),
    });
  }
  return [...moves.values()].sort(byPartition);
}

export interface ThrottlePlan {
  /** Brokers that send or receive a copy. */
  brokers: number[];
  /** Per topic, its two throttled replica lists. */
  topics: Map<string, { leader: string; follower: string }>;
}

const pairs = (list: { partition: number; broker: number }[]): string =>
  list
    .sort((a, b) => a.partition - b.partition || a.broker - b.broker)
    .map((x) => `${x.partition}:${x.broker}`)
    .join(',');

/** The configs the throttle sets for `moves` (only moves that copy data count). */
export function throttlePlan(moves: readonly Move[]): ThrottlePlan {
  const copying = moves.filter((m) => m.destinations.length > 0);
  const brokers = new Set<number>();
  const topics = new Map<string, { leader: string; follower: string }>();
  for (const topic of new Set(copying.map((m) => m.topic))) {
    const mine = copying.filter((m) => m.topic === topic);
    topics.set(topic, {
      leader: pairs(mine.flatMap((m) => m.sources.map((broker) => ({ partition: m.partition, broker })))),
      follower: pairs(
        mine.flatMap((m) => m.destinations.map((broker) => ({ partition: m.partition, broker }))),
      ),
    });
  }
  for (const m of copying) for (const b of [...m.sources, ...m.destinations]) brokers.add(b);
  return { brokers: [...brokers].sort((a, b) => a - b), topics };
}

/**
 * Sets the throttle; returns what the brokers refused (empty when all was set), one line each,
 * naming the resource, the configs and the Kafka error.
 */
export async function setThrottle(
  admin: ReassignAdmin,
  out: Output,
  plan: ThrottlePlan,
  rate: number,
): Promise<string[]> {
  const refused: string[] = [];
  const attempt = async (what: string, keys: string[], work: () => Promise<void>): Promise<boolean> => {
    try {
      await work();
      return true;
    } catch (err) {
      if (!(err instanceof KafkaError)) throw err;
      refused.push(`${what} refused ${keys.join(' and ')}: ${err.message}`);
      return false;
    }
  };
  const rates = new Map([
    [LEADER_RATE, String(rate)],
    [FOLLOWER_RATE, String(rate)],
  ]);
  const throttled: number[] = [];
  for (const id of plan.brokers) {
    if (
      await attempt(`broker ${id}`, [...rates.keys()], () =>
        admin.alterConfigs({ kind: 'broker', id }, rates, []),
      )
    )
      throttled.push(id);
  }
  if (throttled.length > 0)
    out.out(
      `The replication throttle was set to ${rate} B/s on broker${throttled.length === 1 ? '' : 's'} ${throttled.join(',')}.`,
    );
  for (const [name, lists] of plan.topics) {
    const set = new Map([
      [LEADER_REPLICAS, lists.leader],
      [FOLLOWER_REPLICAS, lists.follower],
    ]);
    if (
      await attempt(`topic ${name}`, [...set.keys()], () =>
        admin.alterConfigs({ kind: 'topic', name }, set, []),
      )
    )
      out.out(`Throttled replicas of topic ${name}: leader ${lists.leader}; follower ${lists.follower}.`);
  }
  return refused;
}

/**
 * Removes the throttle configs from `brokers` and `topics` where they are set, and says which
 * (nothing is printed when there was none).
 */
export async function clearThrottles(
  admin: ReassignAdmin,
  out: Output,
  brokers: readonly number[],
  topics: readonly string[],
): Promise<void> {
  const clearedBrokers: number[] = [];
  for (const id of brokers) {
    const set = await admin.overrides({ kind: 'broker', id });
    const remove = [LEADER_RATE, FOLLOWER_RATE].filter((k) => set.has(k));
    if (remove.length === 0) continue;
    await admin.alterConfigs({ kind: 'broker', id }, new Map(), remove);
    clearedBrokers.push(id);
  }
  const clearedTopics: string[] = [];
  for (const name of topics) {
    const set = await admin.overrides({ kind: 'topic', name });
    const remove = [LEADER_REPLICAS, FOLLOWER_REPLICAS].filter((k) => set.has(k));
    if (remove.length === 0) continue;
    await admin.alterConfigs({ kind: 'topic', name }, new Map(), remove);
    clearedTopics.push(name);
  }
  if (clearedBrokers.length > 0)
    out.out(
      `Removed the replication throttle rates from broker${clearedBrokers.length === 1 ? '' : 's'} ${clearedBrokers.join(',')}.`,
    );
  if (clearedTopics.length > 0)
    out.out(
      `Removed the throttled replica lists from topic${clearedTopics.length === 1 ? '' : 's'} ${clearedTopics.join(',')}.`,
    );
}
