import { afterEach, beforeEach, describe, expect, it } from 'vitest';
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
});
