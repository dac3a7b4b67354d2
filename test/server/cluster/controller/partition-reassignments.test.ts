// Partition moves (AlterPartitionReassignments, ListPartitionReassignments and the older
// /admin/reassign_partitions znode) and leader elections (ElectLeaders, auto leader balancing) in
// a cluster of four in-process brokers on a real ZooKeeper, with data: what moves, what the
// removed replicas keep, and what a client sees meanwhile.
import fs from 'node:fs';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FindCoordinatorApi } from '../../../../server/protocol/apis/find-coordinator.js';
import { Connection } from '../../../../server/client/connection.js';
import { ZkClient } from '../../../../server/cluster/zookeeper/zk-client.js';
import {
  REASSIGN_PARTITIONS_PATH,
  reassignPartitionsZnode,
} from '../../../../server/cluster/zookeeper/zk-reassignments.js';
import { AlterPartitionReassignmentsApi } from '../../../../server/protocol/apis/alter-partition-reassignments.js';
import { CreateTopicsApi } from '../../../../server/protocol/apis/create-topics.js';
import { ElectLeadersApi } from '../../../../server/protocol/apis/elect-leaders.js';
import { ListPartitionReassignmentsApi } from '../../../../server/protocol/apis/list-partition-reassignments.js';
import { MetadataApi } from '../../../../server/protocol/apis/metadata.js';
import { ProduceApi } from '../../../../server/protocol/apis/produce.js';
import { ErrorCode } from '../../../../server/protocol/error-codes.js';
import { buildBatch } from '../../../../engine/index.js';
import { startBroker, type RunningBroker } from '../../../helpers/broker-fixture.js';
import { waitForBrokers } from '../../../helpers/cluster-ready.js';
import { waitFor } from '../../../helpers/wait-for.js';
import { startZooKeeper, type RunningZooKeeper } from '../../../helpers/zookeeper.js';

let zookeeper: RunningZooKeeper;
const brokers = new Map<number, RunningBroker>();
const chroot = '/reassignments';
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

beforeAll(async () => {
  zookeeper = await startZooKeeper();
  for (const id of [1, 2, 3, 4]) await start(id);
  await waitForBrokers([...brokers.values()].map((b) => b.broker.port));
}, 60_000);

afterAll(async () => {
  for (const b of brokers.values()) await b.stop().catch(() => {});
  for (const dir of dataDirs.values()) fs.rmSync(dir, { recursive: true, force: true });
  await zookeeper?.stop();
});

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
  return withController((c) => c.request(ListPartitionReassignmentsApi, { timeoutMs: 10_000, topics: null }));
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

describe('moving a partition (AlterPartitionReassignments)', () => {
  it('copies every record to the new replicas, then removes the old one and deletes its copy', async () => {
    await createTopic('move-me', [[1, 2]]);
    await produce('move-me', 0, 500, 'before');
    const started = await alter('move-me', 0, [3, 2]);
    expect(started.errorCode).toBe(ErrorCode.NONE);
    expect(started.responses[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NONE);
    await waitFor(async () => (await listMoves()).topics.length === 0, {
      timeoutMs: 20_000,
      what: 'the move to finish',
    });
    await waitFor(async () => (await partitionsOf('move-me')).get(0)!.replicas.join() === '3,2', {
      what: 'metadata without broker 1',
    });
    const p = (await partitionsOf('move-me')).get(0)!;
    expect(p.replicas).toEqual([3, 2]);
    expect(p.isr).toEqual([2, 3]);
    expect([2, 3]).toContain(p.leader);
    expect(logEnd(3, 'move-me', 0)).toBe(500);
    await waitFor(() => logEnd(1, 'move-me', 0) === undefined, { what: "broker 1's copy deleted" });
    // The partition works on its new replicas.
    await produce('move-me', 0, 100, 'after');
    await waitFor(() => logEnd(3, 'move-me', 0) === 600 && logEnd(2, 'move-me', 0) === 600, {
      what: 'both new replicas at 600',
    });
  });

  it('lists a move in progress with its adding and removing replicas, and cancelling goes back', async () => {
    await createTopic('cancel-me', [[1, 2]]);
    await produce('cancel-me', 0, 50, 'x');
    // Broker 4 stays registered but replicates nothing (its replica manager is stopped): it
    // cannot catch up, so the move stays in progress.
    await brokers.get(4)!.broker.replicaManager!.stop();
    const started = await alter('cancel-me', 0, [1, 4]);
    expect(started.responses[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NONE);
    const listed = await listMoves();
    const move = listed.topics.find((t) => t.name === 'cancel-me')!.partitions[0]!;
    expect(move.partitionIndex).toBe(0);
    expect(move.replicas).toEqual([1, 4, 2]);
    expect(move.addingReplicas).toEqual([4]);
    expect(move.removingReplicas).toEqual([2]);
    // Data keeps flowing to the old replicas meanwhile (acks=all needs only the ISR).
    await produce('cancel-me', 0, 10, 'during');
    const cancelled = await alter('cancel-me', 0, null);
    expect(cancelled.responses[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NONE);
    await waitFor(async () => (await listMoves()).topics.length === 0, { what: 'no move in progress' });
    await waitFor(async () => (await partitionsOf('cancel-me')).get(0)!.replicas.join() === '1,2', {
      what: 'metadata without broker 4',
    });
    expect((await partitionsOf('cancel-me')).get(0)!.replicas).toEqual([1, 2]);
    const again = await alter('cancel-me', 0, null);
    expect(again.responses[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NO_REASSIGNMENT_IN_PROGRESS);
    await brokers.get(4)!.stop();
    await start(4);
    await waitForBrokers([...brokers.values()].map((b) => b.broker.port));
  });

  it('a move in progress when the controller fails is completed by the next one', async () => {
    await createTopic('resume-me', [[2, 3]]);
    await produce('resume-me', 0, 30, 'r');
    await brokers.get(4)!.broker.replicaManager!.stop();
    expect((await alter('resume-me', 0, [2, 4])).responses[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NONE);
    const controller = [...brokers.entries()].find(([, b]) => b.broker.cluster?.isController)![0];
    await brokers.get(controller)!.stop();
    brokers.delete(controller);
    // Broker 4 replicates again (a fresh start on its data): the new controller sees it catch up.
    if (controller !== 4) {
      await brokers.get(4)!.stop();
      await start(4);
    }
    await waitFor(
      async () => {
        const p = (await partitionsOf('resume-me')).get(0);
        return p !== undefined && p.replicas.join() === '2,4';
      },
      { timeoutMs: 20_000, what: 'the move completed by the next controller' },
    );
    await waitFor(() => logEnd(4, 'resume-me', 0) === 30, { what: 'broker 4 holding every record' });
    await start(controller);
    if (controller === 4)
      await waitFor(() => logEnd(4, 'resume-me', 0) === 30, { what: 'broker 4 caught up' });
    await waitForBrokers([...brokers.values()].map((b) => b.broker.port));
    await waitFor(() => logEnd(3, 'resume-me', 0) === undefined, { what: "broker 3's copy deleted" });
  });

  it("a replica moved off the group coordinator keeps the group's committed offsets (only a deleted topic loses them)", async () => {
    const kafka = new Kafka({
      clientId: 'reassign-offsets',
      brokers: [...brokers.values()].map((b) => b.bootstrap),
      logLevel: logLevel.NOTHING,
    });
    const admin = kafka.admin();
    await admin.connect();
    try {
      const { coordinator } = await findCoordinator('keep-offsets-group');
      const others = [...brokers.keys()].filter((id) => id !== coordinator).slice(0, 2);
      await createTopic('keep-offsets', [[coordinator, others[0]!]]);
      await admin.setOffsets({
        groupId: 'keep-offsets-group',
        topic: 'keep-offsets',
        partitions: [{ partition: 0, offset: '0' }],
      });
      expect((await alter('keep-offsets', 0, others)).responses[0]!.partitions[0]!.errorCode).toBe(
        ErrorCode.NONE,
      );
      await waitFor(() => logEnd(coordinator, 'keep-offsets', 0) === undefined, {
        timeoutMs: 20_000,
        what: "the coordinator's copy deleted",
      });
      const fetched = await admin.fetchOffsets({ groupId: 'keep-offsets-group', topics: ['keep-offsets'] });
      expect(fetched[0]!.partitions[0]!.offset).toBe('0');
    } finally {
      await admin.disconnect();
    }
  });

  it('refuses bad replica lists, unknown partitions, and answers NOT_CONTROLLER off the controller', async () => {
    await createTopic('bad-moves', [[1, 2]]);
    const dup = await alter('bad-moves', 0, [2, 2]);
    expect(dup.responses[0]!.partitions[0]!.errorCode).toBe(ErrorCode.INVALID_REPLICA_ASSIGNMENT);
    expect(dup.responses[0]!.partitions[0]!.errorMessage).toMatch(/Duplicate/);
    const empty = await alter('bad-moves', 0, []);
    expect(empty.responses[0]!.partitions[0]!.errorCode).toBe(ErrorCode.INVALID_REPLICA_ASSIGNMENT);
    const dead = await alter('bad-moves', 0, [1, 9]);
    expect(dead.responses[0]!.partitions[0]!.errorCode).toBe(ErrorCode.INVALID_REPLICA_ASSIGNMENT);
    expect(dead.responses[0]!.partitions[0]!.errorMessage).toMatch(/not alive: \[9\]/);
    const unknown = await alter('bad-moves', 7, [1, 2]);
    expect(unknown.responses[0]!.partitions[0]!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const other = [...brokers.entries()].find(([, b]) => !b.broker.cluster?.isController)![0];
    const c = await connect(other);
    try {
      const answer = await c.request(AlterPartitionReassignmentsApi, {
        timeoutMs: 1000,
        topics: [{ name: 'bad-moves', partitions: [{ partitionIndex: 0, replicas: [2, 3] }] }],
      });
      expect(answer.errorCode).toBe(ErrorCode.NOT_CONTROLLER);
      const listed = await c.request(ListPartitionReassignmentsApi, { timeoutMs: 1000, topics: null });
      expect(listed.errorCode).toBe(ErrorCode.NOT_CONTROLLER);
    } finally {
      c.close();
    }
    expect((await partitionsOf('bad-moves')).get(0)!.replicas).toEqual([1, 2]);
  });
});

describe('/admin/reassign_partitions (moves asked for the old way)', () => {
  it('are started, and the znode goes once they are done', async () => {
    await createTopic('old-way', [
      [1, 2],
      [2, 3],
    ]);
    await produce('old-way', 1, 20, 'y');
    const zk = await ZkClient.connect(`${zookeeper.connect}${chroot}`, {
      sessionTimeoutMs: 6000,
      connectionTimeoutMs: 6000,
      log: () => {},
    });
    try {
      await zk.create(
        REASSIGN_PARTITIONS_PATH,
        reassignPartitionsZnode.encode([
          { topic: 'old-way', partition: 0, replicas: [3, 4] },
          { topic: 'old-way', partition: 1, replicas: [1, 2, 3] },
          { topic: 'no-such-topic', partition: 0, replicas: [1] },
        ]),
      );
      await waitFor(async () => !(await zk.exists(REASSIGN_PARTITIONS_PATH)), {
        timeoutMs: 20_000,
        what: 'the znode to be deleted',
      });
    } finally {
      zk.close();
    }
    await waitFor(async () => (await partitionsOf('old-way')).get(0)!.replicas.join() === '3,4', {
      what: 'metadata of the moves',
    });
    const parts = await partitionsOf('old-way');
    expect(parts.get(0)!.replicas).toEqual([3, 4]);
    expect(parts.get(1)!.replicas).toEqual([1, 2, 3]);
    await waitFor(() => logEnd(1, 'old-way', 1) === 20, { what: 'the added replica caught up' });
  });
});

describe('leader elections', () => {
  it('auto leader balancing gives a bounced broker its preferred leadership back, unasked', async () => {
    await createTopic('elect-me', [[1, 2, 3]]);
    expect((await partitionsOf('elect-me')).get(0)!.leader).toBe(1);
    // Broker 1 bounces: broker 2 leads meanwhile.
    await brokers.get(1)!.stop();
    brokers.delete(1);
    await waitFor(async () => (await partitionsOf('elect-me')).get(0)!.leader === 2, {
      what: 'broker 2 leading',
    });
    await start(1);
    // Checked every second here: once broker 1 is in sync again it leads again.
    await waitFor(async () => (await partitionsOf('elect-me')).get(0)!.leader === 1, {
      timeoutMs: 20_000,
      what: 'broker 1 leading again',
    });
  });

  it('ElectLeaders answers each partition: no election needed, unknown, and NOT_CONTROLLER off the controller', async () => {
    await createTopic('elect-answers', [[2, 3]]);
    for (const electionType of [0, 1]) {
      const answer = await withController((c) =>
        c.request(ElectLeadersApi, {
          electionType,
          topicPartitions: [{ topic: 'elect-answers', partitions: [0, 9] }],
          timeoutMs: 5000,
        }),
      );
      expect(answer.errorCode).toBe(ErrorCode.NONE);
      const results = new Map(
        answer.replicaElectionResults[0]!.partitionResult.map((r) => [r.partitionId, r.errorCode]),
      );
      expect(results.get(0)).toBe(ErrorCode.ELECTION_NOT_NEEDED);
      expect(results.get(9)).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    }
    // Every partition (a null list): those needing no election are left out.
    const all = await withController((c) =>
      c.request(ElectLeadersApi, { electionType: 0, topicPartitions: null, timeoutMs: 5000 }),
    );
    const listed = all.replicaElectionResults.flatMap((t) =>
      t.partitionResult.map((r) => ({ topic: t.topic, ...r })),
    );
    expect(listed.filter((r) => r.errorCode === ErrorCode.ELECTION_NOT_NEEDED)).toEqual([]);
    expect(listed.filter((r) => r.topic === 'elect-answers')).toEqual([]);
    const other = [...brokers.entries()].find(([, b]) => !b.broker.cluster?.isController)![0];
    const c = await connect(other);
    try {
      const answer = await c.request(ElectLeadersApi, {
        electionType: 0,
        topicPartitions: [{ topic: 'elect-answers', partitions: [0] }],
        timeoutMs: 1000,
      });
      expect(answer.errorCode).toBe(ErrorCode.NOT_CONTROLLER);
    } finally {
      c.close();
    }
  });
});
