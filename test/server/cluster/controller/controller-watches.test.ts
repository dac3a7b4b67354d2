// The controller's ZooKeeper watches: ZooKeeper's client keeps one registration per watch
// function and node, so a controller that reads a node again before its watch fired must pass the
// same function, or the unfired watchers pile up and each fires on the next change.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZkClient } from '../../../../server/cluster/zookeeper/zk-client.js';
import { brokerZnode, PATHS } from '../../../../server/cluster/zookeeper/znodes.js';
import { waitFor } from '../../../helpers/wait-for.js';
import { startZooKeeper, type RunningZooKeeper } from '../../../helpers/zookeeper.js';
import { startTestBroker, type TestBroker } from './controller-cluster.js';

let zookeeper: RunningZooKeeper;
let broker: TestBroker | undefined;
let zk: ZkClient | undefined;

beforeAll(async () => {
  zookeeper = await startZooKeeper();
});

afterAll(async () => {
  zk?.close();
  await broker?.stop();
  await zookeeper?.stop();
});

describe('controller watches', () => {
  it('every broker change re-reads the topics under one watch (a fresh watcher per read piled up on /brokers/topics: MaxListenersExceeded)', async () => {
    const connect = `${zookeeper.connect}/controller-watches`;
    broker = await startTestBroker(connect, 1);
    await waitFor(() => broker!.membership.isController, { what: 'broker 1 controller' });
    zk = await ZkClient.connect(connect, { sessionTimeoutMs: 10_000, connectionTimeoutMs: 10_000 });
    const warnings: Error[] = [];
    const onWarning = (warning: Error): void => void warnings.push(warning);
    process.on('warning', onWarning);
    try {
      // Brokers that come and go (registered with a port nobody listens on): each change makes
      // the controller read /brokers/topics again, its watch unfired.
      for (let i = 0; i < 14; i++) {
        const id = 100 + i;
        const path = `${PATHS.brokerIds}/${id}`;
        const registration = brokerZnode.encode({
          id,
          endpoints: [{ listener: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: '127.0.0.1', port: 1 }],
          rack: null,
          timestamp: Date.now(),
        });
        await zk.create(path, registration, 'ephemeral');
        await waitFor(async () => (await broker!.metadata()).brokers.some((b) => b.nodeId === id), {
          what: `broker ${id} in the controller's metadata`,
        });
        await zk.delete(path);
      }
      await waitFor(async () => (await broker!.metadata()).brokers.length === 1, {
        what: 'the last one gone',
      });
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning').map((w) => w.message)).toEqual(
        [],
      );
    } finally {
      process.off('warning', onWarning);
    }
  });
});
