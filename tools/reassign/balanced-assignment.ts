/**
 * The replica placement `kiln reassign --generate` proposes, following the round robin of Kafka's
 * replica assignment (its AdminUtils), with one difference: Kafka starts each topic at a random
 * broker, this starts it where the previous topic (in name order) left off, so a proposal is the
 * same every time it is asked for and the leaders of many small topics still spread.
 *
 * For brokers b[0..n-1] (sorted by id, or alternating between racks when rack-aware), a topic whose
 * placement starts at s, and partition p:
 * - the preferred leader (first replica) is b[(p + s) mod n];
 * - the shift is s + floor(p / n): it grows each time the leaders have gone round the brokers once,
 *   so followers do not always sit next to the same leader;
 * - replica j (j >= 1) is b[(first + 1 + (shift + j - 1) mod (n - 1)) mod n], never the leader.
 * Rack-aware (every broker has a rack): the broker list alternates racks (racks in name order, each
 * rack's brokers in id order, one from each rack in turn), the shift is multiplied by the number of
 * racks, and a candidate is skipped while its rack — or the broker itself — already holds a replica
 * of the partition, unless every rack (every broker) already does.
 * Each partition keeps its own replication factor (replica lists of different lengths are prefixes
 * of the same sequence, so mixing them keeps the balance).
 */
import { InputError } from './json-input.js';

export interface BrokerSpot {
  id: number;
  rack: string | null;
}

export interface PartitionReplicas {
  topic: string;
  partition: number;
  replicas: number[];
}

/** The brokers in the order the round robin walks them: racks alternate, ids ascend within a rack. */
export function rackAlternated(brokers: readonly BrokerSpot[]): number[] {
  const byRack = new Map<string, number[]>();
  for (const b of brokers) {
    const list = byRack.get(b.rack ?? '') ?? [];
    list.push(b.id);
    byRack.set(b.rack ?? '', list);
  }
  const racks = [...byRack.keys()].sort();
  const queues = racks.map((r) => byRack.get(r)!.sort((a, b) => a - b));
  const result: number[] = [];
  for (let round = 0; result.length < brokers.length; round++) {
    for (const queue of queues) if (round < queue.length) result.push(queue[round]!);
  }
  return result;
}

/** The index, in the broker list, of replica j >= 1 (before rack checks). */
function followerIndex(first: number, shift: number, j: number, n: number): number {
  return (first + 1 + ((shift + j - 1) % (n - 1))) % n;
}

/**
 * The replicas of partition `partition` on `ordered` brokers (already rack-alternated when
 * `rackOf` is given), for a topic whose placement starts at `start`.
 */
export function placePartition(
  ordered: readonly number[],
  rackOf: ReadonlyMap<number, string> | null,
  partition: number,
  replicationFactor: number,
  start: number,
): number[] {
  const n = ordered.length;
  const first = (partition + start) % n;
  const shift = start + Math.floor(partition / n);
  const leader = ordered[first]!;
  const replicas = [leader];
  if (!rackOf) {
    for (let j = 1; j < replicationFactor; j++) replicas.push(ordered[followerIndex(first, shift, j, n)]!);
    return replicas;
  }
  const racks = new Set(rackOf.values()).size;
  const racksUsed = new Set([rackOf.get(leader)!]);
  const used = new Set([leader]);
  let k = 1;
  while (replicas.length < replicationFactor) {
    const broker = ordered[followerIndex(first, shift * racks, k++, n)]!;
    const rack = rackOf.get(broker)!;
    const rackFree = !racksUsed.has(rack) || racksUsed.size === racks;
    const brokerFree = !used.has(broker) || used.size === n;
    if (rackFree && brokerFree) {
      replicas.push(broker);
      racksUsed.add(rack);
      used.add(broker);
    }
  }
  return replicas;
}

/**
 * The proposed placement of every partition of `current` on `brokers`: topics in name order,
 * partitions in index order, each keeping its replication factor. Rack-aware when `rackAware` and
 * the brokers have racks; brokers with and without racks mixed are an InputError (as in Kafka:
 * place without racks with --disable-rack-aware). A replication factor above the number of brokers
 * is an InputError too.
 */
export function proposeAssignment(
  current: readonly PartitionReplicas[],
  brokers: readonly BrokerSpot[],
  rackAware: boolean,
): PartitionReplicas[] {
  if (brokers.length === 0) throw new InputError('no brokers to place replicas on');
  const withRack = brokers.filter((b) => b.rack !== null).length;
  if (rackAware && withRack > 0 && withRack < brokers.length)
    throw new InputError(
      `only some of the brokers have a rack (${brokers
        .filter((b) => b.rack === null)
        .map((b) => b.id)
        .join(',')} have none); add --disable-rack-aware to place replicas without racks`,
    );
  const useRacks = rackAware && withRack === brokers.length;
  const ordered = useRacks ? rackAlternated(brokers) : brokers.map((b) => b.id).sort((a, b) => a - b);
  const rackOf = useRacks ? new Map(brokers.map((b) => [b.id, b.rack!])) : null;
  const tooWide = current.find((p) => p.replicas.length > ordered.length);
  if (tooWide)
    throw new InputError(
      `${tooWide.topic}-${tooWide.partition} has ${tooWide.replicas.length} replicas but --broker-list names ` +
        `only ${ordered.length} broker${ordered.length === 1 ? '' : 's'}`,
    );
  const sorted = [...current].sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  const result: PartitionReplicas[] = [];
  let start = 0;
  let topic: string | undefined;
  let placedInTopic = 0;
  for (const p of sorted) {
    if (p.topic !== topic) {
      start = (start + placedInTopic) % ordered.length;
      topic = p.topic;
      placedInTopic = 0;
    }
    const replicas = placePartition(ordered, rackOf, p.partition, p.replicas.length, start);
    result.push({ topic: p.topic, partition: p.partition, replicas });
    placedInTopic++;
  }
  return result;
}
