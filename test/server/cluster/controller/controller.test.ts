import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Connection } from '../../../../server/client/connection.js';
import { ZkClient } from '../../../../server/cluster/zookeeper/zk-client.js';
import {
  createTopic,
  partitionState,
  topicAssignment,
} from '../../../../server/cluster/zookeeper/zk-topics.js';
import { MetadataApi } from '../../../../server/protocol/apis/metadata.js';
import { UpdateMetadataApi } from '../../../../server/protocol/apis/update-metadata.js';
import { ErrorCode } from '../../../../server/protocol/error-codes.js';
import { startBroker, type RunningBroker } from '../../../helpers/broker-fixture.js';
import { waitFor } from '../../../helpers/wait-for.js';
import { startZooKeeper, type RunningZooKeeper } from '../../../helpers/zookeeper.js';

const run = promisify(execFile);
let zookeeper: RunningZooKeeper;
let zk: ZkClient;
const brokers = new Map<number, RunningBroker>();
const connections: Connection[] = [];
const chroot = '/controller-test';

async function connect(b: RunningBroker): Promise<Connection> {
  const c = await Connection.open('127.0.0.1', b.broker.port, 'controller-test');
  connections.push(c);
  return c;
}

const allTopics = {
  topics: null,
  allowAutoTopicCreation: false,
  includeClusterAuthorizedOperations: false,
  includeTopicAuthorizedOperations: false,
};

/** The brokers and controller a broker's Metadata answer lists. */
async function seenBy(b: RunningBroker): Promise<{ ids: number[]; controller: number }> {
  const c = await connect(b);
  const answer = await c.request(MetadataApi, allTopics);
  c.close();
  return { ids: answer.brokers.map((x) => x.nodeId).sort(), controller: answer.controllerId };
}

beforeAll(async () => {
  zookeeper = await startZooKeeper();
  zk = await ZkClient.connect(`${zookeeper.connect}${chroot}`, {
    sessionTimeoutMs: 10_000,
    connectionTimeoutMs: 10_000,
  });
  for (const id of [1, 2, 3]) {
    brokers.set(
      id,
      await startBroker({ 'zookeeper.connect': `${zookeeper.connect}${chroot}`, 'broker.id': String(id) }),
    );
  }
});

afterAll(async () => {
  for (const c of connections) c.close();
  for (const b of brokers.values()) await b.stop().catch(() => {});
  zk?.close();
  await zookeeper?.stop();
});

describe('the controller tells every broker the cluster (UpdateMetadata)', () => {
  it("every broker's Metadata lists the three brokers and the one controller", async () => {
    for (const b of brokers.values()) {
      await waitFor(async () => (await seenBy(b)).ids.length === 3, { what: 'three brokers in Metadata' });
      expect(await seenBy(b)).toEqual({ ids: [1, 2, 3], controller: 1 });
    }
  });

  it('kcat -L, a real client, sees the three brokers', async () => {
    const { stdout } = await run('kcat', ['-b', brokers.get(2)!.bootstrap, '-L', '-J'], { timeout: 20_000 });
    const listing = JSON.parse(stdout) as { controllerid: number; brokers: { id: number; name: string }[] };
    expect(listing.controllerid).toBe(1);
    expect(listing.brokers.map((b) => b.id).sort()).toEqual([1, 2, 3]);
    expect(listing.brokers.find((b) => b.id === 3)!.name).toBe(brokers.get(3)!.bootstrap);
  });

  it('gives each new partition its first state and tells every broker', async () => {
    await createTopic(
      zk,
      'spread',
      {
        topicId: 'Ymw0p3SbRP2eTcSjbm4h5A',
        partitions: new Map([
          [0, [1, 2]],
          [1, [2, 3]],
          [2, [3, 1]],
        ]),
        addingReplicas: new Map(),
        removingReplicas: new Map(),
      },
      {},
    );
    await waitFor(async () => (await partitionState(zk, 'spread', 2)) !== null, {
      what: 'the partition states',
    });
    expect(await partitionState(zk, 'spread', 1)).toEqual({
      leader: 2,
      leaderEpoch: 0,
      // Every live replica: none holds anything yet, so all are in sync (Kafka's first ISR).
      isr: [2, 3],
      controllerEpoch: 1,
      zkVersion: 0,
    });
    for (const b of brokers.values()) {
      await waitFor(() => b.broker.cluster!.metadata.partitions('spread')?.size === 3, { what: 'the cache' });
      expect(b.broker.cluster!.metadata.partition('spread', 2)).toMatchObject({
        leader: 3,
        replicas: [3, 1],
        isr: [3, 1],
      });
    }
  });

  it('gives a topic written without a topic id (as Kafka 2.4 writes them) an id, and its replicas are hosted (they were refused)', async () => {
    // Kafka 2.4's own format, written directly: no topic_id.
    await zk.create(
      '/brokers/topics/legacy',
      Buffer.from(JSON.stringify({ version: 1, partitions: { '0': [1, 2], '1': [2, 3] } })),
    );
    await waitFor(async () => (await topicAssignment(zk, 'legacy'))?.topicId != null, {
      what: 'a topic id written',
    });
    const { topicId, partitions } = (await topicAssignment(zk, 'legacy'))!;
    expect(topicId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(partitions.get(1)).toEqual([2, 3]);
    for (const [id, partition] of [
      [1, 0],
      [2, 0],
      [2, 1],
      [3, 1],
    ] as const) {
      await waitFor(() => brokers.get(id)!.broker.logManager?.getLog('legacy', partition) !== undefined, {
        what: `legacy-${partition} hosted on broker ${id}`,
      });
    }
    // An old tool adds a partition, writing the znode again without the id: the id stays (a new
    // one made the brokers disagree on it, and follower fetches failed UNKNOWN_TOPIC_ID).
    await zk.set(
      '/brokers/topics/legacy',
      Buffer.from(JSON.stringify({ version: 1, partitions: { '0': [1, 2], '1': [2, 3], '2': [3, 1] } })),
      -1,
    );
    await waitFor(async () => (await topicAssignment(zk, 'legacy'))?.topicId != null, {
      what: 'the topic id written back',
    });
    expect((await topicAssignment(zk, 'legacy'))!.topicId).toBe(topicId);
    await waitFor(async () => (await partitionState(zk, 'legacy', 2)) !== null, { what: 'legacy-2 online' });
  });

  it('refuses UpdateMetadata from an older controller or for an earlier life of the broker', async () => {
    const b = brokers.get(3)!;
    const c = await connect(b);
    const body = {
      controllerId: 9,
      controllerEpoch: 0,
      brokerEpoch: b.broker.cluster!.brokerEpoch,
      ungroupedPartitionStates: [],
      topicStates: [],
      liveBrokers: [],
    };
    expect((await c.request(UpdateMetadataApi, body)).errorCode).toBe(ErrorCode.STALE_CONTROLLER_EPOCH);
    expect(
      (await c.request(UpdateMetadataApi, { ...body, controllerEpoch: 5, brokerEpoch: 1 })).errorCode,
    ).toBe(ErrorCode.STALE_BROKER_EPOCH);
    // Nothing was taken from either.
    expect(b.broker.cluster!.metadata.liveBrokers().size).toBe(3);
    expect(b.broker.cluster!.metadata.controllerId).toBe(1);
  });

  it('when the controller stops, another is elected and every broker hears of the change', async () => {
    await brokers.get(1)!.stop();
    brokers.delete(1);
    for (const b of brokers.values()) {
      await waitFor(async () => (await seenBy(b)).ids.length === 2, { what: 'two brokers in Metadata' });
      const seen = await seenBy(b);
      expect(seen.ids).toEqual([2, 3]);
      expect([2, 3]).toContain(seen.controller);
    }
    // Broker 1's partitions fail over under the new controller: the other ISR member leads, at the
    // next leader epoch, and broker 1 is listed offline.
    const failovers: [number, number][] = [
      [0, 2],
      [2, 3],
    ];
    for (const [p, leader] of failovers) {
      await waitFor(async () => (await partitionState(zk, 'spread', p))?.leader === leader, {
        what: `spread-${p} to fail over`,
      });
      expect(await partitionState(zk, 'spread', p)).toMatchObject({ leader, leaderEpoch: 1, isr: [leader] });
    }
    await waitFor(() => brokers.get(2)!.broker.cluster!.metadata.partition('spread', 0)?.leader === 2, {
      what: 'the failover in the cache',
    });
    expect(brokers.get(2)!.broker.cluster!.metadata.partition('spread', 0)).toMatchObject({
      leader: 2,
      isr: [2],
      offlineReplicas: [1],
    });
    const c = await connect(brokers.get(2)!);
    const answer = await c.request(MetadataApi, {
      ...allTopics,
      topics: [{ name: 'spread', topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }],
    });
    expect(answer.topics[0]!.partitions.find((p) => p.partitionIndex === 0)).toMatchObject({
      errorCode: ErrorCode.NONE,
      leaderId: 2,
      leaderEpoch: 1,
    });
  });
});
