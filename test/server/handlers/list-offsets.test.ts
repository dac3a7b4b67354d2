// ListOffsets by time never gives a consumer an offset it cannot fetch yet: in a cluster the high
// watermark trails the log end until followers have the records (it was given the unreplicated
// offset, and a fetch from there waited or was out of range).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildBatch } from '../../../engine/record/batch-builder.js';
import { listOffsetsHandler } from '../../../server/handlers/list-offsets.js';
import type { Message } from '../../../server/protocol/codec.js';
import { createTopic, openAdminContext, type AdminContext } from '../../helpers/admin-context.js';

const T = 1_800_000_000_000;
let ctx: AdminContext;

beforeEach(() => {
  ctx = openAdminContext();
  createTopic(ctx, 'times');
  const log = ctx.broker.logs.getLog('times', 0)!;
  for (let i = 0; i < 4; i++)
    log.append(buildBatch({ records: [{ value: `v${i}`, timestamp: T + i * 10 }] }));
  // Replicated up to offset 2 only: 2 and 3 are on the leader alone.
  log.replicated = true;
  log.setHighWatermark(2);
});

afterEach(() => ctx.close());

async function list(timestamp: number, replicaId = -1): Promise<{ offset: number; timestamp: number }> {
  const answer = await ctx.call(listOffsetsHandler(ctx.broker), 5, {
    replicaId,
    isolationLevel: 0,
    topics: [{ name: 'times', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp }] }],
  });
  const p = ((answer.topics as Message[])[0]!.partitions as Message[])[0]!;
  expect(p.errorCode).toBe(0);
  return { offset: Number(p.offset), timestamp: Number(p.timestamp) };
}

describe('ListOffsets and the high watermark', () => {
  it('finds a replicated record by time', async () => {
    expect(await list(T + 5)).toEqual({ offset: 1, timestamp: T + 10 });
  });

  it('gives a consumer -1 for a time only unreplicated records reach, and latest is the high watermark', async () => {
    expect(await list(T + 15)).toEqual({ offset: -1, timestamp: -1 });
    expect(await list(-3)).toEqual({ offset: -1, timestamp: -1 });
    expect((await list(-1)).offset).toBe(2);
    expect((await list(-2)).offset).toBe(0);
  });

  it('answers a replica (replica id set) and a debugging tool (-2) from the whole log', async () => {
    expect(await list(T + 15, 2)).toEqual({ offset: 2, timestamp: T + 20 });
    expect(await list(T + 15, -2)).toEqual({ offset: 2, timestamp: T + 20 });
  });
});

describe('ListOffsets latest on a new leader', () => {
  /** The partition led here since offset `epochStart` (this broker's leader epoch 7). */
  function leadSince(epochStart: number): void {
    const replicas = {
      leaderError: () => 0,
      leaderEpochOf: () => 7,
      leaderOf: () => ({ epochStartOffset: epochStart }),
    };
    (ctx.broker as { replicas?: unknown }).replicas = replicas;
  }

  async function latest(replicaId = -1): Promise<{ errorCode: number; offset: number }> {
    const answer = await ctx.call(listOffsetsHandler(ctx.broker), 5, {
      replicaId,
      isolationLevel: 0,
      topics: [{ name: 'times', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1 }] }],
    });
    const p = ((answer.topics as Message[])[0]!.partitions as Message[])[0]!;
    return { errorCode: Number(p.errorCode), offset: Number(p.offset) };
  }

  it("a new leader whose high watermark is below its leadership's start offset answers OFFSET_NOT_AVAILABLE (it gave its stale high watermark, from when it followed, as the end)", async () => {
    leadSince(4);
    expect(await latest()).toEqual({ errorCode: 78, offset: -1 });
    // A replica (or a debugging tool) is answered as before.
    expect(await latest(-2)).toEqual({ errorCode: 0, offset: 2 });
    // Once the followers' fetches bring the high watermark there, the latest offset is given.
    ctx.broker.logs.getLog('times', 0)!.setHighWatermark(4);
    expect(await latest()).toEqual({ errorCode: 0, offset: 4 });
  });
});
