// A stopping broker's side of the controlled shutdown: it finds the controller in ZooKeeper, asks,
// asks again while partitions remain, and gives up within its bounds.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from '../../../../server/client/connection.js';
import { requestControlledShutdown } from '../../../../server/cluster/controller/controlled-shutdown-request.js';
import { ZkClient } from '../../../../server/cluster/zookeeper/zk-client.js';
import {
  createTopic,
  partitionState,
  writeIsrChange,
} from '../../../../server/cluster/zookeeper/zk-topics.js';
import {
  brokerPath,
  brokerZnode,
  controllerZnode,
  PATHS,
  type TopicAssignment,
} from '../../../../server/cluster/zookeeper/znodes.js';
import { startTcpProxy } from '../../../helpers/tcp-proxy.js';
import { waitFor } from '../../../helpers/wait-for.js';
import { startZooKeeper, type RunningZooKeeper } from '../../../helpers/zookeeper.js';
import { startTestBroker, type TestBroker } from './controller-cluster.js';

let zookeeper: RunningZooKeeper;
let zk: ZkClient;
const b = new Map<number, TestBroker>();

const assignment = (partitions: Record<number, number[]>): TopicAssignment => ({
  topicId: null,
  partitions: new Map(Object.entries(partitions).map(([p, r]) => [Number(p), r])),
  addingReplicas: new Map(),
  removingReplicas: new Map(),
});

/** Registers broker `id` at 127.0.0.1:`port` through `zk` (a bare registration, no broker behind it). */
function register(zk: ZkClient, id: number, port: number): Promise<unknown> {
  return zk.create(
    brokerPath(id),
    brokerZnode.encode({
      id,
      endpoints: [{ listener: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: '127.0.0.1', port }],
      rack: null,
      timestamp: 0,
    }),
  );
}

beforeAll(async () => {
  zookeeper = await startZooKeeper();
  const connect = `${zookeeper.connect}/shutdown-request`;
  for (const id of [1, 2, 3, 4]) b.set(id, await startTestBroker(connect, id));
  zk = await ZkClient.connect(connect, { sessionTimeoutMs: 10_000, connectionTimeoutMs: 10_000 });
  await createTopic(zk, 'r', assignment({ 0: [3, 4], 1: [2, 3] }), {});
  for (const p of [0, 1]) {
    await waitFor(async () => (await partitionState(zk, 'r', p)) !== null, { what: `r-${p} online` });
  }
  // r-1's leader (2) is alone in its ISR: it cannot be moved.
  await writeIsrChange(zk, 'r', 1, { leader: 2, leaderEpoch: 0, isr: [2], controllerEpoch: 1 }, 0);
});

afterAll(async () => {
  for (const broker of [...b.values()].reverse()) await broker.stop().catch(() => {});
  zk?.close();
  await zookeeper?.stop();
});

describe('requestControlledShutdown', () => {
  it('gives up (false) after its retries while a partition cannot move', async () => {
    const two = b.get(2)!;
    const log: string[] = [];
    const done = await requestControlledShutdown({
      zk: two.membership.zk,
      brokerId: 2,
      brokerEpoch: () => two.membership.brokerEpoch,
      maxRetries: 2,
      retryBackoffMs: 20,
      log: (m) => log.push(m),
    });
    expect(done).toBe(false);
    expect(log.filter((m) => m.includes('still leading 1 partition(s): r-1'))).toHaveLength(3);
  });

  it('succeeds (true) once the controller, wherever it is now, has moved everything', async () => {
    // The controller moves to another broker.
    await b.get(1)!.stop();
    b.delete(1);
    const three = b.get(3)!;
    await waitFor(() => b.get(4)!.membership.controllerId > 1, { what: 'a new controller' });
    const done = await requestControlledShutdown({
      zk: three.membership.zk,
      brokerId: 3,
      brokerEpoch: () => three.membership.brokerEpoch,
      retryBackoffMs: 20,
    });
    expect(done).toBe(true);
    expect(await partitionState(zk, 'r', 0)).toMatchObject({ leader: 4, isr: [4] });
  });

  it('is bounded by its timeout when the controller does not answer', async () => {
    // A "controller" that accepts connections and never says a word.
    const silent = net.createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    const bare = await ZkClient.connect(`${zookeeper.connect}/shutdown-silent`, {
      sessionTimeoutMs: 10_000,
      connectionTimeoutMs: 10_000,
    });
    try {
      await bare.ensurePath(PATHS.brokerIds);
      await bare.create(PATHS.controller, controllerZnode.encode({ brokerId: 7, timestamp: 0 }));
      await register(bare, 7, port);
      const started = Date.now();
      const done = await requestControlledShutdown({
        zk: bare,
        brokerId: 5,
        brokerEpoch: () => 1,
        maxRetries: 100,
        retryBackoffMs: 10,
        timeoutMs: 500,
      });
      expect(done).toBe(false);
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      bare.close();
      silent.close();
    }
  });

  it('asks the new controller as soon as it is registered after NOT_CONTROLLER, not after the back-off (brokers stopping together waited 5 s each)', async () => {
    const bare = await ZkClient.connect(`${zookeeper.connect}/shutdown-moving`, {
      sessionTimeoutMs: 10_000,
      connectionTimeoutMs: 10_000,
    });
    try {
      await bare.ensurePath(PATHS.brokerIds);
      await register(bare, 7, 9007);
      await register(bare, 8, 9008);
      await bare.create(PATHS.controller, controllerZnode.encode({ brokerId: 7, timestamp: 0 }));
      const asked: number[] = [];
      // Broker 7 has just lost the controller; broker 8 takes over a moment after its answer.
      const fake = (port: number): Connection =>
        ({
          request: async () => {
            asked.push(port - 9000);
            if (port === 9008) return { errorCode: 0, remainingPartitions: [] };
            setTimeout(() => {
              void bare
                .delete(PATHS.controller)
                .then(() =>
                  bare.create(PATHS.controller, controllerZnode.encode({ brokerId: 8, timestamp: 0 })),
                );
            }, 200);
            return { errorCode: 41, remainingPartitions: [] };
          },
          close: () => {},
        }) as unknown as Connection;
      const started = Date.now();
      const done = await requestControlledShutdown({
        zk: bare,
        brokerId: 5,
        brokerEpoch: () => 1,
        retryBackoffMs: 60_000,
        timeoutMs: 120_000,
        open: async (_host, port) => fake(port),
      });
      expect(done).toBe(true);
      expect(asked).toEqual([7, 8]);
      // Well inside the minute-long back-off.
      expect(Date.now() - started).toBeLessThan(30_000);
    } finally {
      bare.close();
    }
  });

  it('is bounded by its timeout when ZooKeeper goes away while it waits for a new controller (a stopping broker hung forever)', async () => {
    const proxy = await startTcpProxy(zookeeper.port);
    const bare = await ZkClient.connect(`${proxy.address}/shutdown-zk-gone`, {
      sessionTimeoutMs: 30_000,
      connectionTimeoutMs: 30_000,
    });
    try {
      await bare.ensurePath(PATHS.brokerIds);
      await bare.create(PATHS.controller, controllerZnode.encode({ brokerId: 7, timestamp: 0 }));
      await register(bare, 7, 9007);
      const started = Date.now();
      const done = await requestControlledShutdown({
        zk: bare,
        brokerId: 5,
        brokerEpoch: () => 1,
        retryBackoffMs: 60_000,
        timeoutMs: 2_000,
        // The controller has just gone, and so has ZooKeeper.
        open: async () => {
          proxy.cut();
          throw new Error('connection refused');
        },
      });
      expect(done).toBe(false);
      expect(Date.now() - started).toBeLessThan(20_000);
    } finally {
      bare.close();
      await proxy.close();
    }
  });
});
