import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { adminHandlers } from '../../../../server/handlers/admin/index.js';
import { deleteRecordsHandler } from '../../../../server/handlers/admin/delete-records.js';
import { describeClusterHandler } from '../../../../server/handlers/admin/describe-cluster.js';
import { describeLogDirsHandler } from '../../../../server/handlers/admin/describe-log-dirs.js';
import { offsetForLeaderEpochHandler } from '../../../../server/handlers/admin/offset-for-leader-epoch.js';
import { HandlerRegistry } from '../../../../server/handlers/registry.js';
import type { Message } from '../../../../server/protocol/codec.js';
import { ErrorCode } from '../../../../server/protocol/error-codes.js';
import {
  CLUSTER_ID,
  createTopic,
  openAdminContext,
  type AdminContext,
} from '../../../helpers/admin-context.js';
import { batchOf } from '../../../helpers/log-fixtures.js';
import { makeTempDir, removeTempDir } from '../../../helpers/temp-dir.js';

let ctx: AdminContext;
beforeEach(() => {
  ctx = openAdminContext();
});
afterEach(() => ctx.close());

/** A topic with `records` records in partition 0. */
function filled(name: string, records: number, partitions = 1): void {
  createTopic(ctx, name, partitions);
  ctx.broker.logs.getLog(name, 0)!.append(batchOf(records));
}

describe('DeleteRecords', () => {
  const handler = () => deleteRecordsHandler(ctx.broker);
  const request = (name: string, partitions: { partitionIndex: number; offset: number }[]) => ({
    topics: [{ name, partitions }],
    timeoutMs: 1000,
  });
  const partitionsOf = (response: Message) => (response.topics as Message[])[0]!.partitions as Message[];

  it('moves the log start offset and answers the new low watermark', async () => {
    filled('dr', 10);
    const response = await ctx.call(handler(), 2, request('dr', [{ partitionIndex: 0, offset: 4 }]));
    expect(partitionsOf(response)).toEqual([{ partitionIndex: 0, lowWatermark: 4, errorCode: 0 }]);
    expect(ctx.broker.logs.getLog('dr', 0)!.logStartOffset).toBe(4);
    const lower = await ctx.call(handler(), 0, request('dr', [{ partitionIndex: 0, offset: 2 }]));
    expect(partitionsOf(lower)).toEqual([{ partitionIndex: 0, lowWatermark: 4, errorCode: 0 }]);
  });

  it('takes -1 as the high watermark', async () => {
    filled('hw', 7);
    const response = await ctx.call(handler(), 1, request('hw', [{ partitionIndex: 0, offset: -1 }]));
    expect(partitionsOf(response)).toEqual([{ partitionIndex: 0, lowWatermark: 7, errorCode: 0 }]);
  });

  it('answers OFFSET_OUT_OF_RANGE beyond the high watermark or below -1, UNKNOWN_TOPIC_OR_PARTITION otherwise', async () => {
    filled('oor', 3);
    const response = await ctx.call(
      handler(),
      2,
      request('oor', [
        { partitionIndex: 0, offset: 4 },
        { partitionIndex: 0, offset: -2 },
        { partitionIndex: 1, offset: 0 },
      ]),
    );
    expect(partitionsOf(response)).toEqual([
      { partitionIndex: 0, lowWatermark: -1, errorCode: ErrorCode.OFFSET_OUT_OF_RANGE },
      { partitionIndex: 0, lowWatermark: -1, errorCode: ErrorCode.OFFSET_OUT_OF_RANGE },
      { partitionIndex: 1, lowWatermark: -1, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION },
    ]);
    const unknown = await ctx.call(handler(), 2, request('nosuch', [{ partitionIndex: 0, offset: 0 }]));
    expect(partitionsOf(unknown)).toMatchObject([{ errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION }]);
    expect(ctx.broker.logs.getLog('oor', 0)!.logStartOffset).toBe(0);
  });
});

describe('DescribeCluster', () => {
  it('names this broker as the only broker and the controller', async () => {
    const response = await ctx.call(describeClusterHandler(ctx.broker), 0, {
      includeClusterAuthorizedOperations: false,
    });
    expect(response).toEqual({
      throttleTimeMs: 0,
      errorCode: 0,
      errorMessage: null,
      endpointType: 1,
      clusterId: CLUSTER_ID,
      controllerId: 0,
      brokers: [{ brokerId: 0, host: '127.0.0.1', port: 9092, rack: null }],
      clusterAuthorizedOperations: -2147483648,
    });
  });

  it('v1 echoes the endpoint type, reports operations when asked and refuses unknown types', async () => {
    const controllers = await ctx.call(describeClusterHandler(ctx.broker), 1, {
      includeClusterAuthorizedOperations: true,
      endpointType: 2,
    });
    expect(controllers).toMatchObject({ errorCode: 0, endpointType: 2, controllerId: 0 });
    expect(controllers.clusterAuthorizedOperations).toBeGreaterThan(0);
    const bad = await ctx.call(describeClusterHandler(ctx.broker), 1, {
      includeClusterAuthorizedOperations: false,
      endpointType: 9,
    });
    expect(bad).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST, brokers: [] });
  });
});

describe('DescribeLogDirs', () => {
  it('lists each data dir with its partitions and sizes, and disk space in v4', async () => {
    filled('ld', 5, 2);
    const response = await ctx.call(describeLogDirsHandler(ctx.broker), 4, { topics: null });
    const [dir] = response.results as Message[];
    expect(dir).toMatchObject({ errorCode: 0, logDir: path.resolve(ctx.dir) });
    expect(dir!.totalBytes).toBeGreaterThan(0);
    expect(dir!.usableBytes).toBeGreaterThan(0);
    const size = ctx.broker.logs.getLog('ld', 0)!.size;
    expect(size).toBeGreaterThan(0);
    expect(dir!.topics).toEqual([
      {
        name: 'ld',
        partitions: [
          { partitionIndex: 0, partitionSize: size, offsetLag: 0, isFutureKey: false },
          { partitionIndex: 1, partitionSize: 0, offsetLag: 0, isFutureKey: false },
        ],
      },
    ]);
  });

  it('spreads over several dirs and keeps only the partitions asked for', async () => {
    const first = makeTempDir('kiln-admin-a-');
    const second = makeTempDir('kiln-admin-b-');
    const multi = openAdminContext({ 'log.dirs': `${first},${second}` }, first);
    try {
      createTopic(multi, 'multi', 2);
      createTopic(multi, 'other', 1);
      const response = await multi.call(describeLogDirsHandler(multi.broker), 1, {
        topics: [{ topic: 'multi', partitions: [0, 1, 7] }],
      });
      const results = response.results as Message[];
      expect(results.map((r) => r.logDir)).toEqual([path.resolve(first), path.resolve(second)]);
      // New partitions go to the least-loaded dir, so each dir holds one of the two.
      expect(results.map((r) => (r.topics as Message[]).map((t) => t.name))).toEqual([['multi'], ['multi']]);
      const listed = results.flatMap((r) =>
        (r.topics as Message[]).flatMap((t) => (t.partitions as Message[]).map((p) => p.partitionIndex)),
      );
      expect(listed.sort()).toEqual([0, 1]);
      const none = await multi.call(describeLogDirsHandler(multi.broker), 0, { topics: [] });
      expect((none.results as Message[]).every((r) => (r.topics as Message[]).length === 0)).toBe(true);
    } finally {
      multi.close();
      removeTempDir(second);
    }
  });
});

describe('OffsetForLeaderEpoch', () => {
  const handler = () => offsetForLeaderEpochHandler(ctx.broker);
  const request = (partitions: Message[], topic = 'ep') => ({
    replicaId: -1,
    topics: [{ topic, partitions }],
  });
  const partitionsOf = (response: Message) => (response.topics as Message[])[0]!.partitions as Message[];

  it('answers epoch 0 with the log end offset', async () => {
    filled('ep', 6);
    const response = await ctx.call(
      handler(),
      4,
      request([{ partition: 0, currentLeaderEpoch: 0, leaderEpoch: 0 }]),
    );
    expect(partitionsOf(response)).toEqual([{ errorCode: 0, partition: 0, leaderEpoch: 0, endOffset: 6 }]);
    const v0 = await ctx.call(handler(), 0, request([{ partition: 0, leaderEpoch: 0 }]));
    expect(partitionsOf(v0)).toMatchObject([{ errorCode: 0, endOffset: 6 }]);
  });

  it('answers an epoch it has no end for with -1/-1 and no error, as Kafka', async () => {
    filled('ep', 2);
    const response = await ctx.call(
      handler(),
      3,
      request([{ partition: 0, currentLeaderEpoch: -1, leaderEpoch: 5 }]),
    );
    expect(partitionsOf(response)).toEqual([{ errorCode: 0, partition: 0, leaderEpoch: -1, endOffset: -1 }]);
  });

  it('checks the current leader epoch: above is UNKNOWN_LEADER_EPOCH, below FENCED_LEADER_EPOCH', async () => {
    filled('ep', 2);
    const response = await ctx.call(
      handler(),
      2,
      request([
        { partition: 0, currentLeaderEpoch: 3, leaderEpoch: 0 },
        { partition: 0, currentLeaderEpoch: -4, leaderEpoch: 0 },
        { partition: 9, currentLeaderEpoch: 0, leaderEpoch: 0 },
      ]),
    );
    expect(partitionsOf(response).map((p) => p.errorCode)).toEqual([
      ErrorCode.UNKNOWN_LEADER_EPOCH,
      ErrorCode.FENCED_LEADER_EPOCH,
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    ]);
  });
});

describe('adminHandlers', () => {
  it('gives one handler per admin API, all registrable together', () => {
    const handlers = adminHandlers(ctx.broker);
    const registry = new HandlerRegistry();
    for (const handler of handlers) registry.register(handler);
    expect(registry.apiVersions()).toEqual([
      { apiKey: 19, minVersion: 0, maxVersion: 7 },
      { apiKey: 20, minVersion: 0, maxVersion: 6 },
      { apiKey: 21, minVersion: 0, maxVersion: 2 },
      { apiKey: 23, minVersion: 0, maxVersion: 4 },
      { apiKey: 32, minVersion: 0, maxVersion: 4 },
      { apiKey: 33, minVersion: 0, maxVersion: 2 },
      { apiKey: 34, minVersion: 0, maxVersion: 1 },
      { apiKey: 35, minVersion: 0, maxVersion: 4 },
      { apiKey: 37, minVersion: 0, maxVersion: 3 },
      { apiKey: 44, minVersion: 0, maxVersion: 1 },
      { apiKey: 60, minVersion: 0, maxVersion: 1 },
    ]);
  });
});
