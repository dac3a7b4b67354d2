// A cluster of four in-process brokers with data on a real ZooKeeper, for the tests of partition
// moves and leader elections: starting and stopping brokers, topics with a chosen assignment,
// acks=all produce, and the controller's APIs.
import fs from 'node:fs';
import { expect } from 'vitest';
import { Connection } from '../../../../server/client/connection.js';
import { AlterPartitionReassignmentsApi } from '../../../../server/protocol/apis/alter-partition-reassignments.js';
import { CreateTopicsApi } from '../../../../server/protocol/apis/create-topics.js';
import { FindCoordinatorApi } from '../../../../server/protocol/apis/find-coordinator.js';
import { ListPartitionReassignmentsApi } from '../../../../server/protocol/apis/list-partition-reassignments.js';
import { MetadataApi } from '../../../../server/protocol/apis/metadata.js';
import { ProduceApi } from '../../../../server/protocol/apis/produce.js';
import { ErrorCode } from '../../../../server/protocol/error-codes.js';
import { buildBatch } from '../../../../engine/index.js';
import { startBroker, type RunningBroker } from '../../../helpers/broker-fixture.js';
import { waitForBrokers } from '../../../helpers/cluster-ready.js';
import { waitFor } from '../../../helpers/wait-for.js';
import { startZooKeeper, type RunningZooKeeper } from '../../../helpers/zookeeper.js';

export type DataCluster = ReturnType<typeof dataCluster>;

/** Brokers 1-4 under ZooKeeper chroot `chroot`; `setup` and `teardown` go in beforeAll and afterAll. */
export function dataCluster(chroot: string) {
  let zookeeper: RunningZooKeeper;
  const brokers = new Map<number, RunningBroker>();
  const dataDirs = new Map<number, string>();

  async function start(id: number): Promise<RunningBroker> {
    const b = await startBroker({
      'zookeeper.connect': `${zookeeper.connect}${chroot}`,
      'broker.id': String(id),
      'zookeeper.session.timeout.ms': '6000',
      'replica.lag.time.max.ms': '1500',
      'replica.fetch.wait.max.ms': '200',
      'replica.fetch.backoff.ms': '100',
      'offsets.topic.replication.factor': '1',
      'leader.imbalance.check.interval.seconds': '1',
      ...(dataDirs.has(id) ? { 'log.dirs': dataDirs.get(id)! } : {}),
    });
    dataDirs.set(id, b.dataDir);
    brokers.set(id, b);
    return b;
  }

  async function setup(): Promise<void> {
    zookeeper = await startZooKeeper();
    for (const id of [1, 2, 3, 4]) await start(id);
    await waitForBrokers([...brokers.values()].map((b) => b.broker.port));
  }

  async function teardown(): Promise<void> {
    for (const b of brokers.values()) await b.stop().catch(() => {});
    for (const dir of dataDirs.values()) fs.rmSync(dir, { recursive: true, force: true });
    await zookeeper?.stop();
  }

  async function connect(id?: number): Promise<Connection> {
    const b = id === undefined ? [...brokers.values()][0]! : brokers.get(id)!;
    return Connection.open('127.0.0.1', b.broker.port, 'reassign-test');
  }

  async function withController<T>(work: (c: Connection) => Promise<T>): Promise<T> {
    const id = [...brokers.entries()].find(([, b]) => b.broker.cluster?.isController)?.[0];
    if (id === undefined) throw new Error('no controller');
    const c = await connect(id);
    try {
      return await work(c);
    } finally {
      c.close();
    }
  }

  async function partitionsOf(
    topic: string,
  ): Promise<Map<number, { leader: number; replicas: number[]; isr: number[] }>> {
    const c = await connect();
    try {
      const answer = await c.request(MetadataApi, {
        topics: [{ name: topic, topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }],
        allowAutoTopicCreation: false,
        includeClusterAuthorizedOperations: false,
        includeTopicAuthorizedOperations: false,
      });
      return new Map(
        (answer.topics[0]?.partitions ?? []).map((p) => [
          p.partitionIndex,
          { leader: p.leaderId, replicas: p.replicaNodes, isr: [...p.isrNodes].sort() },
        ]),
      );
    } finally {
      c.close();
    }
  }

  async function createTopic(name: string, assignment: number[][]): Promise<void> {
    const c = await connect();
    try {
      const answer = await c.request(CreateTopicsApi, {
        topics: [
          {
            name,
            numPartitions: -1,
            replicationFactor: -1,
            assignments: assignment.map((brokerIds, partitionIndex) => ({ partitionIndex, brokerIds })),
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
    await waitFor(
      async () => {
        const parts = await partitionsOf(name);
        return (
          parts.size === assignment.length &&
          [...parts.values()].every((p) => p.isr.length === p.replicas.length)
        );
      },
      { timeoutMs: 20_000, what: `${name} online and in sync` },
    );
  }

  /** Produces `count` records (acks=all) to partition `partition`'s leader. */
  async function produce(topic: string, partition: number, count: number, tag: string): Promise<void> {
    const leader = (await partitionsOf(topic)).get(partition)!.leader;
    const c = await connect(leader);
    try {
      const records = Array.from({ length: count }, (_, i) => ({ value: Buffer.from(`${tag}-${i}`) }));
      const answer = await c.request(ProduceApi, {
        transactionalId: null,
        acks: -1,
        timeoutMs: 10_000,
        topicData: [{ name: topic, partitionData: [{ index: partition, records: buildBatch({ records }) }] }],
      });
      expect(answer.responses[0]!.partitionResponses[0]!.errorCode).toBe(ErrorCode.NONE);
    } finally {
      c.close();
    }
  }

  async function alter(topic: string, partition: number, replicas: number[] | null) {
    return withController((c) =>
      c.request(AlterPartitionReassignmentsApi, {
        timeoutMs: 10_000,
        topics: [{ name: topic, partitions: [{ partitionIndex: partition, replicas }] }],
      }),
    );
  }

  async function listMoves() {
    return withController((c) =>
      c.request(ListPartitionReassignmentsApi, { timeoutMs: 10_000, topics: null }),
    );
  }

  async function findCoordinator(group: string): Promise<{ coordinator: number }> {
    const c = await connect();
    try {
      let found = -1;
      await waitFor(
        async () => {
          const answer = await c.request(FindCoordinatorApi, {
            key: group,
            keyType: 0,
            coordinatorKeys: [group],
          });
          found = answer.coordinators?.[0]?.nodeId ?? answer.nodeId;
          const code = answer.coordinators?.[0]?.errorCode ?? answer.errorCode;
          return code === ErrorCode.NONE && found >= 0;
        },
        { what: 'a group coordinator' },
      );
      return { coordinator: found };
    } finally {
      c.close();
    }
  }

  function logEnd(id: number, topic: string, partition: number): number | undefined {
    return brokers.get(id)?.broker.logManager?.getLog(topic, partition)?.logEndOffset;
  }

  return {
    brokers,
    zkConnect: () => `${zookeeper.connect}${chroot}`,
    setup,
    teardown,
    start,
    connect,
    withController,
    partitionsOf,
    createTopic,
    produce,
    alter,
    listMoves,
    findCoordinator,
    logEnd,
  };
}
