// PartitionLog.appendMany: the batches of several requests that reach the broker in one turn are
// validated one by one, as separate appends would be, and written in one segment write.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  CorruptRecordError,
  DiskFullError,
  OutOfOrderSequenceError,
  StorageError,
} from '../../../engine/errors.js';
import { parseLogConfig } from '../../../engine/log/log-config.js';
import type { LogAppendResult } from '../../../engine/log/partition-log-types.js';
import { PartitionLog } from '../../../engine/log/partition-log.js';
import { buildBatch } from '../../../engine/record/batch-builder.js';
import { LogFile } from '../../../engine/segment/log-file.js';
import { LogSegment } from '../../../engine/segment/log-segment.js';
import { MappingBudget } from '../../../engine/segment/mapping-budget.js';
import { decodeRecords } from '../../helpers/log-fixtures.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';

const T = 1_700_000_000_000;

function batch(count: number, prefix: string, producer?: { id: number; seq: number }): Buffer {
  return buildBatch({
    records: Array.from({ length: count }, (_, i) => ({
      key: `${prefix}${i}`,
      value: 'v',
      timestamp: T + i,
    })),
    ...(producer ? { producerId: producer.id, producerEpoch: 0, baseSequence: producer.seq } : {}),
  });
}

function ok(result: LogAppendResult | Error): LogAppendResult {
  if (result instanceof Error) throw result;
  return result;
}

describe('PartitionLog.appendMany', () => {
  let root: string;
  const open = (props: Record<string, string> = {}): PartitionLog =>
    PartitionLog.open({
      dir: path.join(root, 't-0'),
      topic: 't',
      partition: 0,
      config: parseLogConfig(props),
      budget: new MappingBudget(64),
      cleanShutdown: true,
      now: T,
    });

  beforeEach(() => {
    root = makeTempDir();
  });
  afterEach(() => {
    vi.restoreAllMocks();
    removeTempDir(root);
  });

  it('writes the batches of one turn in one write, each with its own offsets', async () => {
    const log = open();
    const writes = vi.spyOn(LogFile.prototype, 'append');
    const results = log.appendMany([batch(2, 'a'), batch(3, 'b'), batch(1, 'c')]);
    expect(writes).toHaveBeenCalledTimes(1);
    expect(results.map((r) => [ok(r).firstOffset, ok(r).lastOffset])).toEqual([
      [0, 1],
      [2, 4],
      [5, 5],
    ]);
    expect(log.logEndOffset).toBe(6);
    const records = decodeRecords((await log.read(0, 1 << 20)).records);
    expect(records.map((r) => `${r.offset}:${r.key}`)).toEqual([
      '0:a0',
      '1:a1',
      '2:b0',
      '3:b1',
      '4:b2',
      '5:c0',
    ]);
    log.close();
  });

  it('a bad batch among good ones fails alone', async () => {
    const log = open();
    const corrupt = batch(2, 'x');
    corrupt[corrupt.length - 1]! ^= 0xff; // the CRC no longer matches
    const results = log.appendMany([batch(1, 'a'), corrupt, batch(1, 'b')]);
    expect(ok(results[0]!).firstOffset).toBe(0);
    expect(results[1]).toBeInstanceOf(CorruptRecordError);
    expect(ok(results[2]!).firstOffset).toBe(1);
    expect(decodeRecords((await log.read(0, 1 << 20)).records).map((r) => r.key)).toEqual(['a0', 'b0']);
    log.close();
  });

  it("one producer's consecutive batches in one group follow each other; a retry in the group is answered with the first's offsets", () => {
    const log = open();
    const first = batch(3, 'a', { id: 7, seq: 0 });
    const results = log.appendMany([
      first,
      batch(2, 'b', { id: 7, seq: 3 }),
      batch(3, 'a', { id: 7, seq: 0 }),
    ]);
    expect(ok(results[0]!).firstOffset).toBe(0);
    expect(ok(results[1]!).firstOffset).toBe(3);
    expect(ok(results[2]!).duplicateOf).toMatchObject({ firstOffset: 0, lastOffset: 2 });
    expect(log.logEndOffset).toBe(5);
    expect(log.appendMany([batch(1, 'c', { id: 7, seq: 9 })])[0]).toBeInstanceOf(OutOfOrderSequenceError);
    log.close();
  });

  it('a write that fails fails its whole group and puts the producer state back', async () => {
    const log = open();
    ok(log.appendMany([batch(1, 'a', { id: 7, seq: 0 })])[0]!);
    vi.spyOn(LogFile.prototype, 'append').mockImplementationOnce(() => {
      throw new DiskFullError('log', new Error('ENOSPC'));
    });
    const failed = log.appendMany([batch(1, 'b', { id: 7, seq: 1 }), batch(1, 'c', { id: 7, seq: 2 })]);
    expect(failed.every((r) => r instanceof DiskFullError)).toBe(true);
    expect(log.logEndOffset).toBe(1);
    // The producer retries the same sequences: neither a duplicate nor out of order.
    const retried = log.appendMany([batch(1, 'b', { id: 7, seq: 1 }), batch(1, 'c', { id: 7, seq: 2 })]);
    expect(retried.map((r) => ok(r).firstOffset)).toEqual([1, 2]);
    expect(ok(retried[0]!).duplicateOf).toBeUndefined();
    const records = decodeRecords((await log.read(0, 1 << 20)).records);
    expect(records.map((r) => `${r.offset}:${r.key}`)).toEqual(['0:a0', '1:b0', '2:c0']);
    log.close();
  });

  it('a group that does not fit the active segment is split at the roll', async () => {
    const one = batch(10, 'a').length;
    const log = open({ 'segment.bytes': String(one * 2 + 10) });
    const writes = vi.spyOn(LogFile.prototype, 'append');
    const results = log.appendMany([batch(10, 'a'), batch(10, 'b'), batch(10, 'c'), batch(10, 'd')]);
    expect(results.map((r) => ok(r).firstOffset)).toEqual([0, 10, 20, 30]);
    expect(writes).toHaveBeenCalledTimes(2);
    expect(log.segments().map((s) => [s.baseOffset, s.size])).toEqual([
      [0, one * 2],
      [20, one * 2],
    ]);
    for (const s of log.segments()) expect(fs.statSync(s.path).size).toBe(s.size);
    const all = decodeRecords((await log.read(0, 1 << 20)).records);
    expect(all[0]!.key).toBe('a0');
    log.close();
  });

  it('a flush.messages fsync that fails after the write fails the append, not answers it (found in review)', () => {
    const log = open({ 'flush.messages': '1' });
    vi.spyOn(LogSegment.prototype, 'flush').mockImplementationOnce(() => {
      throw new StorageError('fdatasync', new Error('EIO'));
    });
    const results = log.appendMany([batch(1, 'a'), batch(1, 'b')]);
    expect(results.every((r) => r instanceof StorageError)).toBe(true);
    vi.spyOn(LogSegment.prototype, 'flush').mockImplementationOnce(() => {
      throw new StorageError('fdatasync', new Error('EIO'));
    });
    expect(() => log.append(batch(1, 'c'))).toThrow(StorageError);
    log.close();
  });

  it("a retry of a batch in the same group is not answered when that batch's write fails (found in review)", () => {
    const log = open();
    vi.spyOn(LogFile.prototype, 'append').mockImplementationOnce(() => {
      throw new DiskFullError('log', new Error('ENOSPC'));
    });
    const results = log.appendMany([batch(2, 'a', { id: 7, seq: 0 }), batch(2, 'a', { id: 7, seq: 0 })]);
    expect(results[0]).toBeInstanceOf(DiskFullError);
    expect(results[1]).toBeInstanceOf(DiskFullError);
    const again = ok(log.appendMany([batch(2, 'a', { id: 7, seq: 0 })])[0]!);
    expect([again.firstOffset, again.duplicateOf]).toEqual([0, undefined]);
    // Once written, a retry in the same group gets the offsets and the LEO after the write.
    const pair = log.appendMany([batch(1, 'b', { id: 7, seq: 2 }), batch(1, 'b', { id: 7, seq: 2 })]);
    expect(ok(pair[1]!).duplicateOf).toMatchObject({ firstOffset: 2, lastOffset: 2 });
    expect(ok(pair[1]!).logEndOffset).toBe(3);
    log.close();
  });
});
