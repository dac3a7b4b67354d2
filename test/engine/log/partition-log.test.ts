import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CorruptRecordError,
  InvalidRecordError,
  OffsetOutOfRangeError,
  RecordTooLargeError,
  UnsupportedMagicError,
} from '../../../engine/errors.js';
import { parseLogConfig } from '../../../engine/log/log-config.js';
import { OffsetSpec, PartitionLog } from '../../../engine/log/partition-log.js';
import { buildBatch } from '../../../engine/record/batch-builder.js';
import { Codec, RecordBatch } from '../../../engine/record/record-batch.js';
import { MappingBudget } from '../../../engine/segment/mapping-budget.js';
import { batchOf, decodeRecords } from '../../helpers/log-fixtures.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';

const T0 = 1_700_000_000_000;

describe('PartitionLog', () => {
  let root: string;
  let dir: string;
  const open = (
    props: Record<string, string> = {},
    extra: Partial<Parameters<typeof PartitionLog.open>[0]> = {},
  ): PartitionLog =>
    PartitionLog.open({
      dir,
      topic: 'orders',
      partition: 0,
      config: parseLogConfig(props),
      budget: new MappingBudget(64),
      cleanShutdown: true,
      now: T0,
      ...extra,
    });

  beforeEach(() => {
    root = makeTempDir();
    dir = path.join(root, 'orders-0');
  });
  afterEach(() => removeTempDir(root));

  it('assigns offsets in place and reads the records back', async () => {
    const log = open();
    const first = batchOf(3, 'a');
    const r1 = log.append(first);
    expect(r1).toMatchObject({ firstOffset: 0, lastOffset: 2, logEndOffset: 3, records: 3, batches: 1 });
    const r2 = log.append(batchOf(2, 'b'));
    expect(r2).toMatchObject({ firstOffset: 3, lastOffset: 4, logEndOffset: 5 });
    expect(new RecordBatch(first).baseOffset).toBe(0);
    const read = await log.read(0, 1 << 20);
    expect(decodeRecords(read.records).map((r) => [r.offset, r.key])).toEqual([
      [0, 'a-k0'],
      [1, 'a-k1'],
      [2, 'a-k2'],
      [3, 'b-k0'],
      [4, 'b-k1'],
    ]);
    expect(read).toMatchObject({ firstOffset: 0, logStartOffset: 0, logEndOffset: 5, highWatermark: 5 });
    log.close();
  });

  it('starts a read at the batch that holds the offset', async () => {
    const log = open();
    log.append(batchOf(10, 'a'));
    log.append(batchOf(10, 'b'));
    const read = await log.read(14, 1 << 20);
    expect(read.firstOffset).toBe(10);
    expect(decodeRecords(read.records)[0]!.offset).toBe(10);
    log.close();
  });

  it('returns at least one whole batch even when it is larger than maxBytes, and only whole batches', async () => {
    const log = open();
    const big = log.append(batchOf(50, 'big'));
    log.append(batchOf(50, 'next'));
    const one = await log.read(0, 10);
    expect(one.records.length).toBe(big.bytes);
    const none = await log.read(0, 10, { minOneBatch: false });
    expect(none.records.length).toBe(0);
    const both = await log.read(0, big.bytes + 5);
    expect(both.records.length).toBe(big.bytes);
    log.close();
  });

  it('reads only below upTo (the high watermark)', async () => {
    const log = open();
    log.append(batchOf(2, 'a'));
    log.append(batchOf(2, 'b'));
    const read = await log.read(0, 1 << 20, { upTo: 2 });
    expect(decodeRecords(read.records).map((r) => r.offset)).toEqual([0, 1]);
    expect((await log.read(2, 1 << 20, { upTo: 2 })).records.length).toBe(0);
    log.close();
  });

  it('answers OFFSET_OUT_OF_RANGE outside [log start, LEO] and nothing at the LEO', async () => {
    const log = open();
    log.append(batchOf(5));
    await expect(log.read(6, 100)).rejects.toBeInstanceOf(OffsetOutOfRangeError);
    await expect(log.read(-1, 100)).rejects.toBeInstanceOf(OffsetOutOfRangeError);
    expect((await log.read(5, 100)).records.length).toBe(0);
    log.close();
  });

  it('rolls by segment.bytes and reads across segments', async () => {
    const log = open({ 'segment.bytes': '1000' });
    for (let i = 0; i < 30; i++) log.append(batchOf(5, `s${i}`));
    expect(log.segments().length).toBeGreaterThan(4);
    for (const segment of log.segments()) expect(segment.size).toBeLessThanOrEqual(1000);
    const seen: number[] = [];
    for (let offset = 0; offset < log.logEndOffset;) {
      const read = await log.read(offset, 700);
      const records = decodeRecords(read.records).filter((r) => r.offset >= offset);
      seen.push(...records.map((r) => r.offset));
      offset = records[records.length - 1]!.offset + 1;
    }
    expect(seen).toEqual(Array.from({ length: 150 }, (_, i) => i));
    log.close();
  });

  it('rolls by segment.ms, measured from the first batch timestamp', () => {
    const log = open({ 'segment.ms': '1000' });
    log.append(batchOf(1, 'a', T0), { now: T0 });
    log.append(batchOf(1, 'b', T0 + 500), { now: T0 + 500 });
    expect(log.segments().length).toBe(1);
    log.append(batchOf(1, 'c', T0 + 1500), { now: T0 + 1500 });
    expect(log.segments().map((s) => s.baseOffset)).toEqual([0, 2]);
    log.close();
  });

  it('deletes whole segments past retention.bytes, moving the log start offset', async () => {
    const log = open({ 'segment.bytes': '1000', 'retention.bytes': '2500' });
    for (let i = 0; i < 60; i++) log.append(batchOf(4, `x${i}`));
    const before = log.size;
    const deleted = log.deleteOldSegments(T0);
    expect(deleted).toBeGreaterThan(0);
    expect(log.size).toBeLessThan(before);
    // Whole segments only: what is left is at least retention.bytes, and one segment less would be below it.
    expect(log.size).toBeGreaterThanOrEqual(2500);
    expect(log.size - log.segments()[0]!.size).toBeLessThan(2500);
    expect(log.logStartOffset).toBe(log.segments()[0]!.baseOffset);
    await expect(log.read(0, 100)).rejects.toBeInstanceOf(OffsetOutOfRangeError);
    const read = await log.read(log.logStartOffset, 1 << 20);
    expect(decodeRecords(read.records)[0]!.offset).toBe(log.logStartOffset);
    for (const file of fs.readdirSync(dir))
      expect(Number(file.slice(0, 20))).toBeGreaterThanOrEqual(log.logStartOffset);
    log.close();
  });

  it('deletes segments older than retention.ms, the active one too, keeping the LEO', async () => {
    const log = open({ 'segment.bytes': '1000', 'retention.ms': '60000' });
    for (let i = 0; i < 10; i++) log.append(batchOf(4, `old${i}`, T0));
    expect(log.deleteOldSegments(T0 + 30_000)).toBe(0);
    expect(log.deleteOldSegments(T0 + 120_000)).toBeGreaterThan(0);
    expect(log.logStartOffset).toBe(40);
    expect(log.logEndOffset).toBe(40);
    expect(log.append(batchOf(1)).firstOffset).toBe(40);
    log.close();
  });

  it('keeps everything when cleanup.policy is compact', () => {
    const log = open({ 'segment.bytes': '1000', 'retention.ms': '1', 'cleanup.policy': 'compact' });
    for (let i = 0; i < 10; i++) log.append(batchOf(4, `c${i}`, T0));
    expect(log.deleteOldSegments(T0 + 1_000_000)).toBe(0);
    log.close();
  });

  it('deletes records before an offset at once, and their segments', async () => {
    const log = open({ 'segment.bytes': '1000' });
    for (let i = 0; i < 20; i++) log.append(batchOf(4, `d${i}`));
    expect(log.deleteRecordsBefore(37)).toBe(37);
    await expect(log.read(36, 100)).rejects.toBeInstanceOf(OffsetOutOfRangeError);
    const read = await log.read(37, 1 << 20);
    expect(decodeRecords(read.records).some((r) => r.offset === 37)).toBe(true);
    expect(log.segments()[0]!.baseOffset).toBeLessThanOrEqual(37);
    expect(log.segments()[1]!.baseOffset).toBeGreaterThan(37);
    expect(() => log.deleteRecordsBefore(1000)).toThrow(OffsetOutOfRangeError);
    log.close();
  });

  it('truncates to an offset, dropping the batch that holds it and later segments', async () => {
    const log = open({ 'segment.bytes': '1000' });
    for (let i = 0; i < 20; i++) log.append(batchOf(4, `t${i}`));
    expect(log.truncateTo(42)).toBe(true);
    expect(log.logEndOffset).toBe(40);
    expect(log.append(batchOf(1, 'after')).firstOffset).toBe(40);
    const records = decodeRecords((await log.read(36, 1 << 20)).records);
    expect(records.map((r) => r.key)).toEqual(['t9-k0', 't9-k1', 't9-k2', 't9-k3', 'after-k0']);
    expect(log.truncateTo(1000)).toBe(false);
    log.close();
  });

  it('truncates fully and restarts at an offset', async () => {
    const log = open();
    log.append(batchOf(10));
    log.truncateFullyAndStartAt(500);
    expect([log.logStartOffset, log.logEndOffset]).toEqual([500, 500]);
    expect(log.append(batchOf(2)).firstOffset).toBe(500);
    expect(decodeRecords((await log.read(500, 1000)).records).map((r) => r.offset)).toEqual([500, 501]);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.log'))).toEqual(['00000000000000000500.log']);
    log.close();
  });

  it('finds offsets by timestamp, inside compressed batches too', async () => {
    const log = open({ 'segment.bytes': '3000', 'index.interval.bytes': '100' });
    for (let i = 0; i < 40; i++)
      log.append(batchOf(5, `ts${i}`, T0 + i * 10, i % 2 ? Codec.Gzip : Codec.None));
    // Record j of batch i has timestamp T0 + 10i + j and offset 5i + j.
    expect(await log.offsetForTimestamp(T0 + 123)).toEqual({ offset: 5 * 12 + 3, timestamp: T0 + 123 });
    expect(await log.offsetForTimestamp(T0 + 126)).toEqual({ offset: 5 * 13, timestamp: T0 + 130 });
    expect(await log.offsetForTimestamp(T0 - 5)).toEqual({ offset: 0, timestamp: T0 });
    expect(await log.offsetForTimestamp(T0 + 10_000)).toBeUndefined();
    expect(await log.offsetForTimestamp(OffsetSpec.Latest)).toEqual({ offset: 200, timestamp: -1 });
    expect(await log.offsetForTimestamp(OffsetSpec.Earliest)).toEqual({ offset: 0, timestamp: -1 });
    expect(await log.offsetForTimestamp(OffsetSpec.MaxTimestamp)).toEqual({
      offset: 199,
      timestamp: T0 + 394,
    });
    log.close();
  });

  it('stamps LogAppendTime with a valid CRC when the topic asks for it', async () => {
    const log = open({ 'message.timestamp.type': 'LogAppendTime' });
    const result = log.append(batchOf(3, 'lat', T0 - 99_999), { now: T0 + 7 });
    expect(result.logAppendTime).toBe(T0 + 7);
    const read = await log.read(0, 1000);
    const batch = new RecordBatch(read.records);
    expect(batch.isCrcValid()).toBe(true);
    expect(decodeRecords(read.records).map((r) => r.timestamp)).toEqual([T0 + 7, T0 + 7, T0 + 7]);
    log.close();
  });

  it('rejects bad batches and leaves the log as it was', async () => {
    const log = open({ 'max.message.bytes': '2000' });
    log.append(batchOf(2, 'ok'));
    const corrupt = batchOf(2);
    corrupt[corrupt.length - 1]! ^= 0xff;
    expect(() => log.append(corrupt)).toThrow(CorruptRecordError);
    const oldMagic = batchOf(2);
    oldMagic[16] = 1;
    expect(() => log.append(oldMagic)).toThrow(UnsupportedMagicError);
    expect(() => log.append(batchOf(200, 'huge'))).toThrow(RecordTooLargeError);
    const control = buildBatch({ records: [{ key: 'c', value: 'c' }], control: true });
    expect(() => log.append(control)).toThrow(InvalidRecordError);
    expect(() => log.append(Buffer.concat([batchOf(1), batchOf(1).subarray(0, 30)]))).toThrow(
      CorruptRecordError,
    );
    expect(log.logEndOffset).toBe(2);
    expect(decodeRecords((await log.read(0, 1 << 20)).records).map((r) => r.key)).toEqual(['ok-k0', 'ok-k1']);
    log.close();
  });

  it("keeps a follower's offsets and refuses offsets that go backwards", () => {
    const log = open();
    const batch = buildBatch({ baseOffset: 100, records: [{ value: 'f' }] });
    expect(log.append(batch, { assignOffsets: false })).toMatchObject({
      firstOffset: 100,
      logEndOffset: 101,
    });
    // The gap before it stays inside the segment, as a compacted leader's gaps do.
    expect(log.segments().map((s) => s.baseOffset)).toEqual([0]);
    expect(() =>
      log.append(buildBatch({ baseOffset: 50, records: [{ value: 'x' }] }), { assignOffsets: false }),
    ).toThrow(InvalidRecordError);
    log.close();
  });

  it('flushes by flush.messages and moves the recovery point', () => {
    const log = open({ 'flush.messages': '10' });
    log.append(batchOf(4));
    expect(log.recoveryPoint).toBe(0);
    log.append(batchOf(8));
    expect(log.recoveryPoint).toBe(12);
    log.close();
  });

  it('flushes rolled segments in the background and moves the recovery point past them', async () => {
    const log = open({ 'segment.bytes': '1000' });
    for (let i = 0; i < 10; i++) log.append(batchOf(4, `r${i}`));
    expect(log.segments().length).toBeGreaterThan(1);
    expect(log.recoveryPoint).toBe(0);
    await log.flushRolledSegments();
    expect(log.recoveryPoint).toBe(log.segments().at(-1)!.baseOffset);
    expect(log.recoveryPoint).toBeLessThan(log.logEndOffset);
    log.close();
  });

  it('flushes by flush.ms when asked by the timer', () => {
    const log = open({ 'flush.ms': '1000' });
    log.append(batchOf(4));
    expect(log.flushIfDue(T0 + 10)).toBe(false);
    expect(log.flushIfDue(Date.now() + 5000)).toBe(true);
    expect(log.recoveryPoint).toBe(4);
    log.close();
  });

  it('a roll whose new segment cannot be made leaves the log as it was, still taking appends (its active segment was left read-only)', async () => {
    const log = open();
    log.append(batchOf(3, 'a'));
    // The new segment's index cannot be created (a directory is in the way), as on a full disk.
    fs.mkdirSync(path.join(dir, '00000000000000000003.index'));
    expect(() => log.roll()).toThrow();
    expect(log.segments().map((s) => s.baseOffset)).toEqual([0]);
    log.append(batchOf(2, 'b'));
    expect(log.logEndOffset).toBe(5);
    fs.rmdirSync(path.join(dir, '00000000000000000003.index'));
    log.roll();
    log.append(batchOf(1, 'c'));
    expect(log.segments().map((s) => s.baseOffset)).toEqual([0, 5]);
    expect(decodeRecords((await log.read(0, 1 << 20)).records)).toHaveLength(5);
    expect(decodeRecords((await log.read(5, 1 << 20)).records).map((r) => r.key)).toEqual(['c-k0']);
    log.close();
  });

  it('fails an append on a full disk with DiskFullError and keeps serving what it has', async () => {
    const log = open();
    log.append(batchOf(3, 'kept'));
    // The next segment's file is /dev/full: every write to it fails with ENOSPC.
    fs.symlinkSync('/dev/full', path.join(dir, '00000000000000000003.log'));
    log.roll();
    let error: unknown;
    try {
      log.append(batchOf(2, 'lost'));
    } catch (err) {
      error = err;
    }
    expect((error as { code?: string }).code).toBe('DISK_FULL');
    expect(log.logEndOffset).toBe(3);
    expect(decodeRecords((await log.read(0, 1 << 20)).records).map((r) => r.key)).toEqual([
      'kept-k0',
      'kept-k1',
      'kept-k2',
    ]);
    expect((await log.read(3, 100)).records.length).toBe(0);
  });
});
