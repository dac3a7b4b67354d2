// A leader whose ZooKeeper session expires (it was cut off from ZooKeeper, not from clients): the
// controller moves its leaderships; the cut-off broker must not acknowledge acks=all writes it
// cannot replicate, and once it hears its session ended it drops its roles until the controller
// tells it again, then follows the new leader, truncating what only it had.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBatch } from '../../../../engine/index.js';
import { Connection } from '../../../../server/client/connection.js';
import { CreateTopicsApi } from '../../../../server/protocol/apis/create-topics.js';
import { MetadataApi } from '../../../../server/protocol/apis/metadata.js';
import { ProduceApi } from '../../../../server/protocol/apis/produce.js';
import { ErrorCode } from '../../../../server/protocol/error-codes.js';
import { startBroker, type RunningBroker } from '../../../helpers/broker-fixture.js';
import { startTcpProxy, type TcpProxy } from '../../../helpers/tcp-proxy.js';
import { waitFor } from '../../../helpers/wait-for.js';
import { startZooKeeper, type RunningZooKeeper } from '../../../helpers/zookeeper.js';

let zookeeper: RunningZooKeeper;
let proxy: TcpProxy;
const brokers = new Map<number, RunningBroker>();
const chroot = '/session-expiry';

beforeAll(async () => {
  zookeeper = await startZooKeeper();
  proxy = await startTcpProxy(zookeeper.port);
  for (const id of [1, 2, 3]) {
    // Broker 1 reaches ZooKeeper through a proxy the test can cut.
    const connect = id === 1 ? proxy.address : zookeeper.connect;
    brokers.set(
      id,
      await startBroker({
        'zookeeper.connect': `${connect}${chroot}`,
        'broker.id': String(id),
        'zookeeper.session.timeout.ms': '4000',
        'replica.lag.time.max.ms': '2000',
        'replica.fetch.wait.max.ms': '200',
        'replica.fetch.backoff.ms': '100',
      }),
    );
  }
});

afterAll(async () => {
  proxy?.heal();
  for (const b of brokers.values()) await b.stop().catch(() => {});
  await proxy?.close();
  await zookeeper?.stop();
});

async function request<T>(id: number, send: (c: Connection) => Promise<T>): Promise<T> {
  const c = await Connection.open('127.0.0.1', brokers.get(id)!.broker.port, 'session-expiry-test');
  try {
    return await send(c);
  } finally {
    c.close();
  }
}

const metadata = (via: number) =>
  request(via, (c) =>
    c.request(MetadataApi, {
      topics: [{ name: 'expiring', topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }],
      allowAutoTopicCreation: false,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    }),
  ).then((answer) => answer.topics[0]?.partitions[0] ?? { leaderId: -1, isrNodes: [] as number[] });

const produce = (id: number, value: string, timeoutMs: number) =>
  request(id, (c) =>
    c.request(ProduceApi, {
      transactionalId: null,
      acks: -1,
      timeoutMs,
      topicData: [
        {
          name: 'expiring',
          partitionData: [{ index: 0, records: buildBatch({ records: [{ value: Buffer.from(value) }] }) }],
        },
      ],
    }),
  ).then((answer) => answer.responses[0]!.partitionResponses[0]!.errorCode);

describe('a leader whose ZooKeeper session expires', () => {
  it(
    'acknowledges nothing it cannot replicate, drops its roles, then follows the new leader',
    { timeout: 60_000 },
    async () => {
      // Broker 2 knows every broker before it places replicas on them.
      await waitFor(() => brokers.get(2)!.broker.cluster!.metadata.liveBrokers().size === 3, {
        timeoutMs: 10_000,
      });
      const created = await request(2, (c) =>
        c.request(CreateTopicsApi, {
          topics: [
            {
              name: 'expiring',
              numPartitions: -1,
              replicationFactor: -1,
              assignments: [{ partitionIndex: 0, brokerIds: [1, 2, 3] }],
              configs: [{ name: 'min.insync.replicas', value: '2' }],
            },
          ],
          timeoutMs: 10_000,
          validateOnly: false,
        }),
      );
      expect(created.topics[0]!.errorMessage).toBeNull();
      await waitFor(async () => (await metadata(2)).isrNodes.length === 3, {
        timeoutMs: 15_000,
        intervalMs: 100,
      });
      expect((await metadata(2)).leaderId).toBe(1);
      expect(await produce(1, 'before', 5000)).toBe(ErrorCode.NONE);

      // The moment broker 1 learns its session expired (its own handler runs first), it must
      // already have stopped leading: nothing of the leader is left on its log.
      const leaderLog = brokers.get(1)!.broker.logManager!.getLog('expiring', 0)!;
      expect(leaderLog.onAppend).toBeDefined();
      let leadingAtExpiry: boolean | undefined;
      brokers
        .get(1)!
        .broker.cluster!.zk.onExpired(() => (leadingAtExpiry = leaderLog.onAppend !== undefined));
      proxy.cut();
      // The others see broker 1 gone once its session times out, and move the leadership.
      await waitFor(async () => (await metadata(2)).leaderId === 2, {
        timeoutMs: 20_000,
        intervalMs: 100,
        what: 'broker 2 to lead',
      });
      // Broker 1 has not heard yet: it still takes the write, but cannot get it replicated.
      expect(await produce(1, 'stranded', 3000)).not.toBe(ErrorCode.NONE);
      expect(await produce(2, 'after', 5000)).toBe(ErrorCode.NONE);

      proxy.heal();
      // Once it hears its session ended, broker 1 leads nothing until told...
      await waitFor(async () => (await produce(1, 'refused', 1000)) === ErrorCode.NOT_LEADER_OR_FOLLOWER, {
        timeoutMs: 20_000,
        intervalMs: 200,
        what: 'broker 1 to step down',
      });
      expect(leadingAtExpiry).toBe(false);
      // ...then follows broker 2: its own 'stranded' record goes, the leader's records come.
      await waitFor(async () => (await metadata(2)).isrNodes.length === 3, {
        timeoutMs: 20_000,
        intervalMs: 200,
        what: 'broker 1 back in the ISR',
      });
      const log1 = brokers.get(1)!.broker.logManager!.getLog('expiring', 0)!;
      const log2 = brokers.get(2)!.broker.logManager!.getLog('expiring', 0)!;
      await waitFor(() => log1.logEndOffset === log2.logEndOffset, { timeoutMs: 10_000 });
      const read = async (log: typeof log1) =>
        Buffer.from((await log.read(0, 1 << 20, { upTo: log.logEndOffset })).records);
      expect((await read(log1)).equals(await read(log2))).toBe(true);
      expect(log2.logEndOffset).toBe(2); // 'before' and 'after'
    },
  );
});
