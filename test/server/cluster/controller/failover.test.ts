// The controller when brokers go and come back, and when leaders change ISRs: states in
// ZooKeeper, and what the surviving brokers' Metadata says. Light brokers (controller-cluster.ts)
// on a real ZooKeeper, one chroot (a cluster of its own) per test. Brokers do not replicate data
// here: what is checked is the controller's decisions.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ZkClient } from '../../../../server/cluster/zookeeper/zk-client.js';
import { writeEntityConfig } from '../../../../server/cluster/zookeeper/zk-configs.js';
import {
  createTopic,
  partitionState,
  writeIsrChange,
} from '../../../../server/cluster/zookeeper/zk-topics.js';
import {
  partitionStatePath,
  partitionStateZnode,
  PATHS,
  type TopicAssignment,
} from '../../../../server/cluster/zookeeper/znodes.js';
import { ErrorCode } from '../../../../server/protocol/error-codes.js';
import { waitFor } from '../../../helpers/wait-for.js';
import { startZooKeeper, type RunningZooKeeper } from '../../../helpers/zookeeper.js';
import { startTestBroker, type TestBroker } from './controller-cluster.js';

let zookeeper: RunningZooKeeper;
let chroots = 0;
const brokers: TestBroker[] = [];
const sessions: ZkClient[] = [];

beforeAll(async () => {
  zookeeper = await startZooKeeper();
});

afterEach(async () => {
  for (const b of brokers.splice(0).reverse()) await b.stop().catch(() => {});
  for (const zk of sessions.splice(0)) zk.close();
});

afterAll(async () => {
  await zookeeper?.stop();
});

/** A cluster of its own: brokers `ids` (the first is the controller) and a session for the test. */
async function cluster(
  ids: number[],
): Promise<{ connect: string; zk: ZkClient; b: Map<number, TestBroker> }> {
  const connect = `${zookeeper.connect}/failover-${++chroots}`;
  const b = new Map<number, TestBroker>();
  for (const id of ids) b.set(id, await start(connect, id));
  const zk = await ZkClient.connect(connect, { sessionTimeoutMs: 10_000, connectionTimeoutMs: 10_000 });
  sessions.push(zk);
  return { connect, zk, b };
}

async function start(connect: string, id: number): Promise<TestBroker> {
  const broker = await startTestBroker(connect, id);
  brokers.push(broker);
  return broker;
}

async function stop(b: TestBroker): Promise<void> {
  brokers.splice(brokers.indexOf(b), 1);
  await b.stop();
}

const assignment = (partitions: Record<number, number[]>): TopicAssignment => ({
  topicId: null,
  partitions: new Map(Object.entries(partitions).map(([p, r]) => [Number(p), r])),
  addingReplicas: new Map(),
  removingReplicas: new Map(),
});

async function stateWhen(
  zk: ZkClient,
  topic: string,
  partition: number,
  test: (s: NonNullable<Awaited<ReturnType<typeof partitionState>>>) => boolean,
  what: string,
): Promise<Awaited<ReturnType<typeof partitionState>>> {
  await waitFor(
    async () => {
      const s = await partitionState(zk, topic, partition);
      return s !== null && test(s);
    },
    { timeoutMs: 20_000, intervalMs: 20, what },
  );
  return partitionState(zk, topic, partition);
}

/** A partition as broker `b`'s Metadata answer describes it. */
async function described(b: TestBroker, topic: string, partition: number) {
  const answer = await b.metadata();
  return answer.topics.find((t) => t.name === topic)?.partitions.find((p) => p.partitionIndex === partition);
}

describe('a broker that goes', () => {
  it('its partitions are led by the next ISR member (epochs bumped), and it leaves the ISRs it followed in', async () => {
    const { zk, b } = await cluster([1, 2, 3]);
    await createTopic(zk, 't', assignment({ 0: [2, 3, 1], 1: [3, 2, 1] }), {});
    // Every live replica starts in the ISR.
    expect(await stateWhen(zk, 't', 1, () => true, 't-1 online')).toEqual({
      leader: 3,
      leaderEpoch: 0,
      isr: [3, 2, 1],
      controllerEpoch: 1,
      zkVersion: 0,
    });

    await stop(b.get(2)!);
    expect(await stateWhen(zk, 't', 0, (s) => s.leader !== 2, 't-0 to move')).toEqual({
      leader: 3,
      leaderEpoch: 1,
      isr: [3, 1],
      controllerEpoch: 1,
      zkVersion: 1,
    });
    expect(await stateWhen(zk, 't', 1, (s) => s.isr.length === 2, 't-1 to lose 2')).toEqual({
      leader: 3,
      leaderEpoch: 1,
      isr: [3, 1],
      controllerEpoch: 1,
      zkVersion: 1,
    });
    for (const survivor of [b.get(1)!, b.get(3)!]) {
      await waitFor(async () => (await described(survivor, 't', 0))?.leaderId === 3, {
        timeoutMs: 20_000,
        intervalMs: 20,
        what: `broker ${survivor.id}'s Metadata to name the new leader`,
      });
      expect(await described(survivor, 't', 0)).toMatchObject({
        errorCode: ErrorCode.NONE,
        leaderId: 3,
        leaderEpoch: 1,
        replicaNodes: [2, 3, 1],
        isrNodes: [3, 1],
        offlineReplicas: [2],
      });
      expect(await described(survivor, 't', 1)).toMatchObject({
        leaderId: 3,
        leaderEpoch: 1,
        isrNodes: [3, 1],
      });
      // Both replicas left were told, with the state's new version.
      expect(survivor.leaderAndIsr).toContainEqual({
        topic: 't',
        partition: 0,
        leader: 3,
        leaderEpoch: 1,
        isr: [3, 1],
        zkVersion: 1,
      });
    }
  });

  it("the controller's own partitions fail over under the controller elected next", async () => {
    const { zk, b } = await cluster([1, 2, 3]);
    await createTopic(zk, 'c', assignment({ 0: [1, 2] }), {});
    await stateWhen(zk, 'c', 0, () => true, 'c-0 online');
    await stop(b.get(1)!);
    expect(await stateWhen(zk, 'c', 0, (s) => s.leader !== 1, 'c-0 to move')).toEqual({
      leader: 2,
      leaderEpoch: 1,
      isr: [2],
      controllerEpoch: 2,
      zkVersion: 1,
    });
    await waitFor(async () => (await described(b.get(3)!, 'c', 0))?.leaderId === 2, {
      timeoutMs: 20_000,
      what: "broker 3's Metadata to name broker 2",
    });
  });

  it('the state is read fresh: an ISR a leader changed since is what the change starts from', async () => {
    const { zk, b } = await cluster([1, 2, 3]);
    await createTopic(zk, 'f', assignment({ 0: [1, 2, 3] }), {});
    await stateWhen(zk, 'f', 0, () => true, 'f-0 online');
    // The leader drops 3 from the ISR; the controller has not heard (no notification).
    const path = partitionStatePath('f', 0);
    await zk.set(
      path,
      partitionStateZnode.encode({ leader: 1, leaderEpoch: 0, isr: [1, 2], controllerEpoch: 1 }),
      0,
    );
    await stop(b.get(2)!);
    // From the controller's own copy ([1,2,3] at version 0) it would have written [1,3].
    expect(await stateWhen(zk, 'f', 0, (s) => s.leaderEpoch === 1, 'f-0 to lose 2')).toEqual({
      leader: 1,
      leaderEpoch: 1,
      isr: [1],
      controllerEpoch: 1,
      zkVersion: 2,
    });
  });
});

describe('partitions with no live ISR member', () => {
  it('have no leader (ISR kept) until the ISR member returns; with unclean election a live replica leads', async () => {
    const { connect, zk, b } = await cluster([1, 2, 3]);
    await createTopic(zk, 'clean', assignment({ 0: [2, 3] }), {});
    await createTopic(zk, 'dirty', assignment({ 0: [2, 3] }), { 'unclean.leader.election.enable': 'true' });
    for (const topic of ['clean', 'dirty']) {
      await stateWhen(zk, topic, 0, () => true, `${topic}-0 online`);
      // Leader 2 drops follower 3 (fallen behind): 2 alone is in sync.
      expect(
        await writeIsrChange(zk, topic, 0, { leader: 2, leaderEpoch: 0, isr: [2], controllerEpoch: 1 }, 0),
      ).toBe(1);
    }
    await waitFor(async () => (await described(b.get(3)!, 'dirty', 0))?.isrNodes.length === 1, {
      timeoutMs: 20_000,
      what: 'the ISR changes in Metadata',
    });

    await stop(b.get(2)!);
    expect(await stateWhen(zk, 'clean', 0, (s) => s.leader !== 2, 'clean-0 to lose its leader')).toEqual({
      leader: -1,
      leaderEpoch: 1,
      isr: [2],
      controllerEpoch: 1,
      zkVersion: 2,
    });
    expect(await stateWhen(zk, 'dirty', 0, (s) => s.leader !== 2, 'dirty-0 to move')).toEqual({
      leader: 3,
      leaderEpoch: 1,
      isr: [3],
      controllerEpoch: 1,
      zkVersion: 2,
    });
    await waitFor(async () => (await described(b.get(3)!, 'dirty', 0))?.leaderId === 3, {
      timeoutMs: 20_000,
      what: "broker 3's Metadata after the failover",
    });
    expect(await described(b.get(3)!, 'clean', 0)).toMatchObject({
      errorCode: ErrorCode.LEADER_NOT_AVAILABLE,
      leaderId: -1,
      isrNodes: [2],
      offlineReplicas: [2],
    });

    // Broker 2 comes back: it leads what only it holds; it does not rejoin an ISR by the controller's word.
    const back = await start(connect, 2);
    expect(await stateWhen(zk, 'clean', 0, (s) => s.leader === 2, 'clean-0 led by 2 again')).toEqual({
      leader: 2,
      leaderEpoch: 2,
      isr: [2],
      controllerEpoch: 1,
      zkVersion: 3,
    });
    await waitFor(
      () => back.leaderAndIsr.some((p) => p.topic === 'clean' && p.leader === 2 && p.leaderEpoch === 2),
      {
        timeoutMs: 20_000,
        what: 'the returning broker to be told it leads',
      },
    );
    expect(await partitionState(zk, 'dirty', 0)).toMatchObject({ leader: 3, leaderEpoch: 1, isr: [3] });
  });
});

describe('unclean leader election from dynamic broker configs', () => {
  it('a cluster-wide dynamic default enables it for topics without their own setting (it was read from server.properties only)', async () => {
    const { zk, b } = await cluster([1, 2, 3]);
    await writeEntityConfig(
      zk,
      { kind: 'broker', id: 'default' },
      { 'unclean.leader.election.enable': 'true' },
      -1,
    );
    await createTopic(zk, 'follows-default', assignment({ 0: [2, 3] }), {});
    await createTopic(zk, 'own-false', assignment({ 0: [2, 3] }), {
      'unclean.leader.election.enable': 'false',
    });
    for (const topic of ['follows-default', 'own-false']) {
      await stateWhen(zk, topic, 0, () => true, `${topic}-0 online`);
      expect(
        await writeIsrChange(zk, topic, 0, { leader: 2, leaderEpoch: 0, isr: [2], controllerEpoch: 1 }, 0),
      ).toBe(1);
    }
    await waitFor(async () => (await described(b.get(3)!, 'own-false', 0))?.isrNodes.length === 1, {
      timeoutMs: 20_000,
      what: 'the ISR changes in Metadata',
    });
    await stop(b.get(2)!);
    expect(
      await stateWhen(zk, 'follows-default', 0, (s) => s.leader !== 2, 'follows-default-0 to move'),
    ).toMatchObject({ leader: 3, isr: [3] });
    expect(
      await stateWhen(zk, 'own-false', 0, (s) => s.leader !== 2, 'own-false-0 to lose its leader'),
    ).toMatchObject({
      leader: -1,
      isr: [2],
    });
  });
});

describe('ISR changes written by leaders', () => {
  it("reach every broker's Metadata, and the notification is deleted", async () => {
    const { zk, b } = await cluster([1, 2, 3]);
    await createTopic(zk, 'i', assignment({ 0: [1, 2, 3] }), {});
    await stateWhen(zk, 'i', 0, () => true, 'i-0 online');
    const shrunk = { leader: 1, leaderEpoch: 0, isr: [1, 2], controllerEpoch: 1 };
    expect(await writeIsrChange(zk, 'i', 0, shrunk, 0)).toBe(1);
    for (const broker of b.values()) {
      await waitFor(async () => (await described(broker, 'i', 0))?.isrNodes.length === 2, {
        timeoutMs: 20_000,
        intervalMs: 20,
        what: `broker ${broker.id} to hear of the ISR change`,
      });
      expect(await described(broker, 'i', 0)).toMatchObject({
        leaderId: 1,
        leaderEpoch: 0,
        isrNodes: [1, 2],
      });
      expect(broker.membership.metadata.partition('i', 0)?.zkVersion).toBe(1);
    }
    await waitFor(async () => (await zk.children(PATHS.isrChangeNotification))?.length === 0, {
      what: 'the notification to be deleted',
    });
  });

  it('writeIsrChange: version-checked, then a notification; a write against an older version is refused (null)', async () => {
    // No brokers here, so no controller deletes the notifications: they can be counted.
    const zk = await ZkClient.connect(`${zookeeper.connect}/isr-write-${++chroots}`, {
      sessionTimeoutMs: 10_000,
      connectionTimeoutMs: 10_000,
    });
    sessions.push(zk);
    await zk.ensurePath('/brokers/topics/v/partitions/0');
    const first = { leader: 1, leaderEpoch: 3, isr: [1, 2], controllerEpoch: 1 };
    await zk.create(partitionStatePath('v', 0), partitionStateZnode.encode(first));
    const notifications = async (): Promise<string[]> =>
      (await zk.children(PATHS.isrChangeNotification)) ?? [];

    const one = { ...first, isr: [1] };
    expect(await writeIsrChange(zk, 'v', 0, one, 0)).toBe(1);
    expect(await partitionState(zk, 'v', 0)).toEqual({ ...one, zkVersion: 1 });
    const [name] = await notifications();
    expect(name).toMatch(/^isr_change_\d{10}$/);
    const node = await zk.get(`${PATHS.isrChangeNotification}/${name}`);
    expect(JSON.parse(node!.data.toString())).toEqual({
      version: 1,
      partitions: [{ topic: 'v', partition: 0 }],
    });

    // Its resend after a lost answer finds its own write: still a success.
    expect(await writeIsrChange(zk, 'v', 0, one, 0)).toBe(1);
    expect(await notifications()).toHaveLength(2);
    // Another state against the old version: someone else (the controller) wrote meanwhile.
    expect(await writeIsrChange(zk, 'v', 0, { ...one, isr: [1, 2] }, 0)).toBeNull();
    expect(await partitionState(zk, 'v', 0)).toEqual({ ...one, zkVersion: 1 });
    expect(await notifications()).toHaveLength(2);
  });

  it('a malformed notification is deleted, and later ones are still handled', async () => {
    const { zk, b } = await cluster([1, 2]);
    await createTopic(zk, 'm', assignment({ 0: [1, 2] }), {});
    await stateWhen(zk, 'm', 0, () => true, 'm-0 online');
    await zk.create(
      `${PATHS.isrChangeNotification}/isr_change_`,
      Buffer.from('not json'),
      'persistent_sequential',
    );
    await waitFor(async () => (await zk.children(PATHS.isrChangeNotification))?.length === 0, {
      timeoutMs: 20_000,
      what: 'the malformed notification to be deleted',
    });
    expect(
      await writeIsrChange(zk, 'm', 0, { leader: 1, leaderEpoch: 0, isr: [1], controllerEpoch: 1 }, 0),
    ).toBe(1);
    await waitFor(async () => (await described(b.get(2)!, 'm', 0))?.isrNodes.length === 1, {
      timeoutMs: 20_000,
      what: 'the later change to reach broker 2',
    });
  });
});
