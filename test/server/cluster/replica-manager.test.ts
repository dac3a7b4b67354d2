// ReplicaManager against a stub ZooKeeper: a LeaderAndIsr reads its topics there before it takes
// any role, and a session that expires (or a stop) during those reads makes the request stale.
import { describe, expect, it } from 'vitest';
import { ReplicaManager, type ReplicaManagerOptions } from '../../../server/cluster/replica-manager.js';
import { topicPath, topicZnode } from '../../../server/cluster/zookeeper/znodes.js';
import { ErrorCode } from '../../../server/protocol/error-codes.js';

/** A replica manager of broker 1 whose ZooKeeper answers only once `open()` is called. */
function gatedManager() {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const hosted: string[] = [];
  const zk = {
    async get(path: string) {
      await gate;
      if (path !== topicPath('t')) return null;
      const data = topicZnode.encode({
        topicId: 'AAAAAAAAAAAAAAAAAAAAAA',
        partitions: new Map([[0, [1]]]),
        addingReplicas: new Map(),
        removingReplicas: new Map(),
      } as Parameters<typeof topicZnode.encode>[0]);
      return { data, version: 0 };
    },
  };
  const manager = new ReplicaManager({
    brokerId: 1,
    zk,
    topics: {
      hostReplica: (topic: string) => {
        hosted.push(topic);
        return undefined;
      },
    },
    logs: { getLog: () => undefined, checkpointedHighWatermark: () => 0 },
    cache: {},
    config: {},
    brokerEpoch: () => 1,
    waiters: {},
    writeIsr: async () => 0,
    log: () => {},
  } as unknown as ReplicaManagerOptions);
  const request = {
    controllerId: 2,
    controllerEpoch: 1,
    brokerEpoch: 1,
    liveLeaders: [],
    ungroupedPartitionStates: [],
    topicStates: [
      {
        topicName: 't',
        partitionStates: [
          {
            partitionIndex: 0,
            controllerEpoch: 1,
            leader: 1,
            leaderEpoch: 3,
            isr: [1],
            zkVersion: 0,
            replicas: [1],
          },
        ],
      },
    ],
  } as unknown as Parameters<ReplicaManager['becomeLeaderOrFollower']>[0];
  return { manager, request, hosted, open };
}

describe('ReplicaManager', () => {
  it("a LeaderAndIsr whose ZooKeeper reads outlast a session expiry takes no role (it reinstated the old session's roles)", async () => {
    const { manager, request, hosted, open } = gatedManager();
    const answer = manager.becomeLeaderOrFollower(request);
    await new Promise((resolve) => setTimeout(resolve, 10));
    manager.suspend();
    open();
    expect(await answer).toEqual([
      { topicName: 't', partitionIndex: 0, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER },
    ]);
    expect(hosted).toEqual([]);
    expect(manager.leaderEpochOf('t', 0)).toBe(-1);
  });

  it('nor one whose reads outlast the broker stopping', async () => {
    const { manager, request, hosted, open } = gatedManager();
    const answer = manager.becomeLeaderOrFollower(request);
    await new Promise((resolve) => setTimeout(resolve, 10));
    await manager.stop();
    open();
    expect((await answer).map((e) => e.errorCode)).toEqual([ErrorCode.NOT_LEADER_OR_FOLLOWER]);
    expect(hosted).toEqual([]);
  });
});
