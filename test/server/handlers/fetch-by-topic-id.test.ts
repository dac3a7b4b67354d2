// Fetch by topic id (v13+) on a cluster broker whose store does not know the id yet.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BrokerContext } from '../../../server/broker-context.js';
import { AppendWaiters } from '../../../server/cluster/append-waiters.js';
import { MetadataCache } from '../../../server/cluster/metadata-cache.js';
import { fetchHandler } from '../../../server/handlers/fetch.js';
import { ErrorCode } from '../../../server/protocol/error-codes.js';
import { openAdminContext, type AdminContext } from '../../helpers/admin-context.js';

const ID = 'q83vEjRWeJCrze8SNFZ4kA';

describe('Fetch by topic id', () => {
  let ctx: AdminContext;
  beforeEach(() => {
    ctx = openAdminContext();
  });
  afterEach(() => ctx.close());

  const fetchById = async (broker: BrokerContext, topicId: string): Promise<number> => {
    const response = await ctx.call(fetchHandler(broker, new AppendWaiters()), 13, {
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 1 << 20,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [{ topicId, partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20 }] }],
      forgottenTopicsData: [],
      rackId: '',
    });
    const topics = response.responses as { partitions: { errorCode: number }[] }[];
    return topics[0]!.partitions[0]!.errorCode;
  };

  it('an id the cluster knows but this broker holds no replica of yet is NOT_LEADER_OR_FOLLOWER, which clients retry (it was UNKNOWN_TOPIC_ID)', async () => {
    const cache = new MetadataCache();
    cache.update({
      controllerId: 2,
      controllerEpoch: 1,
      brokerEpoch: -1,
      ungroupedPartitionStates: [],
      topicStates: [
        {
          topicName: 'moved',
          topicId: ID,
          partitionStates: [
            {
              topicName: 'moved',
              partitionIndex: 0,
              controllerEpoch: 1,
              leader: 0,
              leaderEpoch: 1,
              isr: [0],
              zkVersion: 0,
              replicas: [0],
              offlineReplicas: [],
            },
          ],
        },
      ],
      liveBrokers: [],
    } as never);
    const clusterBroker: BrokerContext = Object.create(ctx.broker, { metadata: { value: cache } });
    expect(await fetchById(clusterBroker, ID)).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
  });

  it('an id nobody knows is UNKNOWN_TOPIC_ID', async () => {
    const clusterBroker: BrokerContext = Object.create(ctx.broker, {
      metadata: { value: new MetadataCache() },
    });
    expect(await fetchById(clusterBroker, ID)).toBe(ErrorCode.UNKNOWN_TOPIC_ID);
    expect(await fetchById(ctx.broker, ID)).toBe(ErrorCode.UNKNOWN_TOPIC_ID);
  });
});
