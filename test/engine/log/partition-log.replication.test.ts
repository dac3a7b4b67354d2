// PartitionLog as a replica: the leader epoch cache kept from leader and follower appends, moved by
// truncation and retention; the high watermark of a replicated log, moved only by replication.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LEADER_EPOCH_CHECKPOINT } from '../../../engine/log/leader-epoch-cache.js';
import { parseLogConfig } from '../../../engine/log/log-config.js';
import { PartitionLog } from '../../../engine/log/partition-log.js';
import { buildBatch } from '../../../engine/record/batch-builder.js';
import { iterateBatches } from '../../../engine/record/batch-iterator.js';
import { MappingBudget } from '../../../engine/segment/mapping-budget.js';
import { batchOf } from '../../helpers/log-fixtures.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';

const T = 1_700_000_000_000;

/** A batch as a leader sent it: `count` records from `baseOffset`, stamped with `epoch`. */
function fetched(baseOffset: number, epoch: number, count = 2): Buffer {
  return buildBatch({
    baseOffset,
    partitionLeaderEpoch: epoch,
    records: Array.from({ length: count }, (_, i) => ({
      key: `k${baseOffset + i}`,
      value: 'v',
      timestamp: T,
    })),
  });
}

describe('PartitionLog replication', () => {
  let root: string;
  let dir: string;
  let file: string;
  const open = (props: Record<string, string> = {}): PartitionLog =>
    PartitionLog.open({
      dir,
      topic: 't',
      partition: 0,
      config: parseLogConfig(props),
      budget: new MappingBudget(64),
      cleanShutdown: true,
      now: T,
    });
  const pairs = (log: PartitionLog): [number, number][] =>
    log.epochEntries().map((e) => [e.epoch, e.startOffset]);
  const storedEpochs = async (log: PartitionLog): Promise<number[]> =>
    [...iterateBatches((await log.read(0, 1 << 20, { upTo: log.logEndOffset })).records)].map(
      (b) => b.partitionLeaderEpoch,
    );

  beforeEach(() => {
    root = makeTempDir();
    dir = path.join(root, 't-0');
    file = path.join(dir, LEADER_EPOCH_CHECKPOINT);
  });
  afterEach(() => removeTempDir(root));

  it("a follower's appends record the epochs in the batches' headers, kept across a reopen", () => {
    const log = open();
    log.append(Buffer.concat([fetched(0, 0), fetched(2, 0)]), { assignOffsets: false });
    const results = log.appendMany([fetched(4, 0), Buffer.concat([fetched(6, 2), fetched(8, 3)])], {
      assignOffsets: false,
    });
    expect(results.every((r) => !(r instanceof Error))).toBe(true);
    expect(pairs(log)).toEqual([
      [0, 0],
      [2, 6],
      [3, 8],
    ]);
    expect(log.latestEpoch).toBe(3);
    log.close();
    const again = open();
    expect(pairs(again)).toEqual([
      [0, 0],
      [2, 6],
      [3, 8],
    ]);
    expect(again.endOffsetForEpoch(2)).toEqual({ epoch: 2, endOffset: 8 });
    expect(again.endOffsetForEpoch(3)).toEqual({ epoch: 3, endOffset: 10 });
    again.close();
  });

  it("a follower's gap (a later first offset) starts its epoch at the batch's base offset", () => {
    const log = open();
    log.append(fetched(0, 1), { assignOffsets: false });
    log.append(fetched(50, 4), { assignOffsets: false });
    expect(pairs(log)).toEqual([
      [1, 0],
      [4, 50],
    ]);
    log.close();
  });

  it("a follower copying a compacted leader's batches keeps their gaps inside one segment (it rolled a segment per gap)", async () => {
    const log = open();
    for (const base of [0, 5, 9, 20, 1000]) log.append(fetched(base, 1), { assignOffsets: false });
    expect(log.segments().map((s) => s.baseOffset)).toEqual([0]);
    expect(log.logEndOffset).toBe(1002);
    // A read from inside a gap starts at the next batch.
    const read = await log.read(12, 1 << 20);
    expect(read.firstOffset).toBe(20);
    // A gap past what 32-bit relative offsets reach still starts a segment, at the batch.
    const far = 1000 + 2 ** 31 + 7;
    log.append(fetched(far, 1), { assignOffsets: false });
    expect(log.segments().map((s) => s.baseOffset)).toEqual([0, far]);
    expect(log.logEndOffset).toBe(far + 2);
    log.close();
  });

  it('a leader append with a leaderEpoch stamps it and starts the epoch at its first offset', async () => {
    const log = open();
    log.appendMany([batchOf(2, 'a'), batchOf(3, 'b')], { leaderEpoch: 3 });
    expect(pairs(log)).toEqual([[3, 0]]);
    log.append(batchOf(1, 'c'), { leaderEpoch: 3 });
    log.append(batchOf(1, 'd'), { leaderEpoch: 5 });
    expect(pairs(log)).toEqual([
      [3, 0],
      [5, 6],
    ]);
    expect(await storedEpochs(log)).toEqual([3, 3, 3, 5]);
    expect(log.endOffsetForEpoch(3)).toEqual({ epoch: 3, endOffset: 6 });
    expect(log.endOffsetForEpoch(4)).toEqual({ epoch: 3, endOffset: 6 });
    expect(log.endOffsetForEpoch(5)).toEqual({ epoch: 5, endOffset: 7 });
    log.close();
  });

  it('a replicated leader stamps its epoch, assigned at the LEO, on appends that name none', async () => {
    const log = open();
    log.append(batchOf(2));
    log.replicated = true;
    log.assignLeaderEpoch(4);
    expect(pairs(log)).toEqual([[4, 2]]);
    log.append(batchOf(3), { internal: true });
    expect(await storedEpochs(log)).toEqual([-1, 4]);
    expect(pairs(log)).toEqual([[4, 2]]);
    log.close();
  });

  it('truncateTo drops the epochs that start at or after the new end', () => {
    const log = open();
    for (const [base, epoch] of [
      [0, 0],
      [4, 1],
      [8, 2],
    ] as const)
      log.append(Buffer.concat([fetched(base, epoch), fetched(base + 2, epoch)]), { assignOffsets: false });
    log.truncateTo(6);
    expect(pairs(log)).toEqual([
      [0, 0],
      [1, 4],
    ]);
    log.truncateTo(4);
    expect(pairs(log)).toEqual([[0, 0]]);
    log.close();
    expect(pairs(open())).toEqual([[0, 0]]);
  });

  it('truncateFullyAndStartAt forgets every epoch', () => {
    const log = open();
    log.append(fetched(0, 2), { assignOffsets: false });
    log.truncateFullyAndStartAt(100);
    expect(log.latestEpoch).toBe(-1);
    expect(log.endOffsetForEpoch(2)).toEqual({ epoch: -1, endOffset: -1 });
    expect(fs.readFileSync(file, 'utf8')).toBe('0\n0\n');
    log.close();
  });

  it('moving the log start (delete-records, retention) moves the first epoch up to it', () => {
    const log = open();
    for (const [base, epoch] of [
      [0, 0],
      [4, 1],
      [8, 2],
    ] as const) {
      log.append(Buffer.concat([fetched(base, epoch), fetched(base + 2, epoch)]), { assignOffsets: false });
      log.roll(T);
    }
    log.deleteRecordsBefore(5);
    expect(pairs(log)).toEqual([
      [1, 5],
      [2, 8],
    ]);
    const segment = log.segments()[1]!.size;
    log.updateConfig(parseLogConfig({ 'retention.bytes': String(segment) }));
    expect(log.deleteOldSegments(T)).toBe(1);
    expect(log.logStartOffset).toBe(8);
    expect(pairs(log)).toEqual([[2, 8]]);
    // Inside the first segment: no segment goes, the epoch still moves.
    log.deleteRecordsBefore(9);
    expect(pairs(log)).toEqual([[2, 9]]);
    log.close();
    expect(pairs(open())).toEqual([[2, 9]]);
  });

  it('opening a log trims epochs that start at or past its end', () => {
    const log = open();
    log.append(fetched(0, 1), { assignOffsets: false });
    log.close();
    fs.writeFileSync(file, '0\n3\n1 0\n2 2\n3 7\n');
    const again = open();
    expect(pairs(again)).toEqual([[1, 0]]);
    expect(fs.readFileSync(file, 'utf8')).toBe('0\n1\n1 0\n');
    again.close();
  });

  it('a replicated log keeps its high watermark where replication puts it', () => {
    const log = open();
    log.append(batchOf(2));
    log.replicated = true;
    expect(log.replicated).toBe(true);
    log.setHighWatermark(0);
    log.append(batchOf(3));
    expect(log.logEndOffset).toBe(5);
    expect(log.highWatermark).toBe(0);
    log.setHighWatermark(3);
    log.appendMany([batchOf(1), batchOf(1)]);
    expect(log.highWatermark).toBe(3);
    log.setHighWatermark(100);
    expect(log.highWatermark).toBe(7);
    log.truncateTo(5);
    expect(log.highWatermark).toBe(5);
    log.setHighWatermark(1);
    log.replicated = false;
    expect(log.highWatermark).toBe(5);
    log.append(batchOf(1));
    expect(log.highWatermark).toBe(6);
    log.close();
  });

  it('a single-node log keeps its high watermark at the LEO, stamps nothing and writes no epoch file', async () => {
    const log = open();
    log.append(batchOf(2));
    log.appendMany([batchOf(1), batchOf(3)]);
    expect(log.replicated).toBe(false);
    expect(log.highWatermark).toBe(6);
    expect(log.latestEpoch).toBe(-1);
    expect(log.epochEntries()).toEqual([]);
    expect(log.endOffsetForEpoch(0)).toEqual({ epoch: -1, endOffset: -1 });
    expect(await storedEpochs(log)).toEqual([-1, -1, -1]);
    log.close();
    expect(fs.existsSync(file)).toBe(false);
    expect(open().highWatermark).toBe(6);
  });

  it('deleting the log removes its epoch file with it', () => {
    const log = open();
    log.append(fetched(0, 1), { assignOffsets: false });
    expect(fs.existsSync(file)).toBe(true);
    log.delete();
    expect(fs.existsSync(file)).toBe(false);
  });
});
