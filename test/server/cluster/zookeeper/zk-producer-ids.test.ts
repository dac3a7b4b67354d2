import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensurePersistentPaths } from '../../../../server/cluster/zookeeper/broker-registration.js';
import { ZkClient } from '../../../../server/cluster/zookeeper/zk-client.js';
import { ZkProducerIds } from '../../../../server/cluster/zookeeper/zk-producer-ids.js';
import { PATHS, producerIdBlockZnode } from '../../../../server/cluster/zookeeper/znodes.js';
import { startZooKeeper, type RunningZooKeeper } from '../../../helpers/zookeeper.js';

let zookeeper: RunningZooKeeper;
const clients: ZkClient[] = [];

async function session(): Promise<ZkClient> {
  const zk = await ZkClient.connect(`${zookeeper.connect}/pids`, {
    sessionTimeoutMs: 10_000,
    connectionTimeoutMs: 10_000,
  });
  clients.push(zk);
  return zk;
}

beforeAll(async () => {
  zookeeper = await startZooKeeper();
});

afterAll(async () => {
  for (const c of clients) c.close();
  await zookeeper?.stop();
});

describe('producer ids shared through /latest_producer_id_block', () => {
  it('brokers handing out ids at the same time never hand out the same one (every broker started at 0 before)', async () => {
    const zk1 = await session();
    await ensurePersistentPaths(zk1);
    const brokers = [
      new ZkProducerIds(zk1, 1),
      new ZkProducerIds(await session(), 2),
      new ZkProducerIds(await session(), 3),
    ];
    const ids = await Promise.all(brokers.flatMap((b) => Array.from({ length: 1500 }, () => b.allocate())));
    expect(new Set(ids).size).toBe(4500);
    // Six blocks of 1000 were claimed (two per broker), in Kafka's format.
    const last = producerIdBlockZnode.decode((await zk1.get(PATHS.producerIdBlock))!.data);
    expect(last.blockEnd).toBe(5999n);
    expect(last.blockEnd - last.blockStart).toBe(999n);
    // A broker that starts again goes on past every block handed out.
    const again = new ZkProducerIds(await session(), 1);
    expect(await again.allocate()).toBe(6000);
  });
});
