// A cluster broker's ZooKeeper session through requests and replies lost with their connection
// (CONNECTION_LOSS on a session that survives): the controller election and the broker's
// registration must come through them. Each fault goes through zookeeper-fault-proxy.ts.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ZkClient } from '../../../../server/cluster/zookeeper/zk-client.js';
import { controllerZnode } from '../../../../server/cluster/zookeeper/znodes.js';
import { startBroker, type RunningBroker } from '../../../helpers/broker-fixture.js';
import { waitFor } from '../../../helpers/wait-for.js';
import {
  OP,
  startZooKeeperFaultProxy,
  type ZooKeeperFaultProxy,
} from '../../../helpers/zookeeper-fault-proxy.js';
import { startZooKeeper, type RunningZooKeeper } from '../../../helpers/zookeeper.js';

let zookeeper: RunningZooKeeper;
let observer: ZkClient;
const brokers = new Set<RunningBroker>();
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
  for (const b of [...brokers].reverse()) await stop(b).catch(() => {});
  for (const p of proxies.splice(0)) await p.close();
});

afterAll(async () => {
  observer?.close();
  await zookeeper?.stop();
});

async function broker(
  connect: string,
  id: number,
  more: Record<string, string> = {},
): Promise<RunningBroker> {
  const b = await startBroker({ 'zookeeper.connect': connect, 'broker.id': String(id), ...more });
  brokers.add(b);
  return b;
}

async function stop(b: RunningBroker): Promise<void> {
  brokers.delete(b);
  await b.stop();
}

async function faultProxy(): Promise<ZooKeeperFaultProxy> {
  const proxy = await startZooKeeperFaultProxy(zookeeper.port);
  proxies.push(proxy);
  return proxy;
}

/** The broker id /controller names under `chroot`, or undefined while there is none. */
async function controllerIn(chroot: string): Promise<number | undefined> {
  const node = await observer.get(`${chroot}/controller`);
  return node ? controllerZnode.decode(node.data).brokerId : undefined;
}

describe('the controller election through lost requests and replies', () => {
  it('a request lost while electing does not leave the cluster without a controller', async () => {
    const chroot = '/election-request-lost';
    const proxy = await faultProxy();
    const one = await broker(`${zookeeper.connect}${chroot}`, 1);
    const two = await broker(`${proxy.address}${chroot}`, 2);
    expect(one.broker.cluster!.isController).toBe(true);
    await waitFor(() => two.broker.cluster!.controllerId === 1, { what: 'broker 2 to see broker 1 lead' });

    // Broker 1 goes: broker 2's watch fires, and the exists() that opens its election is lost.
    proxy.failNext({ op: OP.exists, path: `${chroot}/controller` });
    await stop(one);
    await waitFor(() => two.broker.cluster!.isController, {
      timeoutMs: 20_000,
      what: 'broker 2 to become the controller',
    });
    expect(proxy.failed).toBe(1);
    expect(await controllerIn(chroot)).toBe(2);
    await waitFor(() => two.broker.cluster!.controllerWork!.isActive, { what: 'the controller to act' });
  });

  it('a lost reply to the election multi does not leave the cluster without a controller', async () => {
    const chroot = '/election-reply-lost';
    const proxy = await faultProxy();
    // The first multi broker 1 sends is its election: it is applied, and its answer lost.
    proxy.failNext({ op: OP.multi, lose: 'reply' });
    const one = await broker(`${proxy.address}${chroot}`, 1);
    const two = await broker(`${zookeeper.connect}${chroot}`, 2);
    expect(proxy.failed).toBe(1);

    // /controller is broker 1's, on its session — and broker 1 knows it and acts on it.
    const node = await observer.get(`${chroot}/controller`);
    expect(controllerZnode.decode(node!.data).brokerId).toBe(1);
    expect(node!.ephemeralOwner).toBe(one.broker.cluster!.zk.sessionId);
    await waitFor(() => one.broker.cluster!.isController, {
      timeoutMs: 20_000,
      what: 'broker 1 to know it leads',
    });
    expect(one.broker.cluster!.controllerId).toBe(1);
    await waitFor(() => one.broker.cluster!.controllerWork!.isActive, { what: 'the controller to act' });
    // Its UpdateMetadata reach broker 2: a controller that does not know it leads would send none.
    await waitFor(() => two.broker.cluster!.metadata.liveBrokers().size === 2, {
      timeoutMs: 20_000,
      what: "broker 2's cache to list both brokers",
    });
    expect(two.broker.cluster!.metadata.controllerId).toBe(1);
  });
});

describe("a broker's registration through lost requests", () => {
  it('a broker whose re-registration after session expiry is lost registers again', async () => {
    const chroot = '/reregistration-lost';
    const proxy = await faultProxy();
    const four = await broker(`${proxy.address}${chroot}`, 4, { 'zookeeper.session.timeout.ms': '1000' });
    expect(await observer.exists(`${chroot}/brokers/ids/4`)).toBe(true);

    // Parted from ZooKeeper for longer than its session timeout: the session expires.
    proxy.cut();
    await waitFor(async () => !(await observer.exists(`${chroot}/brokers/ids/4`)), {
      timeoutMs: 20_000,
      intervalMs: 50,
      what: 'the session to expire',
    });
    // Back, on a new session: the create of its registration is lost.
    proxy.failNext({ op: OP.create, path: `${chroot}/brokers/ids/4` });
    proxy.heal();
    await waitFor(async () => await observer.exists(`${chroot}/brokers/ids/4`), {
      timeoutMs: 20_000,
      intervalMs: 50,
      what: 'broker 4 to register again',
    });
    expect(proxy.failed).toBe(1);
    const node = await observer.get(`${chroot}/brokers/ids/4`);
    expect(node!.ephemeralOwner).toBe(four.broker.cluster!.zk.sessionId);
    await waitFor(() => four.broker.cluster!.brokerEpoch === node!.czxid, {
      what: 'the broker epoch of the new registration',
    });
  });
});
