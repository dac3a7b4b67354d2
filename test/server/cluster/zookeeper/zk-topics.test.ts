import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZkClient } from '../../../../server/cluster/zookeeper/zk-client.js';
import {
  createTopic,
  ensurePartitionParents,
  markForDeletion,
  partitionState,
  stateUpdate,
  statesToCreate,
  TopicExistsError,
  topicAssignment,
  topicConfig,
  topicNames,
} from '../../../../server/cluster/zookeeper/zk-topics.js';
import { PERSISTENT_PATHS } from '../../../../server/cluster/zookeeper/znodes.js';
import { waitFor } from '../../../helpers/wait-for.js';
import { startZooKeeper, type RunningZooKeeper } from '../../../helpers/zookeeper.js';

let zookeeper: RunningZooKeeper;
let zk: ZkClient;

beforeAll(async () => {
  zookeeper = await startZooKeeper();
  zk = await ZkClient.connect(`${zookeeper.connect}/topics-test`, {
    sessionTimeoutMs: 10_000,
    connectionTimeoutMs: 10_000,
  });
  for (const p of PERSISTENT_PATHS) await zk.ensurePath(p);
});

afterAll(async () => {
  zk?.close();
  await zookeeper?.stop();
});

const assignment = (partitions: [number, number[]][]) => ({
  topicId: 'Ymw0p3SbRP2eTcSjbm4h5A',
  partitions: new Map(partitions),
  addingReplicas: new Map<number, number[]>(),
  removingReplicas: new Map<number, number[]>(),
});

describe('topics kept in ZooKeeper', () => {
  it('creates a topic with its config and assignment, once', async () => {
    let changed = false;
    expect(await topicNames(zk, () => (changed = true))).toEqual([]);
    await createTopic(
      zk,
      'orders',
      assignment([
        [0, [1, 2]],
        [1, [2, 1]],
      ]),
      { 'retention.ms': '1000' },
    );
    await waitFor(() => changed, { what: 'the topics watch' });
    expect(await topicNames(zk)).toEqual(['orders']);
    expect(await topicConfig(zk, 'orders')).toEqual({ 'retention.ms': '1000' });
    expect((await topicAssignment(zk, 'orders'))!.partitions.get(1)).toEqual([2, 1]);
    await expect(createTopic(zk, 'orders', assignment([[0, [1]]]), {})).rejects.toBeInstanceOf(
      TopicExistsError,
    );
    expect(await topicAssignment(zk, 'missing')).toBeNull();
    expect(await topicConfig(zk, 'missing')).toEqual({});
  });

  it('writes partition states, and refuses an update based on a stale read', async () => {
    await createTopic(
      zk,
      'states',
      assignment([
        [0, [1, 2]],
        [1, [2, 1]],
      ]),
      {},
    );
    expect(await partitionState(zk, 'states', 0)).toBeNull();
    const first = new Map([
      [0, { leader: 1, leaderEpoch: 0, isr: [1, 2], controllerEpoch: 3 }],
      [1, { leader: 2, leaderEpoch: 0, isr: [2, 1], controllerEpoch: 3 }],
    ]);
    await ensurePartitionParents(zk, 'states', [0, 1]);
    // Twice is fine: parents left by an earlier controller are taken as they are.
    await ensurePartitionParents(zk, 'states', [0]);
    await zk.multi(statesToCreate('states', first));
    expect(await partitionState(zk, 'states', 1)).toEqual({
      leader: 2,
      leaderEpoch: 0,
      isr: [2, 1],
      controllerEpoch: 3,
      zkVersion: 0,
    });
    await zk.multi([
      stateUpdate('states', 0, { leader: 2, leaderEpoch: 1, isr: [2], controllerEpoch: 3 }, 0),
    ]);
    expect(await partitionState(zk, 'states', 0)).toMatchObject({ leader: 2, leaderEpoch: 1, zkVersion: 1 });
    await expect(
      zk.multi([stateUpdate('states', 0, { leader: 1, leaderEpoch: 1, isr: [1], controllerEpoch: 3 }, 0)]),
    ).rejects.toMatchObject({ code: 'BAD_VERSION' });
  });

  it('marks a topic for deletion (twice is the same as once)', async () => {
    await markForDeletion(zk, 'orders');
    await markForDeletion(zk, 'orders');
    expect(await zk.children('/admin/delete_topics')).toEqual(['orders']);
  });
});
