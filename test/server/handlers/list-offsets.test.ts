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
