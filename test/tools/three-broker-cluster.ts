// Three in-process Kiln brokers (ids 1, 2, 3) on a real ZooKeeper, for the tests of the operator
// commands (reassign, leader-election, topics' partition reports): started in the file's beforeAll,
// everything stopped and removed in its afterAll. A broker can be stopped and started again on its
// own data. Automatic leader balancing is off, so a leader only moves when a test moves it.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { Connection } from '../../server/client/connection.js';
import { ListOffsetsApi } from '../../server/protocol/apis/list-offsets.js';
import { MetadataApi } from '../../server/protocol/apis/metadata.js';
import { startBroker, type RunningBroker } from '../helpers/broker-fixture.js';
import { waitForBrokers } from '../helpers/cluster-ready.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';
import { startZooKeeper, type RunningZooKeeper } from '../helpers/zookeeper.js';

export interface PartitionNow {
  leader: number;
  replicas: number[];
  isr: number[];
}

export interface ThreeBrokerCluster {
  readonly brokers: Map<number, RunningBroker>;
  /** `--bootstrap-server` and the running brokers' addresses, to spread into a command line. */
  readonly bs: string[];
  stop(id: number): Promise<void>;
  start(id: number): Promise<void>;
  /** The partitions of `topic` as Metadata shows them now (ISR sorted). */
  partitions(topic: string): Promise<Map<number, PartitionNow>>;
  /** The high watermark of a partition, from its leader (ListOffsets). */
  highWatermark(topic: string, partition: number): Promise<number>;
  /** Waits until `check` holds for the topic's partitions. */
  waitUntil(topic: string, what: string, check: (ps: Map<number, PartitionNow>) => boolean): Promise<void>;
  /** Writes a file in the scratch directory and gives its path. */
  file(name: string, text: string): string;
}

/** Registers the cluster's start and stop with the calling test file. */
export function useThreeBrokerCluster(extra: Record<string, string> = {}): ThreeBrokerCluster {
  let zookeeper: RunningZooKeeper | undefined;
  const brokers = new Map<number, RunningBroker>();
  const dataDirs = new Map<number, string>();
  let scratch = '';

  async function start(id: number): Promise<void> {
    // A data dir of our own, so a stopped broker starts again on its data (removed in afterAll).
    if (!dataDirs.has(id)) dataDirs.set(id, makeTempDir(`kiln-ops-broker-${id}-`));
    const b = await startBroker({
      'zookeeper.connect': zookeeper!.connect,
      'broker.id': String(id),
      'zookeeper.session.timeout.ms': '6000',
      // Long enough that a loaded machine does not drop followers from the ISR by themselves: the
      // tests decide when a replica leaves (a broker stopped is taken out at once).
      'replica.lag.time.max.ms': '10000',
      'replica.fetch.wait.max.ms': '200',
      'replica.fetch.backoff.ms': '100',
      'offsets.topic.replication.factor': '1',
      'auto.leader.rebalance.enable': 'false',
      ...extra,
      'log.dirs': dataDirs.get(id)!,
    });
    brokers.set(id, b);
  }

  beforeAll(async () => {
    zookeeper = await startZooKeeper();
    scratch = makeTempDir('kiln-ops-');
    for (const id of [1, 2, 3]) await start(id);
    await waitForBrokers([...brokers.values()].map((b) => b.broker.port));
  }, 90_000);

  afterAll(async () => {
    for (const b of brokers.values()) await b.stop().catch(() => {});
    for (const dir of dataDirs.values()) fs.rmSync(dir, { recursive: true, force: true });
    await zookeeper?.stop();
    if (scratch) removeTempDir(scratch);
  }, 60_000);

  async function partitions(topic: string): Promise<Map<number, PartitionNow>> {
    const first = [...brokers.values()][0]!;
    const c = await Connection.open('127.0.0.1', first.broker.port, 'ops-test');
    try {
      const answer = await c.request(MetadataApi, {
        topics: [{ name: topic }],
        allowAutoTopicCreation: false,
      });
      return new Map(
        (answer.topics[0]?.partitions ?? []).map((p) => [
          p.partitionIndex,
          { leader: p.leaderId, replicas: p.replicaNodes, isr: [...p.isrNodes].sort((a, b) => a - b) },
        ]),
      );
    } finally {
      c.close();
    }
  }

  async function highWatermark(topic: string, partition: number): Promise<number> {
    const leader = brokers.get((await partitions(topic)).get(partition)!.leader)!;
    const c = await Connection.open('127.0.0.1', leader.broker.port, 'ops-test');
    try {
      // A leader just elected answers OFFSET_NOT_AVAILABLE (78) until its followers' fetches have
      // brought its high watermark up to where its leadership began: asked again, as clients do.
      for (let attempt = 1; ; attempt++) {
        const answer = await c.request(ListOffsetsApi, {
          replicaId: -1,
          isolationLevel: 0,
          topics: [{ name: topic, partitions: [{ partitionIndex: partition, timestamp: -1 }] }],
        });
        const p = answer.topics[0]!.partitions[0]!;
        if (p.errorCode === 78 && attempt < 100) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          continue;
        }
        if (p.errorCode !== 0) throw new Error(`ListOffsets ${topic}-${partition}: error ${p.errorCode}`);
        return p.offset;
      }
    } finally {
      c.close();
    }
  }

  return {
    brokers,
    highWatermark,
    get bs() {
      return ['--bootstrap-server', [...brokers.values()].map((b) => b.bootstrap).join(',')];
    },
    async stop(id) {
      await brokers.get(id)!.stop();
      brokers.delete(id);
    },
    start,
    partitions,
    async waitUntil(topic, what, check) {
      await waitFor(async () => check(await partitions(topic)), { timeoutMs: 30_000, intervalMs: 100, what });
    },
    file(name, text) {
      const f = path.join(scratch, name);
      fs.writeFileSync(f, text);
      return f;
    },
  };
}
