// The placement --generate proposes: Kafka's round robin (checked against the layout Kafka's
// AdminUtils documents for a fixed start), even spread of leaders and replicas, racks respected,
// the same answer every time, and the cases it refuses.
import { describe, expect, it } from 'vitest';
import {
  placePartition,
  proposeAssignment,
  rackAlternated,
  type PartitionReplicas,
} from '../../../tools/reassign/balanced-assignment.js';

const brokers = (ids: number[], rack?: (id: number) => string) =>
  ids.map((id) => ({ id, rack: rack ? rack(id) : null }));
const topic = (name: string, partitions: number, rf: number): PartitionReplicas[] =>
  Array.from({ length: partitions }, (_, partition) => ({
    topic: name,
    partition,
    replicas: Array.from({ length: rf }, (_, i) => 100 + i),
  }));
const count = (lists: number[][], pick: (l: number[]) => number[]) => {
  const c = new Map<number, number>();
  for (const l of lists) for (const b of pick(l)) c.set(b, (c.get(b) ?? 0) + 1);
  return c;
};

describe('placePartition (the round robin)', () => {
  it('gives the layout Kafka documents for 5 brokers, 10 partitions, 3 replicas, start 0', () => {
    // Kafka's AdminUtils comment: which partitions' first, second and third replicas each broker holds.
    const layout = Array.from({ length: 10 }, (_, p) => placePartition([0, 1, 2, 3, 4], null, p, 3, 0));
    const holding = (broker: number, j: number) =>
      layout.flatMap((replicas, p) => (replicas[j] === broker ? [p] : []));
    expect([0, 1, 2, 3, 4].map((b) => holding(b, 0))).toEqual([
      [0, 5],
      [1, 6],
      [2, 7],
      [3, 8],
      [4, 9],
    ]);
    expect([0, 1, 2, 3, 4].map((b) => holding(b, 1))).toEqual([
      [4, 8],
      [0, 9],
      [1, 5],
      [2, 6],
      [3, 7],
    ]);
    expect([0, 1, 2, 3, 4].map((b) => holding(b, 2))).toEqual([
      [3, 7],
      [4, 8],
      [0, 9],
      [1, 5],
      [2, 6],
    ]);
  });

  it('never puts a broker twice in one partition', () => {
    for (let p = 0; p < 40; p++)
      for (let rf = 1; rf <= 4; rf++) {
        const replicas = placePartition([1, 2, 3, 4], null, p, rf, p % 3);
        expect(new Set(replicas).size).toBe(rf);
      }
  });
});

describe('rackAlternated', () => {
  it("alternates racks as in Kafka's example (0:rack1 1:rack3 2:rack3 3:rack2 4:rack2 5:rack1)", () => {
    const racks = ['rack1', 'rack3', 'rack3', 'rack2', 'rack2', 'rack1'];
    expect(rackAlternated(brokers([0, 1, 2, 3, 4, 5], (id) => racks[id]!))).toEqual([0, 3, 1, 5, 4, 2]);
  });
});

describe('proposeAssignment', () => {
  it('spreads preferred leaders and replicas evenly, keeping the replication factor', () => {
    const proposed = proposeAssignment(topic('t', 6, 2), brokers([3, 1, 2]), true);
    expect(proposed.map((p) => p.partition)).toEqual([0, 1, 2, 3, 4, 5]);
    const lists = proposed.map((p) => p.replicas);
    expect(lists.every((l) => l.length === 2 && l[0] !== l[1])).toBe(true);
    expect(count(lists, (l) => [l[0]!])).toEqual(
      new Map([
        [1, 2],
        [2, 2],
        [3, 2],
      ]),
    );
    expect(count(lists, (l) => l)).toEqual(
      new Map([
        [1, 4],
        [2, 4],
        [3, 4],
      ]),
    );
    // The followers shift once the leaders went round: every leader/follower pair appears once.
    expect(new Set(lists.map((l) => l.join())).size).toBe(6);
  });

  it('is the same every time it is asked', () => {
    const current = [...topic('b', 5, 3), ...topic('a', 4, 2)];
    const once = proposeAssignment(current, brokers([1, 2, 3, 4]), true);
    expect(proposeAssignment([...current].reverse(), brokers([4, 3, 2, 1]), true)).toEqual(once);
  });

  it('continues the round robin across topics, so single-partition topics get different leaders', () => {
    const current = ['a', 'b', 'c', 'd'].flatMap((t) => topic(t, 1, 1));
    const leaders = proposeAssignment(current, brokers([1, 2, 3]), true).map((p) => p.replicas[0]);
    expect(leaders.slice(0, 3).sort()).toEqual([1, 2, 3]);
  });

  it("keeps each partition's own replication factor", () => {
    const current = [
      { topic: 't', partition: 0, replicas: [1] },
      { topic: 't', partition: 1, replicas: [1, 2, 3] },
      { topic: 't', partition: 2, replicas: [2, 3] },
    ];
    expect(proposeAssignment(current, brokers([4, 5, 6]), true).map((p) => p.replicas.length)).toEqual([
      1, 3, 2,
    ]);
  });

  it('places the replicas of a partition on different racks when the brokers have racks', () => {
    const rack = (id: number) => `r${id % 3}`;
    const proposed = proposeAssignment(topic('t', 12, 3), brokers([1, 2, 3, 4, 5, 6], rack), true);
    for (const p of proposed) expect(new Set(p.replicas.map(rack)).size).toBe(3);
    expect(
      count(
        proposed.map((p) => p.replicas),
        (l) => [l[0]!],
      ).size,
    ).toBe(6);
    // Two racks for three replicas: both racks used, no broker twice.
    const two = proposeAssignment(
      topic('u', 8, 3),
      brokers([1, 2, 3, 4], (id) => `r${id % 2}`),
      true,
    );
    for (const p of two) {
      expect(new Set(p.replicas).size).toBe(3);
      expect(new Set(p.replicas.map((id) => id % 2)).size).toBe(2);
    }
  });

  it('refuses brokers with and without racks mixed, unless rack awareness is off', () => {
    const mixed = [...brokers([1, 2], () => 'r1'), ...brokers([3])];
    expect(() => proposeAssignment(topic('t', 3, 2), mixed, true)).toThrow(
      'only some of the brokers have a rack (3 have none); add --disable-rack-aware',
    );
    expect(proposeAssignment(topic('t', 3, 2), mixed, false)).toHaveLength(3);
  });

  it('refuses a replication factor larger than the broker list', () => {
    expect(() => proposeAssignment(topic('t', 2, 3), brokers([1, 2]), true)).toThrow(
      't-0 has 3 replicas but --broker-list names only 2 brokers',
    );
  });
});
