import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ControllerElection,
  ControllerMovedError,
} from '../../../../server/cluster/zookeeper/controller-election.js';
import { ZkClient } from '../../../../server/cluster/zookeeper/zk-client.js';
import { controllerEpochZnode, controllerZnode, PATHS } from '../../../../server/cluster/zookeeper/znodes.js';
import { startTcpProxy } from '../../../helpers/tcp-proxy.js';
import { waitFor } from '../../../helpers/wait-for.js';
import { startZooKeeper, type RunningZooKeeper } from '../../../helpers/zookeeper.js';

let zookeeper: RunningZooKeeper;
const clients: ZkClient[] = [];
let chroots = 0;

async function session(connect: string, sessionTimeoutMs = 10_000): Promise<ZkClient> {
  const client = await ZkClient.connect(connect, { sessionTimeoutMs, connectionTimeoutMs: 10_000 });
  clients.push(client);
  return client;
}

beforeAll(async () => {
  zookeeper = await startZooKeeper();
});

afterAll(async () => {
  for (const c of clients) c.close();
  await zookeeper?.stop();
});

describe('controller election through /controller and /controller_epoch', () => {
  it('elects one controller with epoch 1, and the next one with epoch 2 when it goes', async () => {
    const root = `${zookeeper.connect}/election-${++chroots}`;
    const zk1 = await session(root);
    const zk2 = await session(root);
    const observer = await session(root);
    const changes: number[] = [];
    const one = new ControllerElection(zk1, 1);
    const two = new ControllerElection(zk2, 2, { onControllerChange: (id) => changes.push(id) });
    await one.start();
    await two.start();
    expect(one.isController).toBe(true);
    expect(one.epoch).toBe(1);
    expect(two.isController).toBe(false);
    expect(two.activeControllerId).toBe(1);
    const node = await observer.get(PATHS.controller);
    expect(controllerZnode.decode(node!.data).brokerId).toBe(1);
    expect(node!.ephemeralOwner).toBe(zk1.sessionId);
    expect(controllerEpochZnode.decode((await observer.get(PATHS.controllerEpoch))!.data)).toBe(1);

    zk1.close();
    await waitFor(() => two.isController, { what: 'broker 2 to take over' });
    expect(two.epoch).toBe(2);
    expect(changes).toEqual([1, 2]);
    expect(controllerEpochZnode.decode((await observer.get(PATHS.controllerEpoch))!.data)).toBe(2);
  });

  it('a controller that resigns hands over at once', async () => {
    const root = `${zookeeper.connect}/election-${++chroots}`;
    const one = new ControllerElection(await session(root), 1);
    const two = new ControllerElection(await session(root), 2);
    await one.start();
    await two.start();
    await one.resign();
    expect(one.isController).toBe(false);
    await waitFor(() => two.isController, { what: 'broker 2 to take over' });
    expect(two.epoch).toBe(2);
  });

  it('refuses the writes of a deposed controller (its epoch was superseded)', async () => {
    const root = `${zookeeper.connect}/election-${++chroots}`;
    const zk = await session(root);
    const resigned: string[] = [];
    const one = new ControllerElection(zk, 1, { onResigned: () => resigned.push('resigned') });
    await one.start();
    await one.fencedMulti([{ op: 'create', path: '/written-by-controller', data: Buffer.from('1') }]);
    // Another controller was elected meanwhile (it raised the epoch), unseen by this one yet.
    const other = await session(root);
    await other.set(PATHS.controllerEpoch, controllerEpochZnode.encode(2), 1);
    const write = one.fencedMulti([{ op: 'create', path: '/stale-write', data: Buffer.from('1') }]);
    await expect(write).rejects.toBeInstanceOf(ControllerMovedError);
    expect(await other.exists('/stale-write')).toBe(false);
    expect(one.isController).toBe(false);
    expect(resigned).toEqual(['resigned']);
    await expect(one.fencedMulti([])).rejects.toBeInstanceOf(ControllerMovedError);
  });

  it('a controller whose session expires stops at once, and the other broker takes over', async () => {
    const proxy = await startTcpProxy(zookeeper.port);
    try {
      const chroot = `/election-${++chroots}`;
      const zk1 = await session(`${proxy.address}${chroot}`, 1000);
      const one = new ControllerElection(zk1, 1);
      await one.start();
      const two = new ControllerElection(await session(`${zookeeper.connect}${chroot}`), 2);
      await two.start();
      expect(one.isController).toBe(true);
      proxy.cut();
      await waitFor(() => two.isController, { timeoutMs: 15_000, what: 'broker 2 to take over' });
      // Broker 1 still thinks it leads until it hears from ZooKeeper again...
      proxy.heal();
      // ...which tells it the session expired: it resigns, and on its new session sees broker 2.
      await waitFor(() => !one.isController && one.activeControllerId === 2, {
        timeoutMs: 15_000,
        what: 'broker 1 to step down',
      });
      await expect(one.fencedMulti([])).rejects.toBeInstanceOf(ControllerMovedError);
      expect(two.epoch).toBe(2);
    } finally {
      await proxy.close();
    }
  });
});
