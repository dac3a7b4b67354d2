// ControlledShutdown on a real ZooKeeper with light brokers (controller-cluster.ts): the
// controller moves the leaving broker's leaderships, takes it out of the ISRs it follows in, and
// answers with what it could not move; other brokers answer NOT_CONTROLLER; an old broker epoch is
// STALE_BROKER_EPOCH.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Connection } from '../../../../server/client/connection.js';
import { ZkClient } from '../../../../server/cluster/zookeeper/zk-client.js';
import {
  createTopic,
  partitionState,
  writeIsrChange,
} from '../../../../server/cluster/zookeeper/zk-topics.js';
import type { TopicAssignment } from '../../../../server/cluster/zookeeper/znodes.js';
import { ControlledShutdownApi } from '../../../../server/protocol/apis/controlled-shutdown.js';
import { ErrorCode } from '../../../../server/protocol/error-codes.js';
import { waitFor } from '../../../helpers/wait-for.js';
import { startZooKeeper, type RunningZooKeeper } from '../../../helpers/zookeeper.js';
import { startTestBroker, type TestBroker } from '../../cluster/controller/controller-cluster.js';

let zookeeper: RunningZooKeeper;
let zk: ZkClient;
const b = new Map<number, TestBroker>();

const assignment = (partitions: Record<number, number[]>): TopicAssignment => ({
  topicId: null,
  partitions: new Map(Object.entries(partitions).map(([p, r]) => [Number(p), r])),
  addingReplicas: new Map(),
  removingReplicas: new Map(),
});

async function online(topic: string, partitions: number): Promise<void> {
  for (let p = 0; p < partitions; p++) {
    await waitFor(async () => (await partitionState(zk, topic, p)) !== null, {
      what: `${topic}-${p} online`,
    });
  }
}

async function ask(to: TestBroker, brokerId: number, brokerEpoch: number) {
  const c = await Connection.open('127.0.0.1', to.port, 'controlled-shutdown-test');
  try {
    return await c.request(ControlledShutdownApi, { brokerId, brokerEpoch });
  } finally {
    c.close();
  }
}

beforeAll(async () => {
  zookeeper = await startZooKeeper();
  const connect = `${zookeeper.connect}/controlled-shutdown`;
  for (const id of [1, 2, 3]) b.set(id, await startTestBroker(connect, id));
  zk = await ZkClient.connect(connect, { sessionTimeoutMs: 10_000, connectionTimeoutMs: 10_000 });
  await createTopic(zk, 's', assignment({ 0: [2, 3], 1: [3, 2], 2: [2], 3: [2, 3] }), {});
  await online('s', 4);
  // s-3's leader dropped its follower: no other ISR member can take it over.
  await writeIsrChange(zk, 's', 3, { leader: 2, leaderEpoch: 0, isr: [2], controllerEpoch: 1 }, 0);
});

afterEach(() => {
  for (const broker of b.values()) broker.stopReplica.splice(0);
});

afterAll(async () => {
  for (const broker of [...b.values()].reverse()) await broker.stop().catch(() => {});
  zk?.close();
  await zookeeper?.stop();
});

describe('ControlledShutdown', () => {
  it('only the controller answers: another broker says NOT_CONTROLLER', async () => {
    const answer = await ask(b.get(3)!, 2, b.get(2)!.membership.brokerEpoch);
    expect(answer).toEqual({ errorCode: ErrorCode.NOT_CONTROLLER, remainingPartitions: [] });
  });

  it('an epoch older than the broker registration is STALE_BROKER_EPOCH, and nothing moves', async () => {
    const answer = await ask(b.get(1)!, 2, b.get(2)!.membership.brokerEpoch - 1);
    expect(answer).toEqual({ errorCode: ErrorCode.STALE_BROKER_EPOCH, remainingPartitions: [] });
    expect(await partitionState(zk, 's', 0)).toMatchObject({ leader: 2, leaderEpoch: 0 });
  });

  it('moves leadership off the broker, takes it out of ISRs, and lists the partitions it still leads', async () => {
    const two = b.get(2)!;
    const answer = await ask(b.get(1)!, 2, two.membership.brokerEpoch);
    // s-2 has one replica (nothing to move to), s-3 no other ISR member.
    expect(answer).toEqual({
      errorCode: ErrorCode.NONE,
      remainingPartitions: [{ topicName: 's', partitionIndex: 3 }],
    });

    expect(await partitionState(zk, 's', 0)).toEqual({
      leader: 3,
      leaderEpoch: 1,
      isr: [3],
      controllerEpoch: 1,
      zkVersion: 1,
    });
    // Followed by 2: it leaves the ISR, and is told to stop fetching (its data kept).
    expect(await partitionState(zk, 's', 1)).toEqual({
      leader: 3,
      leaderEpoch: 1,
      isr: [3],
      controllerEpoch: 1,
      zkVersion: 1,
    });
    expect(await partitionState(zk, 's', 2)).toMatchObject({ leader: 2, leaderEpoch: 0, isr: [2] });
    expect(await partitionState(zk, 's', 3)).toMatchObject({
      leader: 2,
      leaderEpoch: 0,
      isr: [2],
      zkVersion: 1,
    });
    await waitFor(() => two.stopReplica.length > 0, { what: 'StopReplica to broker 2' });
    expect(two.stopReplica).toEqual([
      { partitions: [{ topic: 's', partition: 1 }], deletePartitions: false },
    ]);
    // The new leader, and broker 2 itself (a follower now), are told.
    for (const id of [2, 3]) {
      await waitFor(() => b.get(id)!.leaderAndIsr.some((p) => p.partition === 0 && p.leader === 3), {
        what: `LeaderAndIsr for s-0 to broker ${id}`,
      });
    }
    await waitFor(() => b.get(1)!.membership.metadata.partition('s', 0)?.leader === 3, {
      what: 'UpdateMetadata with the moved leader',
    });

    // A broker shutting down leads nothing new.
    await createTopic(zk, 'later', assignment({ 0: [2, 3] }), {});
    await online('later', 1);
    expect(await partitionState(zk, 'later', 0)).toMatchObject({ leader: 3, isr: [3] });

    // Asked again (as a broker retries), it still lists only what cannot move.
    expect((await ask(b.get(1)!, 2, two.membership.brokerEpoch)).remainingPartitions).toEqual([
      { topicName: 's', partitionIndex: 3 },
    ]);
  });

  it('a broker that is not registered is BROKER_NOT_AVAILABLE', async () => {
    expect((await ask(b.get(1)!, 9, -1)).errorCode).toBe(8);
  });
});
