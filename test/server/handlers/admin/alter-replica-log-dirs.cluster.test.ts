// In a cluster (two brokers on a real ZooKeeper, two log.dirs each), a replicated partition's
// leader replica and then its follower replica move to their broker's other directory while kcat
// produces with acks=all: replication goes on through both moves (the high watermark keeps
// moving, the ISR stays whole), and both replicas end up holding every record once, in order.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { iterateBatches, readRecords, type PartitionLog } from '../../../../engine/index.js';
import { Connection } from '../../../../server/client/connection.js';
import { AlterReplicaLogDirsApi } from '../../../../server/protocol/apis/alter-replica-log-dirs.js';
import { CreateTopicsApi } from '../../../../server/protocol/apis/create-topics.js';
import { MetadataApi } from '../../../../server/protocol/apis/metadata.js';
import { ErrorCode } from '../../../../server/protocol/error-codes.js';
import { startBroker, type RunningBroker } from '../../../helpers/broker-fixture.js';
import { waitForBrokers } from '../../../helpers/cluster-ready.js';
import { makeTempDir, removeTempDir } from '../../../helpers/temp-dir.js';
import { waitFor } from '../../../helpers/wait-for.js';
import { startZooKeeper, type RunningZooKeeper } from '../../../helpers/zookeeper.js';

const TOPIC = 'replicated';

let root: string;
let zookeeper: RunningZooKeeper;
const brokers = new Map<number, RunningBroker>();
const dirsOf = (id: number): string[] => ['a', 'b'].map((d) => path.join(root, String(id), d));

beforeAll(async () => {
  root = makeTempDir('kiln-move-cluster-');
  zookeeper = await startZooKeeper();
  for (const id of [1, 2]) {
    const broker = await startBroker({
      'zookeeper.connect': `${zookeeper.connect}/move`,
      'broker.id': String(id),
      'log.dirs': dirsOf(id).join(','),
      'log.segment.bytes': '262144',
      'offsets.topic.replication.factor': '1',
      'replica.fetch.wait.max.ms': '100',
    });
    brokers.set(id, broker);
  }
  await waitForBrokers([...brokers.values()].map((b) => b.broker.port));
}, 60_000);
afterAll(async () => {
  for (const broker of brokers.values()) await broker.stop().catch(() => {});
  await zookeeper?.stop();
  if (root) removeTempDir(root);
});

async function connect(id: number): Promise<Connection> {
  return Connection.open('127.0.0.1', brokers.get(id)!.broker.port, 'move-cluster-test');
}

async function isr(): Promise<number[]> {
  const c = await connect(1);
  try {
    const answer = await c.request(MetadataApi, {
      topics: [{ name: TOPIC, topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }],
      allowAutoTopicCreation: false,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    });
    return [...(answer.topics[0]?.partitions[0]?.isrNodes ?? [])].sort();
  } finally {
    c.close();
  }
}

const logOf = (id: number): PartitionLog => brokers.get(id)!.broker.logManager!.getLog(TOPIC, 0)!;

async function valuesOf(log: PartitionLog): Promise<string[]> {
  const out: string[] = [];
  for (let offset = 0; offset < log.logEndOffset;) {
    const read = await log.read(offset, 1 << 20);
    for (const batch of iterateBatches(read.records)) {
      for (const record of readRecords(batch))
        if (record.offset >= offset) out.push(record.value!.toString());
      offset = batch.lastOffset + 1;
    }
  }
  return out;
}

/** Moves broker `id`'s replica to its other directory and waits until it is there. */
async function moveReplica(id: number): Promise<void> {
  const manager = brokers.get(id)!.broker.logManager!;
  const target = dirsOf(id).find((d) => d !== manager.logDirOf(TOPIC, 0))!;
  const c = await connect(id);
  try {
    const answer = await c.request(AlterReplicaLogDirsApi, {
      dirs: [{ path: target, topics: [{ name: TOPIC, partitions: [0] }] }],
    });
    expect(answer.results[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NONE);
  } finally {
    c.close();
  }
  await expect(manager.moveOutcome(TOPIC, 0)).resolves.toBe('moved');
  expect(manager.logDirOf(TOPIC, 0)).toBe(target);
}

describe('AlterReplicaLogDirs in a cluster', () => {
  it(
    'moves the leader and the follower replica under an acks=all producer',
    { timeout: 120_000 },
    async () => {
      const c = await connect(1);
      try {
        const created = await c.request(CreateTopicsApi, {
          topics: [
            {
              name: TOPIC,
              numPartitions: -1,
              replicationFactor: -1,
              assignments: [{ partitionIndex: 0, brokerIds: [1, 2] }],
              configs: [],
            },
          ],
          timeoutMs: 10_000,
          validateOnly: false,
        });
        expect(created.topics[0]!.errorCode).toBe(ErrorCode.NONE);
      } finally {
        c.close();
      }
      await waitFor(async () => (await isr()).length === 2, { timeoutMs: 30_000, what: 'the ISR' });

      const bootstrap = [...brokers.values()].map((b) => b.bootstrap).join(',');
      const producer = spawn('kcat', [
        '-b',
        bootstrap,
        '-P',
        '-t',
        TOPIC,
        '-p',
        '0',
        '-X',
        'acks=all',
        '-X',
        'enable.idempotence=true',
        '-X',
        'linger.ms=2',
      ]);
      let stderr = '';
      producer.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => producer.on('close', resolve));
      let written = 0;
      let producing = true;
      const feed = (async () => {
        while (producing) {
          const lines = Array.from({ length: 100 }, (_, k) => `v-${written + k}`).join('\n') + '\n';
          written += 100;
          if (!producer.stdin.write(lines))
            await new Promise((resolve) => producer.stdin.once('drain', resolve));
          await new Promise((resolve) => setTimeout(resolve, 2));
        }
        producer.stdin.end();
      })();

      await waitFor(() => logOf(1).highWatermark > 10_000, {
        timeoutMs: 30_000,
        what: 'acknowledged records',
      });
      for (const id of [1, 2]) {
        const hwBefore = logOf(1).highWatermark;
        await moveReplica(id);
        // Replication went on: the high watermark moved on after the move, the ISR is whole.
        await waitFor(() => logOf(1).highWatermark > hwBefore + 1000, { timeoutMs: 30_000, what: 'the HW' });
        expect(await isr()).toEqual([1, 2]);
      }
      producing = false;
      await feed;
      expect(await exited).toBe(0);
      expect(stderr).not.toMatch(/ERROR|fail/i);
      const expected = Array.from({ length: written }, (_, i) => `v-${i}`);
      await waitFor(() => logOf(2).logEndOffset === written && logOf(1).highWatermark === written, {
        timeoutMs: 30_000,
        what: 'the follower to catch up',
      });
      expect(await valuesOf(logOf(1))).toEqual(expected);
      expect(await valuesOf(logOf(2))).toEqual(expected);
    },
  );
});
