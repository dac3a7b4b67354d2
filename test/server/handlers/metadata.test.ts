import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BrokerContext } from '../../../server/broker-context.js';
import { MetadataCache } from '../../../server/cluster/metadata-cache.js';
import { metadataHandler } from '../../../server/handlers/metadata.js';
import { ErrorCode } from '../../../server/protocol/error-codes.js';
import { openAdminContext, type AdminContext } from '../../helpers/admin-context.js';

describe('Metadata', () => {
  let ctx: AdminContext;
  beforeEach(() => {
    ctx = openAdminContext();
  });
  afterEach(() => ctx.close());

  const describeTopic = async (name: string): Promise<Record<string, unknown>> => {
    const response = await ctx.call(metadataHandler(ctx.broker), 9, {
      topics: [{ name }],
      allowAutoTopicCreation: false,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    });
    return (response.topics as Record<string, unknown>[])[0]!;
  };

  it('a partition with no log (offline since start) has no leader: LEADER_NOT_AVAILABLE, this node offline', async () => {
    expect(ctx.broker.topics.create('half', 2, 1, {}).errorCode).toBe(ErrorCode.NONE);
    ctx.broker.logs.deleteLog('half', 1);
    const topic = await describeTopic('half');
    expect(topic.errorCode).toBe(ErrorCode.NONE);
    expect(topic.partitions).toMatchObject([
      { partitionIndex: 0, errorCode: ErrorCode.NONE, leaderId: 0, isrNodes: [0], offlineReplicas: [] },
      {
        partitionIndex: 1,
        errorCode: ErrorCode.LEADER_NOT_AVAILABLE,
        leaderId: -1,
        isrNodes: [],
        offlineReplicas: [0],
      },
    ]);
  });

  it('reports __consumer_offsets as internal and a client __ topic as not', async () => {
    expect(ctx.broker.topics.create('__consumer_offsets', 1, 1, {}).errorCode).toBe(ErrorCode.NONE);
    expect(ctx.broker.topics.create('__client', 1, 1, {}).errorCode).toBe(ErrorCode.NONE);
    expect(await describeTopic('__consumer_offsets')).toMatchObject({ isInternal: true });
    expect(await describeTopic('__client')).toMatchObject({ isInternal: false });
  });

  it('a cluster broker just started waits for the controller to describe the cluster before answering (it answered with no topics, and librdkafka failed the records it held for them)', async () => {
    const cache = new MetadataCache();
    const clusterBroker: BrokerContext = Object.create(ctx.broker, { metadata: { value: cache } });
    let answer: Record<string, unknown> | undefined;
    const answered = ctx
      .call(metadataHandler(clusterBroker), 9, {
        topics: [{ name: 'orders' }],
        allowAutoTopicCreation: false,
        includeClusterAuthorizedOperations: false,
        includeTopicAuthorizedOperations: false,
      })
      .then((response) => (answer = response));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(answer).toBeUndefined();
    const state = { topicName: 'orders', partitionIndex: 0, controllerEpoch: 3, leader: 2, leaderEpoch: 1 };
    cache.update({
      controllerId: 2,
      controllerEpoch: 3,
      brokerEpoch: -1,
      ungroupedPartitionStates: [],
      topicStates: [
        {
          topicName: 'orders',
          partitionStates: [{ ...state, isr: [2], zkVersion: 0, replicas: [2], offlineReplicas: [] }],
        },
      ],
      liveBrokers: [
        {
          id: 2,
          v0Host: '',
          v0Port: 0,
          endpoints: [{ port: 9093, host: '127.0.0.1', listener: 'PLAINTEXT', securityProtocol: 0 }],
          rack: null,
        },
      ],
    } as never);
    await answered;
    expect(answer).toMatchObject({
      controllerId: 2,
      brokers: [{ nodeId: 2, port: 9093 }],
      topics: [
        { name: 'orders', errorCode: ErrorCode.NONE, partitions: [{ partitionIndex: 0, leaderId: 2 }] },
      ],
    });
  });

  it('a cluster broker the controller never describes answers after the wait with what it knows', async () => {
    const cache = new MetadataCache();
    const started = Date.now();
    await cache.firstDescription(100);
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    expect(cache.hasBeenDescribed).toBe(false);
  });
});
