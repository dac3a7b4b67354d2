/**
 * Replica placement for new topics and new partitions, giving the same spread as Apache Kafka's
 * ZooKeeper-mode controller (2.4 to 3.x), so an operator moving between the two sees the same layout.
 *
 * Brokers are taken in id order. Without racks, partition p's leader is the broker at position
 * (p + start) in that list, round-robin; its followers sit at growing distances past the leader
 * (1 + (shift + j) mod (n - 1) for follower j), and the shift grows by one each time the partition
 * id wraps around the broker count, so the leader/follower pairs differ from round to round.
 * `start` and the initial `shift` are each drawn at random in [0, n) unless given.
 *
 * With racks (every broker has one), the list is first interleaved by rack: racks in name order,
 * taking the lowest unused id of each in turn. Leaders go round-robin over that list as above; for
 * followers the walk uses shift x (number of racks) and passes over a broker whose rack already
 * holds a replica while some rack still has none, so each partition reaches min(RF, racks) racks.
 * Brokers with and without racks mixed is an error, as in Kafka (unless racks are ignored).
 *
 * Growing a topic (CreatePartitions) continues from the current partition count, with the
 * replication factor of partition 0 and a fixed start (used for the shift as well): the position
 * of the first broker whose id is at least partition 0's leader.
 */

export interface PlacementBroker {
  readonly id: number;
  readonly rack: string | null;
}

/** Each kind is the name of the Kafka error code a client gets for the same failure. */
export type PlacementErrorKind = 'INVALID_PARTITIONS' | 'INVALID_REPLICATION_FACTOR' | 'UNKNOWN_SERVER_ERROR';

/**
 * A placement that cannot be made. UNKNOWN_SERVER_ERROR is what Kafka answers (with this message)
 * when only some brokers have a rack, or an existing topic has no partition 0: its AdminOperation-
 * Exception is not an API error, so the client sees error code -1 and the message.
 */
export class PlacementError extends Error {
  constructor(
    readonly kind: PlacementErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'PlacementError';
  }
}

export interface PlacementOptions {
  /** Id of the first partition placed (default 0): the count of partitions the topic has already. */
  firstPartition?: number;
  /** Leader position of partition 0 in the (id-ordered or rack-interleaved) broker list. */
  startIndex?: number;
  /** Initial follower shift; defaults to startIndex when that is given (Kafka uses one value for both). */
  replicaShift?: number;
  /** Source of randomness in [0, 1) for an unset startIndex / replicaShift (default Math.random). */
  random?: () => number;
  /** Place as if no broker had a rack (Kafka's --disable-rack-aware). */
  ignoreRacks?: boolean;
}

/** Partition id -> replica broker ids, preferred leader first. */
export type Assignment = Map<number, number[]>;

/**
 * Places `partitions` partitions of `replicationFactor` replicas each over `brokers`. Throws
 * PlacementError for counts below 1, a replication factor above the broker count, or racks set on
 * only some brokers.
 */
export function placeReplicas(
  brokers: readonly PlacementBroker[],
  partitions: number,
  replicationFactor: number,
  options: PlacementOptions = {},
): Assignment {
  requireInteger('partitions', partitions);
  requireInteger('replicationFactor', replicationFactor);
  if (partitions < 1) {
    throw new PlacementError('INVALID_PARTITIONS', 'Number of partitions must be larger than 0.');
  }
  if (replicationFactor < 1) {
    throw new PlacementError('INVALID_REPLICATION_FACTOR', 'Replication factor must be larger than 0.');
  }
  if (replicationFactor > brokers.length) {
    throw new PlacementError(
      'INVALID_REPLICATION_FACTOR',
      `Replication factor: ${replicationFactor} larger than available brokers: ${brokers.length}.`,
    );
  }
  const sorted = sortById(brokers);
  const racked = sorted.filter((b) => b.rack !== null).length;
  const rackAware = racked > 0 && !options.ignoreRacks;
  if (rackAware && racked < sorted.length) {
    throw new PlacementError(
      'UNKNOWN_SERVER_ERROR',
      'Not all brokers have rack information for replica rack aware assignment.',
    );
  }

  const n = sorted.length;
  const random = options.random ?? Math.random;
  const draw = () => Math.floor(random() * n);
  const start = options.startIndex ?? draw();
  let shift = options.replicaShift ?? options.startIndex ?? draw();
  const first = options.firstPartition ?? 0;
  requireInteger('startIndex', start, 0);
  requireInteger('replicaShift', shift, 0);
  requireInteger('firstPartition', first, 0);

  const rackOf = new Map(sorted.map((b) => [b.id, b.rack ?? '']));
  const ring = rackAware ? interleaveByRack(sorted) : sorted.map((b) => b.id);
  const rackCount = rackAware ? new Set(rackOf.values()).size : 1;
  const at = (index: number): number => ring[index % n] as number;

  const result: Assignment = new Map();
  for (let partition = first; partition < first + partitions; partition++) {
    // A new round over the brokers moves every follower one step further from its leader.
    if (partition > 0 && partition % n === 0) shift++;
    const leaderIndex = (partition + start) % n;
    const replicas = [at(leaderIndex)];
    const racksUsed = new Set([rackOf.get(replicas[0] as number)]);
    // The k-th candidate sits 1 + (base + k) mod (n - 1) places past the leader: never the leader.
    const base = shift * rackCount;
    for (let k = 0; replicas.length < replicationFactor; k++) {
      const candidate = at(leaderIndex + 1 + ((base + k) % (n - 1)));
      const rack = rackOf.get(candidate);
      // Skip a broker already holding a replica, or one whose rack has a replica while others have none.
      if (replicas.includes(candidate)) continue;
      if (racksUsed.has(rack) && racksUsed.size < rackCount) continue;
      replicas.push(candidate);
      racksUsed.add(rack);
    }
    result.set(partition, replicas);
  }
  return result;
}

/**
 * The placement of the partitions that grow a topic from `existing` (partition id -> replicas) to
 * `newTotal` partitions, as Kafka's CreatePartitions makes it; only the new partitions are returned.
 * The replication factor is that of partition 0.
 */
export function placeAdditionalPartitions(
  brokers: readonly PlacementBroker[],
  existing: ReadonlyMap<number, readonly number[]>,
  newTotal: number,
): Assignment {
  const partition0 = existing.get(0);
  if (partition0 === undefined) {
    throw new PlacementError(
      'UNKNOWN_SERVER_ERROR',
      `Unexpected existing replica assignment: partition id 0 is missing (partitions: ${[...existing.keys()].join(', ')}).`,
    );
  }
  requireInteger('newTotal', newTotal);
  if (newTotal <= existing.size) {
    throw new PlacementError(
      'INVALID_PARTITIONS',
      `The number of partitions for a topic can only be increased. The topic currently has ${existing.size} partitions, ${newTotal} would not be an increase.`,
    );
  }
  // Kafka looks the leader up in the id-ordered list even when placement then walks the
  // rack-interleaved one; a leader id above every broker's gives position 0.
  const leader = partition0[0] ?? Number.NEGATIVE_INFINITY;
  const startIndex = Math.max(
    0,
    sortById(brokers).findIndex((b) => b.id >= leader),
  );
  return placeReplicas(brokers, newTotal - existing.size, partition0.length, {
    firstPartition: existing.size,
    startIndex,
  });
}

/** Brokers in id order; a broker id listed twice is a caller bug. */
function sortById(brokers: readonly PlacementBroker[]): PlacementBroker[] {
  const sorted = [...brokers].sort((a, b) => a.id - b.id);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]?.id === sorted[i - 1]?.id) throw new RangeError(`broker ${sorted[i]?.id} is listed twice`);
  }
  return sorted;
}

/** Racks in name order, each giving its lowest remaining broker id in turn, until all are taken. */
function interleaveByRack(sorted: readonly PlacementBroker[]): number[] {
  const byRack = new Map<string, number[]>();
  for (const b of sorted) {
    const rack = b.rack ?? '';
    const ids = byRack.get(rack) ?? [];
    ids.push(b.id);
    byRack.set(rack, ids);
  }
  // Default sort compares UTF-16 code units, the same order as Java's String.compareTo.
  const racks = [...byRack.keys()].sort().map((rack) => byRack.get(rack) as number[]);
  const result: number[] = [];
  for (let round = 0; result.length < sorted.length; round++) {
    for (const ids of racks) {
      const id = ids[round];
      if (id !== undefined) result.push(id);
    }
  }
  return result;
}

/** Counts and positions are whole numbers (positions not negative): anything else is a caller bug. */
function requireInteger(name: string, value: number, min = Number.MIN_SAFE_INTEGER): void {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new RangeError(`${name} must be an integer${min === 0 ? ' >= 0' : ''}, got ${value}`);
  }
}
