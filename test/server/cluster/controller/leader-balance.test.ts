// Auto leader balancing's choice of partitions, without a cluster.
import { describe, expect, it } from 'vitest';
import type { KnownPartition } from '../../../../server/cluster/controller/controller-requests.js';
import { imbalancedPartitions } from '../../../../server/cluster/controller/leader-balance.js';
import type { Liveness } from '../../../../server/cluster/controller/partition-leader-election.js';

const up = (live: number[], shuttingDown: number[] = []): Liveness => ({
  live: new Set(live),
  shuttingDown: new Set(shuttingDown),
});
const p = (replicas: number[], leader: number, isr = replicas, moving = false): KnownPartition => ({
  replicas,
  adding: moving ? [replicas[0]!] : [],
  removing: [],
  leader,
  isr,
  leaderEpoch: 1,
  controllerEpoch: 1,
  zkVersion: 0,
});
const topic = (...partitions: KnownPartition[]) =>
  new Map([['t', new Map(partitions.map((x, i) => [i, x]))]]);

describe('auto leader balancing', () => {
  it('moves back the partitions a broker is preferred for once more than the percentage are led elsewhere', () => {
    const byTopic = topic(p([1, 2], 2), p([1, 2], 1), p([1, 2], 1), p([2, 1], 2));
    // Broker 1: 1 of 3 led elsewhere (33%).
    expect(imbalancedPartitions(byTopic, up([1, 2]), 10)).toEqual([{ topic: 't', partition: 0 }]);
    expect(imbalancedPartitions(byTopic, up([1, 2]), 40)).toEqual([]);
  });

  it('counts partitions whose preferred replica is out of sync, but moves only where it is in sync', () => {
    const byTopic = topic(p([1, 2], 2, [2]), p([1, 2], 2, [1, 2]), p([1, 2], 1));
    expect(imbalancedPartitions(byTopic, up([1, 2]), 50)).toEqual([{ topic: 't', partition: 1 }]);
  });

  it('leaves brokers that are down or shutting down, and partitions being moved', () => {
    const byTopic = topic(p([1, 2], 2), p([3, 2], 2, [3, 2], true));
    expect(imbalancedPartitions(byTopic, up([2]), 10)).toEqual([]);
    expect(imbalancedPartitions(byTopic, up([1, 2], [1]), 10)).toEqual([]);
    expect(imbalancedPartitions(byTopic, up([1, 2, 3]), 10)).toEqual([{ topic: 't', partition: 0 }]);
  });
});
