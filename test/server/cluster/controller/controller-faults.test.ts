// The controller through faults: reads of ZooKeeper lost with their connection, topics it cannot set
// up, a term that ends while an event is being handled, a channel closed while it connects, and
// topics that disappear from ZooKeeper. Each case runs in a chroot of its own (a cluster of its own)
// on one ZooKeeper.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { Connection } from '../../../../server/client/connection.js';
import { BrokerChannel, ChannelClosedError } from '../../../../server/cluster/controller/broker-channel.js';
import { Controller } from '../../../../server/cluster/controller/controller.js';
import type { ControllerChannels } from '../../../../server/cluster/controller/controller-channels.js';
import type { ControllerElection } from '../../../../server/cluster/zookeeper/controller-election.js';
import { ZkClient } from '../../../../server/cluster/zookeeper/zk-client.js';
import { createTopic, partitionState } from '../../../../server/cluster/zookeeper/zk-topics.js';
import {
  brokerZnode,
  topicZnode,
  type TopicAssignment,
} from '../../../../server/cluster/zookeeper/znodes.js';
import { MetadataApi } from '../../../../server/protocol/apis/metadata.js';
import { UpdateMetadataApi } from '../../../../server/protocol/apis/update-metadata.js';
import { startBroker, type RunningBroker } from '../../../helpers/broker-fixture.js';
import { waitFor } from '../../../helpers/wait-for.js';
import {
  OP,
  ZK_ERROR,
  startZooKeeperFaultProxy,
  type ZooKeeperFaultProxy,
} from '../../../helpers/zookeeper-fault-proxy.js';
import { startZooKeeper, type RunningZooKeeper } from '../../../helpers/zookeeper.js';

let zookeeper: RunningZooKeeper;
/** A session at ZooKeeper's root: tests name their chroot in every path. */
let observer: ZkClient;
const brokers: RunningBroker[] = [];
const proxies: ZooKeeperFaultProxy[] = [];

beforeAll(async () => {
  zookeeper = await startZooKeeper();
  observer = await ZkClient.connect(zookeeper.connect, {
    sessionTimeoutMs: 10_000,
    connectionTimeoutMs: 10_000,
  });
});

afterEach(async () => {
  // Brokers first: with their proxy gone, a stop would wait for ZooKeeper.
  for (const b of brokers.splice(0).reverse()) await b.stop().catch(() => {});
  for (const p of proxies.splice(0)) await p.close();
});

afterAll(async () => {
  observer?.close();
  await zookeeper?.stop();
});

async function broker(connect: string, id: number): Promise<RunningBroker> {
  const b = await startBroker({ 'zookeeper.connect': connect, 'broker.id': String(id) });
  brokers.push(b);
  return b;
}

async function faultProxy(): Promise<ZooKeeperFaultProxy> {
  const proxy = await startZooKeeperFaultProxy(zookeeper.port);
  proxies.push(proxy);
  return proxy;
}

/** The brokers and controller a broker's Metadata answer lists. */
async function seenBy(b: RunningBroker): Promise<{ ids: number[]; controller: number }> {
  const c = await Connection.open('127.0.0.1', b.broker.port, 'controller-faults');
  try {
    const answer = await c.request(MetadataApi, {
      topics: null,
      allowAutoTopicCreation: false,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    });
    return { ids: answer.brokers.map((x) => x.nodeId).sort(), controller: answer.controllerId };
  } finally {
    c.close();
  }
}

const assignment = (partitions: [number, number[]][]): TopicAssignment => ({
  topicId: null,
  partitions: new Map(partitions),
  addingReplicas: new Map(),
  removingReplicas: new Map(),
});

describe('the controller through lost reads and topics it cannot set up', () => {
  it('a controller whose reads of /brokers/ids are lost still tells the brokers that join later', async () => {
    const chroot = '/controller-reads-lost';
    const proxy = await faultProxy();
    const one = await broker(`${proxy.address}${chroot}`, 1);
    await one.broker.cluster!.controllerWork!.settled();

    // Broker 2 joins: the reads (and watches) of /brokers/ids that its arrival sets off are lost.
    proxy.failNext({ op: OP.getChildren2, path: `${chroot}/brokers/ids`, count: 2 });
    const two = await broker(`${zookeeper.connect}${chroot}`, 2);
    await waitFor(() => proxy.failed >= 1, { timeoutMs: 20_000, what: 'a read of /brokers/ids lost' });
    // Broker 3 joins later: the controller must still be watching.
    const three = await broker(`${zookeeper.connect}${chroot}`, 3);
    for (const [id, b] of [one, two, three].entries()) {
      await waitFor(async () => (await seenBy(b)).ids.length === 3, {
        timeoutMs: 20_000,
        intervalMs: 50,
        what: `broker ${id + 1} to list three brokers`,
      });
      expect(await seenBy(b)).toEqual({ ids: [1, 2, 3], controller: 1 });
    }
    expect(proxy.failed).toBe(2);
  });

  it('a controller event that fails reloads the cluster: topics created after it are still seen', async () => {
    const chroot = '/controller-event-fails';
    const proxy = await faultProxy();
    const one = await broker(`${proxy.address}${chroot}`, 1);
    await one.broker.cluster!.controllerWork!.settled();
    const zk = await ZkClient.connect(`${zookeeper.connect}${chroot}`, {
      sessionTimeoutMs: 10_000,
      connectionTimeoutMs: 10_000,
    });
    try {
      // A topic appears; the controller's read of the topics (which sets its watch again) fails with
      // an error no retry helps with. Only the controller reads /brokers/topics.
      proxy.failNext({
        op: OP.getChildren2,
        path: `${chroot}/brokers/topics`,
        replyError: ZK_ERROR.systemError,
      });
      await createTopic(zk, 'first', assignment([[0, [1]]]), {});
      await waitFor(() => proxy.failed === 1, { timeoutMs: 20_000, what: "the controller's read to fail" });
      // Another topic later: the controller must be watching again.
      await createTopic(zk, 'second', assignment([[0, [1]]]), {});
      for (const topic of ['first', 'second']) {
        await waitFor(async () => (await partitionState(zk, topic, 0)) !== null, {
          timeoutMs: 20_000,
          intervalMs: 50,
          what: `the state of ${topic}-0`,
        });
        await waitFor(() => one.broker.cluster!.metadata.partition(topic, 0)?.leader === 1, {
          timeoutMs: 20_000,
          what: `${topic}-0 in the cache`,
        });
      }
    } finally {
      zk.close();
    }
  });

  it('a topic left half-created (a partition node without its state) comes online, and the others with it', async () => {
    const chroot = '/controller-half-topic';
    // Kafka creates partitions/<p> and partitions/<p>/state in separate requests: a controller that
    // failed over between the two leaves the parent alone.
    await observer.ensurePath(`${chroot}/brokers/topics/half/partitions/0`);
    await observer.set(`${chroot}/brokers/topics/half`, topicZnode.encode(assignment([[0, [1]]])), -1);
    const one = await broker(`${zookeeper.connect}${chroot}`, 1);
    const two = await broker(`${zookeeper.connect}${chroot}`, 2);
    const zk = await ZkClient.connect(`${zookeeper.connect}${chroot}`, {
      sessionTimeoutMs: 10_000,
      connectionTimeoutMs: 10_000,
    });
    try {
      await createTopic(zk, 'good', assignment([[0, [2]]]), {});
      await waitFor(async () => (await partitionState(zk, 'good', 0)) !== null, {
        timeoutMs: 20_000,
        intervalMs: 50,
        what: 'the state of good-0',
      });
      await waitFor(async () => (await partitionState(zk, 'half', 0)) !== null, {
        timeoutMs: 20_000,
        intervalMs: 50,
        what: 'the state of half-0',
      });
      expect(await partitionState(zk, 'half', 0)).toMatchObject({ leader: 1, isr: [1] });
      for (const b of [one, two]) {
        await waitFor(
          () =>
            b.broker.cluster!.metadata.partition('good', 0)?.leader === 2 &&
            b.broker.cluster!.metadata.partition('half', 0)?.leader === 1,
          { timeoutMs: 20_000, what: 'both topics in every cache' },
        );
        expect((await seenBy(b)).ids).toEqual([1, 2]);
      }
    } finally {
      zk.close();
    }
  });

  it('a topic that cannot be read does not keep the other topics, or the brokers, waiting', async () => {
    const chroot = '/controller-unreadable-topic';
    await observer.ensurePath(`${chroot}/brokers/topics/broken`);
    await observer.set(`${chroot}/brokers/topics/broken`, Buffer.from('not a topic'), -1);
    const one = await broker(`${zookeeper.connect}${chroot}`, 1);
    const two = await broker(`${zookeeper.connect}${chroot}`, 2);
    const zk = await ZkClient.connect(`${zookeeper.connect}${chroot}`, {
      sessionTimeoutMs: 10_000,
      connectionTimeoutMs: 10_000,
    });
    try {
      // The brokers hear of each other although the controller's first load met the broken topic.
      for (const b of [one, two]) {
        await waitFor(async () => (await seenBy(b)).ids.length === 2, {
          timeoutMs: 20_000,
          intervalMs: 50,
          what: 'both brokers in Metadata',
        });
        expect(await seenBy(b)).toEqual({ ids: [1, 2], controller: 1 });
      }
      await createTopic(zk, 'good', assignment([[0, [2]]]), {});
      await waitFor(async () => (await partitionState(zk, 'good', 0)) !== null, {
        timeoutMs: 20_000,
        intervalMs: 50,
        what: 'the state of good-0',
      });
      for (const b of [one, two]) {
        await waitFor(() => b.broker.cluster!.metadata.partition('good', 0)?.leader === 2, {
          timeoutMs: 20_000,
          what: 'good-0 in every cache',
        });
      }
      expect(one.broker.cluster!.metadata.topicNames()).not.toContain('broken');
    } finally {
      zk.close();
    }
  });

  it("a topic deleted from ZooKeeper is dropped from every broker's cache", async () => {
    const chroot = '/controller-topic-gone';
    const one = await broker(`${zookeeper.connect}${chroot}`, 1);
    const two = await broker(`${zookeeper.connect}${chroot}`, 2);
    const zk = await ZkClient.connect(`${zookeeper.connect}${chroot}`, {
      sessionTimeoutMs: 10_000,
      connectionTimeoutMs: 10_000,
    });
    try {
      await createTopic(
        zk,
        'gone',
        assignment([
          [0, [1]],
          [1, [2]],
        ]),
        {},
      );
      await createTopic(zk, 'kept', assignment([[0, [2]]]), {});
      for (const b of [one, two]) {
        await waitFor(
          () =>
            b.broker.cluster!.metadata.partitions('gone')?.size === 2 &&
            b.broker.cluster!.metadata.partition('kept', 0) !== undefined,
          { timeoutMs: 20_000, what: 'both topics in every cache' },
        );
      }
      // The topic goes from ZooKeeper, all at once.
      const topic = '/brokers/topics/gone';
      await zk.multi(
        [
          `${topic}/partitions/0/state`,
          `${topic}/partitions/0`,
          `${topic}/partitions/1/state`,
          `${topic}/partitions/1`,
          `${topic}/partitions`,
          topic,
        ].map((path) => ({ op: 'delete' as const, path })),
      );
      for (const b of [one, two]) {
        await waitFor(() => b.broker.cluster!.metadata.partitions('gone') === undefined, {
          timeoutMs: 20_000,
          what: 'the deleted topic to leave every cache',
        });
        expect(b.broker.cluster!.metadata.topicNames()).toEqual(['kept']);
      }
    } finally {
      zk.close();
    }
  });
});

describe("the controller's term and channels", () => {
  it('a controller deposed while an event is in flight stops that event: no channels, no requests', async () => {
    const sent: number[] = [];
    const send = vi.spyOn(BrokerChannel.prototype, 'send').mockImplementation(function (this: BrokerChannel) {
      sent.push(this.brokerId);
      return new Promise<never>(() => {});
    });
    try {
      // A ZooKeeper whose first read of /brokers/ids waits until the test lets it go.
      let asked = false;
      let answer!: () => void;
      const held = new Promise<void>((resolve) => (answer = resolve));
      const registration = (id: number): Buffer =>
        brokerZnode.encode({
          id,
          endpoints: [{ listener: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: '127.0.0.1', port: 1 }],
          rack: null,
          timestamp: 0,
        });
      const zk = {
        async children(path: string): Promise<string[]> {
          if (path === '/brokers/ids' && !asked) {
            asked = true;
            await held;
          }
          return path === '/brokers/ids' ? ['2', '3'] : [];
        },
        async get(path: string) {
          const id = Number(path.split('/').pop());
          return { data: registration(id), version: 0, ephemeralOwner: 'aa', czxid: 10 + id };
        },
        async exists(): Promise<boolean> {
          return true;
        },
      } as unknown as ZkClient;
      const election = { fencedMulti: async () => {} } as unknown as ControllerElection;
      const controller = new Controller(zk, election, { brokerId: 1, log: () => {} });

      const activation = controller.activate(7);
      await waitFor(() => asked, { what: 'the controller to read /brokers/ids' });
      // Its session expires (or another controller is elected) while it waits for the answer.
      controller.deactivate();
      answer();
      await activation;

      expect(controller.isActive).toBe(false);
      expect(sent).toEqual([]);
      const channels = (controller as unknown as { channels: ControllerChannels }).channels;
      expect(channels.ids()).toEqual([]);
    } finally {
      send.mockRestore();
    }
  });

  it('BrokerChannel.close() while a connection is being opened closes that connection and sends nothing', async () => {
    let requests = 0;
    let closed = false;
    const connection = {
      request: async () => {
        requests++;
        return { errorCode: 0 };
      },
      close: () => {
        closed = true;
      },
    } as unknown as Connection;
    let opening = false;
    let opened!: (c: Connection) => void;
    const channel = new BrokerChannel(
      2,
      { host: '127.0.0.1', port: 1 },
      {
        clientId: 'controller-faults',
        open: () => {
          opening = true;
          return new Promise<Connection>((resolve) => (opened = resolve));
        },
      },
    );
    const answer = channel.send(UpdateMetadataApi, {
      controllerId: 1,
      controllerEpoch: 1,
      brokerEpoch: -1,
      ungroupedPartitionStates: [],
      topicStates: [],
      liveBrokers: [],
    });
    answer.catch(() => {});
    await waitFor(() => opening, { what: 'the channel to open a connection' });
    channel.close();
    // The connection comes up only after the channel was closed.
    opened(connection);
    await expect(answer).rejects.toBeInstanceOf(ChannelClosedError);
    await waitFor(() => closed, { what: 'the late connection to be closed' });
    expect(requests).toBe(0);
  });
});
