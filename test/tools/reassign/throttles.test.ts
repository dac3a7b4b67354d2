// The replication throttle of a reassignment: which brokers and replicas it covers (as Kafka's
// tool computes them), setting it (a refusal is reported, naming the broker and the error) and
// removing only what is set.
import { describe, expect, it } from 'vitest';
import {
  FOLLOWER_RATE,
  FOLLOWER_REPLICAS,
  LEADER_RATE,
  LEADER_REPLICAS,
  clearThrottles,
  movesOf,
  setThrottle,
  throttlePlan,
} from '../../../tools/reassign/throttles.js';
import type { PartitionState } from '../../../tools/reassign/reassign-admin.js';
import { FakeCluster, captured } from './fake-cluster.js';

const state = (topic: string, partition: number, replicas: number[]): [string, PartitionState] => [
  `${topic}-${partition}`,
  { topic, partition, leader: replicas[0]!, replicas, isr: replicas },
];
const planned = (topic: string, partition: number, replicas: number[]) => ({
  topic,
  partition,
  replicas,
  logDirs: replicas.map(() => 'any'),
});

describe('movesOf and throttlePlan', () => {
  const current = new Map([state('t', 0, [1, 2]), state('t', 1, [2, 3]), state('u', 0, [1, 2])]);

  it('throttles the current replicas as leaders and the added ones as followers', () => {
    const moves = movesOf([planned('t', 0, [2, 3]), planned('t', 1, [3, 2])], current, []);
    expect(moves).toEqual([
      { topic: 't', partition: 0, sources: [1, 2], destinations: [3] },
      { topic: 't', partition: 1, sources: [2, 3], destinations: [] },
    ]);
    const plan = throttlePlan(moves);
    // t-1 only reorders its replicas: it copies nothing and is not throttled.
    expect(plan.topics).toEqual(new Map([['t', { leader: '0:1,0:2', follower: '0:3' }]]));
    expect(plan.brokers).toEqual([1, 2, 3]);
  });

  it('keeps moves in progress, copying from the replicas they had before', () => {
    const inProgress = [
      { topic: 'u', partition: 0, replicas: [3, 4, 1, 2], adding: [3, 4], removing: [1, 2] },
    ];
    const plan = throttlePlan(movesOf([planned('t', 0, [1, 4])], current, inProgress));
    expect(plan.topics.get('u')).toEqual({ leader: '0:1,0:2', follower: '0:3,0:4' });
    expect(plan.topics.get('t')).toEqual({ leader: '0:1,0:2', follower: '0:4' });
    expect(plan.brokers).toEqual([1, 2, 3, 4]);
  });

  it('a plan given again for a partition already moving counts from its original replicas', () => {
    const inProgress = [{ topic: 't', partition: 0, replicas: [3, 1, 2], adding: [3], removing: [1] }];
    const moves = movesOf([planned('t', 0, [3, 4])], current, inProgress);
    expect(moves).toEqual([{ topic: 't', partition: 0, sources: [1, 2], destinations: [3, 4] }]);
  });
});

describe('setThrottle', () => {
  const plan = { brokers: [1, 3], topics: new Map([['t', { leader: '0:1', follower: '0:3' }]]) };

  it('sets both rates on every broker and both lists on every topic', async () => {
    const cluster = new FakeCluster([]);
    const out = captured();
    expect(await setThrottle(cluster, out, plan, 5000)).toEqual([]);
    for (const id of [1, 3])
      expect(cluster.configs.get(`broker:${id}`)).toEqual(
        new Map([
          [LEADER_RATE, '5000'],
          [FOLLOWER_RATE, '5000'],
        ]),
      );
    expect(cluster.configs.get('topic:t')).toEqual(
      new Map([
        [LEADER_REPLICAS, '0:1'],
        [FOLLOWER_REPLICAS, '0:3'],
      ]),
    );
    expect(out.stdout).toContain('The replication throttle was set to 5000 B/s on brokers 1,3.');
    expect(out.stdout).toContain('Throttled replicas of topic t: leader 0:1; follower 0:3.');
  });

  it('reports what a broker refuses, with the Kafka error name', async () => {
    const cluster = new FakeCluster([]);
    cluster.refused.add(LEADER_RATE);
    const refused = await setThrottle(cluster, captured(), plan, 5000);
    expect(refused).toHaveLength(2);
    expect(refused[0]).toContain(`broker 1 refused ${LEADER_RATE} and ${FOLLOWER_RATE}`);
    expect(refused[0]).toContain('INVALID_CONFIG');
  });
});

describe('clearThrottles', () => {
  it('removes only the throttle configs that are set, and says where', async () => {
    const cluster = new FakeCluster([]);
    cluster.configs.set(
      'broker:1',
      new Map([
        [LEADER_RATE, '10'],
        [FOLLOWER_RATE, '10'],
        ['other', 'x'],
      ]),
    );
    cluster.configs.set(
      'topic:t',
      new Map([
        [FOLLOWER_REPLICAS, '0:3'],
        ['retention.ms', '5'],
      ]),
    );
    cluster.configs.set('topic:u', new Map([['retention.ms', '5']]));
    const out = captured();
    await clearThrottles(cluster, out, [1, 2], ['t', 'u']);
    expect(cluster.configs.get('broker:1')).toEqual(new Map([['other', 'x']]));
    expect(cluster.configs.get('topic:t')).toEqual(new Map([['retention.ms', '5']]));
    expect(out.stdout).toBe(
      'Removed the replication throttle rates from broker 1.\nRemoved the throttled replica lists from topic t.\n',
    );
    // Nothing set: nothing changed, nothing said.
    const quiet = captured();
    const calls = cluster.calls.length;
    await clearThrottles(cluster, quiet, [1, 2], ['t', 'u']);
    expect(quiet.stdout).toBe('');
    expect(cluster.calls.length).toBe(calls);
  });
});
