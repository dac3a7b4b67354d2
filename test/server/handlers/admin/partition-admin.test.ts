// Partition moves and leader elections asked of the embedded single node: it is its own
// controller and every partition's only replica, so nothing moves and no election is needed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Connection } from '../../../../server/client/connection.js';
import { AlterPartitionReassignmentsApi } from '../../../../server/protocol/apis/alter-partition-reassignments.js';
import { CreateTopicsApi } from '../../../../server/protocol/apis/create-topics.js';
import { ElectLeadersApi } from '../../../../server/protocol/apis/elect-leaders.js';
import { ListPartitionReassignmentsApi } from '../../../../server/protocol/apis/list-partition-reassignments.js';
import { ErrorCode } from '../../../../server/protocol/error-codes.js';
import { startBroker, type RunningBroker } from '../../../helpers/broker-fixture.js';

let broker: RunningBroker;
let c: Connection;

beforeAll(async () => {
  broker = await startBroker({ 'broker.id': '5' });
  c = await Connection.open('127.0.0.1', broker.broker.port, 'partition-admin-test');
  const made = await c.request(CreateTopicsApi, {
    topics: [{ name: 'alone', numPartitions: 2, replicationFactor: 1, assignments: [], configs: [] }],
    timeoutMs: 5000,
    validateOnly: false,
  });
  expect(made.topics[0]!.errorCode).toBe(ErrorCode.NONE);
});

afterAll(async () => {
  c?.close();
  await broker?.stop();
});

describe('a single node', () => {
  it('accepts a move onto itself, refuses one onto any other broker, and has no move to cancel or list', async () => {
    const answer = await c.request(AlterPartitionReassignmentsApi, {
      timeoutMs: 1000,
      topics: [
        {
          name: 'alone',
          partitions: [
            { partitionIndex: 0, replicas: [5] },
            { partitionIndex: 1, replicas: [5, 6] },
            { partitionIndex: 2, replicas: [5] },
          ],
        },
        { name: 'alone', partitions: [{ partitionIndex: 0, replicas: null }] },
      ],
    });
    expect(answer.errorCode).toBe(ErrorCode.NONE);
    const codes = answer.responses.flatMap((t) => t.partitions.map((p) => p.errorCode));
    expect(codes).toEqual([
      ErrorCode.NONE,
      ErrorCode.INVALID_REPLICA_ASSIGNMENT,
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      ErrorCode.NO_REASSIGNMENT_IN_PROGRESS,
    ]);
    const listed = await c.request(ListPartitionReassignmentsApi, { timeoutMs: 1000, topics: null });
    expect(listed.errorCode).toBe(ErrorCode.NONE);
    expect(listed.topics).toEqual([]);
  });

  it('needs no election for any partition', async () => {
    const answer = await c.request(ElectLeadersApi, {
      electionType: 0,
      topicPartitions: [{ topic: 'alone', partitions: [0, 1, 4] }],
      timeoutMs: 1000,
    });
    expect(answer.errorCode).toBe(ErrorCode.NONE);
    expect(answer.replicaElectionResults[0]!.partitionResult.map((r) => r.errorCode)).toEqual([
      ErrorCode.ELECTION_NOT_NEEDED,
      ErrorCode.ELECTION_NOT_NEEDED,
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    ]);
    const all = await c.request(ElectLeadersApi, { electionType: 0, topicPartitions: null, timeoutMs: 1000 });
    expect(all.replicaElectionResults).toEqual([]);
  });
});
