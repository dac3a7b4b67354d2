import { describe, expect, it } from 'vitest';
import {
  placeAdditionalPartitions,
  placeReplicas,
  PlacementError,
  type Assignment,
  type PlacementBroker,
} from '../../../server/cluster/replica-placement.js';

const plain = (...ids: number[]): PlacementBroker[] => ids.map((id) => ({ id, rack: null }));
const racked = (racks: Record<number, string>): PlacementBroker[] =>
  Object.entries(racks).map(([id, rack]) => ({ id: Number(id), rack }));
const asObject = (assignment: Assignment) => Object.fromEntries(assignment);

/** Random numbers in [0, 1) from a seed (mulberry32), so every run places the same way. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** The placement error thrown by `fn`, to check both its kind and its message. */
function placementError(fn: () => unknown): PlacementError {
  try {
    fn();
  } catch (err) {
    if (err instanceof PlacementError) return err;
    throw err;
  }
  throw new Error('no PlacementError thrown');
}

function count(values: Iterable<number>): Map<number, number> {
  const counts = new Map<number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return counts;
}

describe('placeReplicas without racks', () => {
  // Brokers in id order [10, 20, 30, 40, 50]; start 2, shift 1. Partition p leads on position
  // (p + 2) mod 5; follower j sits 1 + (shift + j) mod 4 places further on; at p = 5 the shift
  // becomes 2.
  const expected = {
    0: [30, 50, 10],
    1: [40, 10, 20],
    2: [50, 20, 30],
    3: [10, 30, 40],
    4: [20, 40, 50],
    5: [30, 10, 20],
    6: [40, 20, 30],
    7: [50, 30, 40],
    8: [10, 40, 50],
    9: [20, 50, 10],
  };

  it('places 10 partitions x RF 3 over 5 brokers from a fixed start and shift, brokers sorted by id', () => {
    const brokers = plain(30, 10, 50, 20, 40);
    expect(asObject(placeReplicas(brokers, 10, 3, { startIndex: 2, replicaShift: 1 }))).toEqual(expected);
  });

  it('draws the start, then the shift, each in [0, brokers) from the injected random source', () => {
    const draws = [0.5, 0.25]; // floor(0.5 * 5) = 2, floor(0.25 * 5) = 1
    const random = () => draws.shift() ?? 0.99;
    expect(asObject(placeReplicas(plain(10, 20, 30, 40, 50), 10, 3, { random }))).toEqual(expected);
    expect(draws).toEqual([]);
  });

  it('uses a given start index as the shift too, as Kafka does (Kafka test data, start 0)', () => {
    expect(asObject(placeReplicas(plain(0, 1, 2, 3, 4), 10, 3, { startIndex: 0 }))).toEqual({
      0: [0, 1, 2],
      1: [1, 2, 3],
      2: [2, 3, 4],
      3: [3, 4, 0],
      4: [4, 0, 1],
      5: [0, 2, 3],
      6: [1, 3, 4],
      7: [2, 4, 0],
      8: [3, 0, 1],
      9: [4, 1, 2],
    });
  });

  it('numbers partitions from firstPartition and bumps the shift when that id wraps the broker count', () => {
    // Partitions 4..6 of 3 brokers, start 0, shift 0: the shift becomes 1 at partition 6.
    expect(asObject(placeReplicas(plain(1, 2, 3), 3, 2, { startIndex: 0, firstPartition: 4 }))).toEqual({
      4: [2, 3],
      5: [3, 1],
      6: [1, 3],
    });
  });

  it('places a single replica on a single broker', () => {
    expect(asObject(placeReplicas(plain(7), 3, 1, { random: () => 0 }))).toEqual({ 0: [7], 1: [7], 2: [7] });
  });
});

describe('placeReplicas with racks', () => {
  it('interleaves brokers by rack and puts each partition on three racks (6 brokers, 3 racks)', () => {
    // Racks a: 1, 2; b: 3, 4; c: 5, 6 -> interleaved [1, 3, 5, 2, 4, 6]. Start 1, shift 1: the
    // follower walk begins 1 + (1 x 3 racks) mod 5 = 4 places past the leader.
    const brokers = racked({ 1: 'a', 2: 'a', 3: 'b', 4: 'b', 5: 'c', 6: 'c' });
    const assignment = placeReplicas(brokers, 6, 3, { startIndex: 1, replicaShift: 1 });
    expect(asObject(assignment)).toEqual({
      0: [3, 6, 1],
      1: [5, 1, 3],
      2: [2, 3, 5],
      3: [4, 5, 2],
      4: [6, 2, 4],
      5: [1, 4, 6],
    });
    const leaders = count([...assignment.values()].map((r) => r[0] as number));
    expect([...leaders.values()]).toEqual([1, 1, 1, 1, 1, 1]);
  });

  it("matches Kafka's documented example, including the shifted followers of a second round", () => {
    const brokers = racked({ 0: 'rack1', 1: 'rack3', 2: 'rack3', 3: 'rack2', 4: 'rack2', 5: 'rack1' });
    // Interleaved: 0, 3, 1, 5, 4, 2.
    expect(asObject(placeReplicas(brokers, 7, 3, { startIndex: 0 }))).toEqual({
      0: [0, 3, 1],
      1: [3, 1, 5],
      2: [1, 5, 4],
      3: [5, 4, 2],
      4: [4, 2, 0],
      5: [2, 0, 3],
      6: [0, 4, 2],
    });
  });

  it('passes over brokers on racks that already hold a replica until every rack has one', () => {
    // Racks a: 0, 3, 4; b: 1; c: 2 -> interleaved [0, 1, 2, 3, 4]; start and shift 2, so the walk
    // begins 1 + (2 x 3) mod 4 = 3 places past the leader. Partition 2 (leader 4, rack a) takes 2
    // (c), skips 3 and 0 (a again while b has nothing), takes 1 (b), then, every rack covered,
    // skips 2 (already a replica) and takes 3.
    const brokers = racked({ 0: 'a', 1: 'b', 2: 'c', 3: 'a', 4: 'a' });
    expect(asObject(placeReplicas(brokers, 6, 4, { startIndex: 2 }))).toEqual({
      0: [2, 0, 1, 3],
      1: [3, 1, 2, 4],
      2: [4, 2, 1, 3],
      3: [0, 1, 2, 3],
      4: [1, 4, 2, 3],
      5: [2, 4, 1, 3],
    });
  });

  it('places without racks when told to ignore them, even if only some brokers have one', () => {
    const mixed: PlacementBroker[] = [
      { id: 0, rack: 'a' },
      { id: 1, rack: null },
      { id: 2, rack: 'a' },
    ];
    const options = { startIndex: 1, replicaShift: 0 };
    expect(placeReplicas(mixed, 6, 2, { ...options, ignoreRacks: true })).toEqual(
      placeReplicas(plain(0, 1, 2), 6, 2, options),
    );
  });
});

describe('placeReplicas invariants over random seeds', () => {
  for (let seed = 1; seed <= 200; seed++) {
    const random = seeded(seed);
    const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
    const brokerCount = int(1, 9);
    const ids = new Set<number>();
    while (ids.size < brokerCount) ids.add(int(0, 100));
    const rackCount = int(1, 4);
    const withRacks = seed % 2 === 0;
    const brokers = [...ids].map((id) => ({ id, rack: withRacks ? `rack-${int(1, rackCount)}` : null }));
    const distinctRacks = new Set(brokers.map((b) => b.rack)).size;
    const rf = int(1, brokerCount);
    const rounds = int(1, 4);
    const partitions = rounds * brokerCount;
    const firstPartition = int(0, 1) === 0 ? 0 : int(1, 50);

    it(`seed ${seed}: ${partitions} partitions x RF ${rf} over ${brokerCount} brokers${withRacks ? ` on ${distinctRacks} racks` : ''}`, () => {
      const assignment = placeReplicas(brokers, partitions, rf, { random, firstPartition });
      expect([...assignment.keys()]).toEqual(
        Array.from({ length: partitions }, (_, i) => firstPartition + i),
      );
      for (const replicas of assignment.values()) {
        expect(replicas).toHaveLength(rf);
        expect(new Set(replicas).size).toBe(rf);
        for (const id of replicas) expect(ids.has(id)).toBe(true);
        if (withRacks) {
          const racks = new Set(replicas.map((id) => brokers.find((b) => b.id === id)?.rack));
          expect(racks.size).toBe(Math.min(rf, distinctRacks));
        }
      }
      // Whole rounds over the brokers: every broker leads the same number of partitions.
      const leaders = count([...assignment.values()].map((r) => r[0] as number));
      expect(leaders.size).toBe(brokerCount);
      for (const n of leaders.values()) expect(n).toBe(rounds);
      if (!withRacks && firstPartition % brokerCount === 0) {
        // Without racks each whole round (same shift throughout) gives every broker RF replicas.
        const held = count([...assignment.values()].flat());
        for (const n of held.values()) expect(n).toBe(rounds * rf);
      }
    });
  }

  it('spreads replicas evenly when RF equals the rack count and racks are the same size', () => {
    // Racks r0: 0, 3, 6, 9; r1: 1, 4, 7, 10; r2: 2, 5, 8, 11.
    const brokers = Array.from({ length: 12 }, (_, id) => ({ id, rack: `r${id % 3}` }));
    for (let seed = 1; seed <= 50; seed++) {
      const assignment = placeReplicas(brokers, 96, 3, { random: seeded(seed) });
      const held = count([...assignment.values()].flat());
      expect(held.size).toBe(12);
      for (const n of held.values()) expect(n).toBe(24);
    }
  });

  it('keeps leaders within one of each other when partitions are not a multiple of brokers', () => {
    for (let seed = 1; seed <= 50; seed++) {
      const assignment = placeReplicas(plain(1, 2, 3, 4, 5, 6, 7), 7 + (seed % 7), 3, {
        random: seeded(seed),
      });
      const leaders = [...count([...assignment.values()].map((r) => r[0] as number)).values()];
      expect(Math.max(...leaders) - Math.min(...leaders)).toBeLessThanOrEqual(1);
    }
  });
});

describe('placeReplicas errors', () => {
  it('rejects fewer than one partition with INVALID_PARTITIONS', () => {
    for (const partitions of [0, -1]) {
      const err = placementError(() => placeReplicas(plain(1, 2), partitions, 1));
      expect(err.kind).toBe('INVALID_PARTITIONS');
      expect(err.message).toBe('Number of partitions must be larger than 0.');
    }
  });

  it('rejects a replication factor below one with INVALID_REPLICATION_FACTOR', () => {
    const err = placementError(() => placeReplicas(plain(1, 2), 3, 0));
    expect(err.kind).toBe('INVALID_REPLICATION_FACTOR');
    expect(err.message).toBe('Replication factor must be larger than 0.');
  });

  it('rejects a replication factor above the broker count, naming both', () => {
    const err = placementError(() => placeReplicas(plain(1, 2), 3, 3));
    expect(err.kind).toBe('INVALID_REPLICATION_FACTOR');
    expect(err.message).toBe('Replication factor: 3 larger than available brokers: 2.');
    expect(placementError(() => placeReplicas([], 1, 1)).message).toBe(
      'Replication factor: 1 larger than available brokers: 0.',
    );
  });

  it('checks partitions before the replication factor, as Kafka does', () => {
    expect(placementError(() => placeReplicas(plain(1), 0, 5)).kind).toBe('INVALID_PARTITIONS');
  });

  it('rejects racks on only some brokers with UNKNOWN_SERVER_ERROR (what Kafka answers)', () => {
    const err = placementError(() =>
      placeReplicas(
        [
          { id: 1, rack: 'a' },
          { id: 2, rack: null },
        ],
        1,
        1,
      ),
    );
    expect(err.kind).toBe('UNKNOWN_SERVER_ERROR');
    expect(err.message).toBe('Not all brokers have rack information for replica rack aware assignment.');
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('PlacementError');
  });

  it('treats malformed input (non-integers, negative positions, duplicate brokers) as a caller bug', () => {
    expect(() => placeReplicas(plain(1, 2), 1.5, 1)).toThrow(RangeError);
    expect(() => placeReplicas(plain(1, 2), 2, 1, { startIndex: -1 })).toThrow(RangeError);
    expect(() => placeReplicas(plain(1, 2), 2, 1, { firstPartition: 0.5 })).toThrow(RangeError);
    expect(() => placeReplicas(plain(1, 1), 2, 1)).toThrow('broker 1 is listed twice');
  });
});

describe('placeAdditionalPartitions', () => {
  it("continues from the current count, starting at partition 0's leader with RF from partition 0", () => {
    // Start = position of broker 2 = 2, used as the shift as well; partitions 3..6; the shift
    // becomes 3 at partition 5.
    const existing = new Map([
      [0, [2, 3, 4]],
      [1, [3, 4, 0]],
      [2, [4, 0, 1]],
    ]);
    expect(asObject(placeAdditionalPartitions(plain(4, 3, 2, 1, 0), existing, 7))).toEqual({
      3: [0, 3, 4],
      4: [1, 4, 0],
      5: [2, 1, 3],
      6: [3, 2, 4],
    });
  });

  it("matches Kafka's AddPartitionsTest placements", () => {
    const brokers = plain(0, 1, 2, 3);
    expect(asObject(placeAdditionalPartitions(brokers, new Map([[0, [1, 2]]]), 3))).toEqual({
      1: [2, 0],
      2: [3, 1],
    });
    expect(asObject(placeAdditionalPartitions(brokers, new Map([[0, [2, 3, 0, 1]]]), 7))).toEqual({
      1: [3, 2, 0, 1],
      2: [0, 3, 1, 2],
      3: [1, 0, 2, 3],
      4: [2, 3, 0, 1],
      5: [3, 0, 1, 2],
      6: [0, 1, 2, 3],
    });
  });

  it('starts at the first broker with a higher id when the leader is gone, or at 0 past the last', () => {
    const existing = (leader: number) => new Map([[0, [leader]]]);
    expect(asObject(placeAdditionalPartitions(plain(10, 20, 30), existing(15), 3))).toEqual({
      1: [30],
      2: [10],
    });
    expect(asObject(placeAdditionalPartitions(plain(10, 20, 30), existing(99), 3))).toEqual({
      1: [20],
      2: [30],
    });
  });

  it('finds the start in id order but walks the rack-interleaved list, as Kafka does', () => {
    // Ids 1..6 -> broker 2 is at position 1; interleaved [1, 3, 5, 2, 4, 6]: partition 2 leads on
    // position (2 + 1) = 3 (broker 2), followers 1 + (1 x 3) mod 5 = 4 places further on.
    const brokers = racked({ 1: 'a', 2: 'a', 3: 'b', 4: 'b', 5: 'c', 6: 'c' });
    const existing = new Map([
      [0, [2, 3]],
      [1, [4, 5]],
    ]);
    expect(asObject(placeAdditionalPartitions(brokers, existing, 4))).toEqual({ 2: [2, 3], 3: [4, 5] });
  });

  it('rejects a count that is not an increase with INVALID_PARTITIONS', () => {
    const existing = new Map([
      [0, [1]],
      [1, [2]],
    ]);
    for (const total of [2, 1]) {
      const err = placementError(() => placeAdditionalPartitions(plain(1, 2), existing, total));
      expect(err.kind).toBe('INVALID_PARTITIONS');
      expect(err.message).toBe(
        `The number of partitions for a topic can only be increased. The topic currently has 2 partitions, ${total} would not be an increase.`,
      );
    }
  });

  it('rejects an existing assignment without partition 0, and an RF above the brokers left', () => {
    const missing = placementError(() => placeAdditionalPartitions(plain(1, 2), new Map([[1, [1]]]), 3));
    expect(missing.kind).toBe('UNKNOWN_SERVER_ERROR');
    expect(missing.message).toMatch(/partition id 0 is missing/);
    const tooFew = placementError(() => placeAdditionalPartitions(plain(1), new Map([[0, [1, 2]]]), 2));
    expect(tooFew.kind).toBe('INVALID_REPLICATION_FACTOR');
  });
});
