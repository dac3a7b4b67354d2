import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Connection } from '../../../server/client/connection.js';
import { CreateTopicsApi } from '../../../server/protocol/apis/create-topics.js';
import { ErrorCode } from '../../../server/protocol/error-codes.js';
import { startBroker, type RunningBroker } from '../../helpers/broker-fixture.js';
import { waitForBrokers } from '../../helpers/cluster-ready.js';
import { scrape, sampleValue } from '../../helpers/prometheus-text.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';
import { waitFor } from '../../helpers/wait-for.js';
import { startZooKeeper, type RunningZooKeeper } from '../../helpers/zookeeper.js';

/** /readyz and the replication metrics of two brokers in a cluster on a real ZooKeeper. */
describe('admin listener in a cluster', () => {
  let zookeeper: RunningZooKeeper;
  const brokers: RunningBroker[] = [];
  const dirs: string[] = [];

  async function start(id: number): Promise<RunningBroker> {
    const dir = dirs[id - 1] ?? makeTempDir(`kiln-admin-cluster-${id}-`);
    dirs[id - 1] = dir;
    return startBroker({
      'zookeeper.connect': `${zookeeper.connect}/admin-readiness`,
      'broker.id': String(id),
      'log.dirs': dir,
      'zookeeper.session.timeout.ms': '6000',
      'replica.lag.time.max.ms': '1500',
      'replica.fetch.wait.max.ms': '200',
      'offsets.topic.replication.factor': '1',
      'kiln.admin.listener': 'http://127.0.0.1:0',
    });
  }

  async function ready(b: RunningBroker): Promise<{ status: number; body: { reasons: string[] } }> {
    const res = await fetch(`http://127.0.0.1:${b.broker.adminPort!}/readyz`);
    return { status: res.status, body: (await res.json()) as { reasons: string[] } };
  }

  beforeAll(async () => {
    zookeeper = await startZooKeeper();
    brokers.push(await start(1), await start(2));
    await waitForBrokers(brokers.map((b) => b.broker.port));
    const c = await Connection.open('127.0.0.1', brokers[0]!.broker.port, 'admin-test');
    try {
      const answer = await c.request(CreateTopicsApi, {
        topics: [
          {
            name: 'replicated',
            numPartitions: -1,
            replicationFactor: -1,
            assignments: [
              { partitionIndex: 0, brokerIds: [1, 2] },
              { partitionIndex: 1, brokerIds: [2, 1] },
            ],
            configs: [],
          },
        ],
        timeoutMs: 10_000,
        validateOnly: false,
      });
      expect(answer.topics[0]!.errorCode).toBe(ErrorCode.NONE);
    } finally {
      c.close();
    }
  }, 60_000);
  afterAll(async () => {
    for (const b of brokers) await b.stop().catch(() => {});
    for (const dir of dirs) removeTempDir(dir);
    await zookeeper?.stop();
  });

  it('is ready on both brokers once each follows in the ISR, with one controller and nothing under-replicated', async () => {
    for (const b of brokers) {
      await waitFor(async () => (await ready(b)).status === 200, { what: 'readiness', timeoutMs: 30_000 });
      expect((await ready(b)).body.reasons).toEqual([]);
    }
    await waitFor(
      async () => {
        const all = await Promise.all(brokers.map((b) => scrape(b.broker.adminPort!)));
        const sum = (name: string): number => all.reduce((n, s) => n + (sampleValue(s, name) ?? 0), 0);
        return (
          sum('kafka_server_replicamanager_leadercount') === 2 &&
          sum('kafka_server_replicamanager_underreplicatedpartitions') === 0 &&
          sum('kafka_server_replicamanager_partitioncount') === 4
        );
      },
      { what: 'both partitions led and replicated', timeoutMs: 30_000 },
    );
    const all = await Promise.all(brokers.map((b) => scrape(b.broker.adminPort!)));
    const controllers = all.map((s) =>
      sampleValue(s, 'kafka_controller_kafkacontroller_activecontrollercount'),
    );
    expect(controllers.sort()).toEqual([0, 1]);
  });

  it('counts under-replicated partitions when a follower stops', async () => {
    const [first, second] = brokers as [RunningBroker, RunningBroker];
    await second.stop();
    brokers.pop();
    await waitFor(
      async () => {
        const samples = await scrape(first.broker.adminPort!);
        return sampleValue(samples, 'kafka_server_replicamanager_underreplicatedpartitions') === 2;
      },
      { what: 'the ISR to shrink to the broker left', timeoutMs: 30_000 },
    );
  });

  it('counts the ISR expanding when the follower comes back, and the follower is ready once in it', async () => {
    brokers.push(await start(2));
    const second = brokers[1]!;
    await waitFor(async () => (await ready(second)).status === 200, { what: 'readiness', timeoutMs: 30_000 });
    await waitFor(
      async () => {
        const all = await Promise.all(brokers.map((b) => scrape(b.broker.adminPort!)));
        const sum = (name: string): number => all.reduce((n, s) => n + (sampleValue(s, name) ?? 0), 0);
        return (
          sum('kafka_server_replicamanager_isrexpands_total') >= 1 &&
          sum('kafka_server_replicamanager_underreplicatedpartitions') === 0
        );
      },
      { what: 'the ISR to grow back', timeoutMs: 30_000 },
    );
  });
});
