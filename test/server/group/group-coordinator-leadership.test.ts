// The group coordinator following __consumer_offsets leadership (cluster mode), with a stand-in
// replica manager saying which partitions this broker leads.
import { afterEach, describe, expect, it } from 'vitest';
import { GroupCoordinator } from '../../../server/group/group-coordinator.js';
import { OFFSETS_TOPIC, partitionForGroup } from '../../../server/group/offset-store.js';
import { ErrorCode } from '../../../server/protocol/error-codes.js';
import { FakeOffsetsReplicas } from '../../helpers/fake-offsets-replicas.js';
import { atOnce, openTestBroker, type TestBroker } from '../../helpers/group-context.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';

describe('the group coordinator across leadership changes', () => {
  let dir: string;
  let broker: TestBroker;
  let coordinator: GroupCoordinator;
  afterEach(() => {
    coordinator.close();
    broker.close();
    removeTempDir(dir);
  });

  it('a partition whose load waited behind another answered OffsetFetch with "no offset" instead of COORDINATOR_LOAD_IN_PROGRESS', async () => {
    dir = makeTempDir('kiln-coordinator-');
    broker = openTestBroker(dir);
    coordinator = await GroupCoordinator.open(broker.context);
    broker.context.topics.create('t', 1, 1, {});
    coordinator.store.ensureTopic();
    const group = 'g';
    const mine = partitionForGroup(group, coordinator.store.partitions);
    const other = (mine + 1) % coordinator.store.partitions;
    const commit = coordinator.commitOffsets({
      groupId: group,
      generationId: -1,
      memberId: '',
      groupInstanceId: null,
      topics: [
        {
          name: 't',
          partitions: [
            {
              partitionIndex: 0,
              committedOffset: 42,
              committedLeaderEpoch: -1,
              commitTimestamp: -1,
              committedMetadata: '',
            },
          ],
        },
      ],
    });
    expect(atOnce(commit)[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NONE);
    const leading = new Set<number>();
    (broker.context as { replicas?: unknown }).replicas = {
      leaderError: (topic: string, p: number) =>
        topic === OFFSETS_TOPIC && !leading.has(p) ? ErrorCode.NOT_LEADER_OR_FOLLOWER : ErrorCode.NONE,
    };
    await coordinator.offsetsLeadershipChanged(other, false);
    await coordinator.offsetsLeadershipChanged(mine, false);
    expect(coordinator.fetchOffsets(group, [{ name: 't', partitionIndexes: [0] }]).errorCode).toBe(
      ErrorCode.NOT_COORDINATOR,
    );
    // Both come back in one LeaderAndIsr; the first one's load takes a while.
    const store = coordinator.store;
    const reload = store.reloadPartition.bind(store);
    store.reloadPartition = async (p: number) => {
      if (p === other) await new Promise((resolve) => setTimeout(resolve, 200));
      return reload(p);
    };
    leading.add(other);
    leading.add(mine);
    const loads = [
      coordinator.offsetsLeadershipChanged(other, true),
      coordinator.offsetsLeadershipChanged(mine, true),
    ];
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(coordinator.fetchOffsets(group, [{ name: 't', partitionIndexes: [0] }]).errorCode).toBe(
      ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
    );
    await Promise.all(loads);
    const loaded = coordinator.fetchOffsets(group, [{ name: 't', partitionIndexes: [0] }]);
    expect(loaded.errorCode).toBe(ErrorCode.NONE);
    expect(loaded.topics[0]!.partitions[0]!.committedOffset).toBe(42);
  });

  it('lead, lose, lead again: the second load is still marked after the first one ends (its OffsetFetch said "no offset")', async () => {
    dir = makeTempDir('kiln-coordinator-');
    broker = openTestBroker(dir);
    coordinator = await GroupCoordinator.open(broker.context);
    broker.context.topics.create('t', 1, 1, {});
    coordinator.store.ensureTopic();
    const group = 'g';
    const mine = partitionForGroup(group, coordinator.store.partitions);
    (broker.context as { replicas?: unknown }).replicas = {
      leaderError: () => ErrorCode.NONE,
    };
    const store = coordinator.store;
    const reload = store.reloadPartition.bind(store);
    let loads = 0;
    store.reloadPartition = async (p: number) => {
      // The second load takes a while.
      if (++loads === 2) await new Promise((resolve) => setTimeout(resolve, 300));
      return reload(p);
    };
    const queued = [
      coordinator.offsetsLeadershipChanged(mine, true),
      coordinator.offsetsLeadershipChanged(mine, false),
      coordinator.offsetsLeadershipChanged(mine, true),
    ];
    await queued[0];
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(coordinator.fetchOffsets(group, [{ name: 't', partitionIndexes: [0] }]).errorCode).toBe(
      ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
    );
    await Promise.all(queued);
    expect(coordinator.fetchOffsets(group, [{ name: 't', partitionIndexes: [0] }]).errorCode).toBe(
      ErrorCode.NONE,
    );
  });

  it('at start in a cluster loads only the partitions this broker leads: none until the controller says', async () => {
    dir = makeTempDir('kiln-coordinator-');
    broker = openTestBroker(dir);
    coordinator = await GroupCoordinator.open(broker.context);
    broker.context.topics.create('t', 1, 1, {});
    coordinator.store.ensureTopic();
    const count = coordinator.store.partitions;
    // Two groups in two partitions, both with offsets in the data directory.
    const groups = ['a', 'b', 'c', 'd', 'e'];
    const led = groups[0]!;
    const followed = groups.find((g) => partitionForGroup(g, count) !== partitionForGroup(led, count))!;
    for (const groupId of [led, followed]) {
      const commit = coordinator.commitOffsets({
        groupId,
        generationId: -1,
        memberId: '',
        groupInstanceId: null,
        topics: [
          {
            name: 't',
            partitions: [
              {
                partitionIndex: 0,
                committedOffset: 5,
                committedLeaderEpoch: -1,
                commitTimestamp: -1,
                committedMetadata: '',
              },
            ],
          },
        ],
      });
      expect(atOnce(commit)[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NONE);
    }
    coordinator.close();
    broker.close();
    // Restarted as a cluster broker that leads the first group's partition only.
    broker = openTestBroker(dir);
    const replicas = new FakeOffsetsReplicas().install(broker.context);
    replicas.leading = new Set([partitionForGroup(led, count)]);
    coordinator = await GroupCoordinator.open(broker.context);
    expect(coordinator.store.hasOffsets(led)).toBe(true);
    expect(coordinator.store.hasOffsets(followed)).toBe(false);
    // Told to lead the other one, it loads it then.
    replicas.leading.add(partitionForGroup(followed, count));
    await coordinator.offsetsLeadershipChanged(partitionForGroup(followed, count), true);
    expect(coordinator.store.hasOffsets(followed)).toBe(true);
  });
});
