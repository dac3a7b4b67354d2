// Partition moves (AlterPartitionReassignments, ListPartitionReassignments and the older
// /admin/reassign_partitions znode) in a cluster of four in-process brokers with data: what
// moves, what the removed replicas keep, and what a client sees meanwhile.
import {
  alterPartitionReassignmentsV0,
  Connection as PlatformaticConnection,
  listPartitionReassignmentsV0,
} from '@platformatic/kafka';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZkClient } from '../../../../server/cluster/zookeeper/zk-client.js';
import {
  REASSIGN_PARTITIONS_PATH,
  reassignPartitionsZnode,
} from '../../../../server/cluster/zookeeper/zk-reassignments.js';
import { AlterPartitionReassignmentsApi } from '../../../../server/protocol/apis/alter-partition-reassignments.js';
import { ListPartitionReassignmentsApi } from '../../../../server/protocol/apis/list-partition-reassignments.js';
import { ErrorCode } from '../../../../server/protocol/error-codes.js';
import { waitForBrokers } from '../../../helpers/cluster-ready.js';
import { waitFor } from '../../../helpers/wait-for.js';
import { dataCluster } from './data-cluster.js';

const cluster = dataCluster('/reassignments');
const {
  brokers,
  start,
  connect,
  partitionsOf,
  createTopic,
  produce,
  alter,
  listMoves,
  findCoordinator,
  logEnd,
} = cluster;

beforeAll(cluster.setup, 60_000);
afterAll(cluster.teardown);

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

  it("@platformatic/kafka's own AlterPartitionReassignments and ListPartitionReassignments v0 move a partition", async () => {
    await createTopic('by-platformatic', [[1, 2]]);
    await produce('by-platformatic', 0, 40, 'p');
    const id = [...brokers.entries()].find(([, b]) => b.broker.cluster?.isController)![0];
    const connection = new PlatformaticConnection('reassign-platformatic');
    await connection.connect('127.0.0.1', brokers.get(id)!.broker.port);
    try {
      const answer = await alterPartitionReassignmentsV0.api.async(connection, 10_000, false, [
        { name: 'by-platformatic', partitions: [{ partitionIndex: 0, replicas: [2, 3] }] },
      ]);
      expect(answer.errorCode).toBe(ErrorCode.NONE);
      expect(answer.responses[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NONE);
      await waitFor(
        async () =>
          (
            await listPartitionReassignmentsV0.api.async(connection, 10_000, [
              { name: 'by-platformatic', partitionIndexes: [0] },
            ])
          ).topics.length === 0,
        { timeoutMs: 20_000, what: 'the move listed as done' },
      );
    } finally {
      await connection.close();
    }
    await waitFor(async () => (await partitionsOf('by-platformatic')).get(0)!.replicas.join() === '2,3', {
      what: 'metadata of the move',
    });
    await waitFor(() => logEnd(3, 'by-platformatic', 0) === 40, { what: 'broker 3 holding every record' });
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
    const zk = await ZkClient.connect(cluster.zkConnect(), {
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
