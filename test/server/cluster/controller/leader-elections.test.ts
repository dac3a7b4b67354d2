// Leader elections (ElectLeaders, auto leader balancing) in a cluster of four in-process brokers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ElectLeadersApi } from '../../../../server/protocol/apis/elect-leaders.js';
import { ErrorCode } from '../../../../server/protocol/error-codes.js';
import { waitFor } from '../../../helpers/wait-for.js';
import { dataCluster } from './data-cluster.js';

const cluster = dataCluster('/elections');
const { brokers, start, connect, withController, partitionsOf, createTopic } = cluster;

beforeAll(cluster.setup, 60_000);
afterAll(cluster.teardown);

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
