import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DiskFullError } from '../../../engine/errors.js';
import { parseLogConfig } from '../../../engine/log/log-config.js';
import { PartitionLog } from '../../../engine/log/partition-log.js';
import { buildBatch } from '../../../engine/record/batch-builder.js';
import { setBaseOffset } from '../../../engine/record/record-batch.js';
import { isMapped } from '../../../engine/segment/mapped-file.js';
import { MappingBudget } from '../../../engine/segment/mapping-budget.js';
import { OffsetIndex } from '../../../engine/segment/offset-index.js';
import { decodeRecords } from '../../helpers/log-fixtures.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';
import { evictFromPageCache } from '../../helpers/page-cache.js';

/** One test per bug found in review, each named for what broke. */

const T = 1_700_000_000_000;

/** `count` records with values of `valueSize` bytes and timestamps from `ts`. */
function batch(count: number, valueSize = 10, ts = T): Buffer {
  const records = Array.from({ length: count }, (_, i) => ({
    key: `k${i}`,
    value: 'v'.repeat(valueSize),
    timestamp: ts + i,
  }));
  return buildBatch({ records });
}

describe('partition log regressions', () => {
  let dir: string;
  const open = (
    props: Record<string, string> = {},
    extra: Partial<Parameters<typeof PartitionLog.open>[0]> = {},
  ) =>
    PartitionLog.open({
      dir,
      topic: 't',
      partition: 0,
      config: parseLogConfig(props),
      budget: new MappingBudget(8),
      cleanShutdown: true,
      ...extra,
    });
  beforeEach(() => {
    dir = path.join(makeTempDir(), 't-0');
  });
  afterEach(() => removeTempDir(path.dirname(dir)));

  it('truncating back into an older, mapped segment does not cut the file under a live slice', async () => {
    const log = open();
    for (let i = 0; i < 20; i++) log.append(batch(5, 1000));
    log.roll();
    log.append(batch(5));
    const slice = (await log.read(90, 1 << 20, { upTo: 100 })).records;
    expect(isMapped(slice)).toBe(true);
    const copy = Buffer.from(slice);
    const inode = fs.statSync(log.segments()[0]!.path).ino;
    log.truncateTo(5);
    // Touching every page of the slice would kill the process (SIGBUS) had the file been cut in place.
    expect(slice.equals(copy)).toBe(true);
    expect(fs.statSync(log.segments()[0]!.path).ino).not.toBe(inode);
    expect(log.logEndOffset).toBe(5);
    log.close();
  });

  it('a cold read whose maxBytes ends inside the next batch header returns the first batch, not a later segment', async () => {
    const log = open();
    const first = batch(5, 1000);
    log.append(first);
    log.append(batch(5, 1000));
    log.roll();
    log.append(batch(1));
    log.flush();
    evictFromPageCache(log.segments()[0]!.path);
    const read = await log.read(0, first.length + 20);
    expect(read.firstOffset).toBe(0);
    expect(read.records.length).toBe(first.length);
    log.close();
  });

  it('an append whose index cannot grow on a full disk leaves nothing behind', async () => {
    const log = open({ 'index.interval.bytes': '0' });
    log.append(batch(3, 10, T));
    const grow = vi.spyOn(OffsetIndex.prototype, 'append').mockImplementationOnce(() => {
      throw new DiskFullError('index', new Error('ENOSPC'));
    });
    try {
      expect(() => log.append(batch(2, 10, T + 100))).toThrow(DiskFullError);
    } finally {
      grow.mockRestore();
    }
    expect(log.logEndOffset).toBe(3);
    expect(fs.statSync(log.segments()[0]!.path).size).toBe(log.size);
    expect(log.append(batch(1, 10, T + 200)).firstOffset).toBe(3);
    const records = decodeRecords((await log.read(0, 1 << 20)).records);
    expect(records.map((r) => r.offset)).toEqual([0, 1, 2, 3]);
    expect(records[3]!.timestamp).toBe(T + 200);
    expect(log.segments()[0]!.maxTimestamp).toBe(T + 200);
    log.close();
  });

  it('recovery keeps adjacent batches larger than its 8 MiB read chunk', () => {
    const props = { 'max.message.bytes': String(20 * 1024 * 1024) };
    const big = (): Buffer =>
      buildBatch({ records: [{ key: 'k', value: Buffer.alloc(9 * 1024 * 1024, 1), timestamp: T }] });
    const log = open(props);
    log.append(big());
    log.append(big());
    log.append(big());
    const said: string[] = [];
    const recovered = open(props, { cleanShutdown: false, recoveryPoint: 0, log: (m) => said.push(m) });
    expect(recovered.logEndOffset).toBe(3);
    expect(said).toEqual([]);
    recovered.close();
  });

  it('a read with minOneBatch false and a first batch larger than maxBytes returns nothing instead of skipping to the next segment', async () => {
    const log = open();
    log.append(batch(5, 1000));
    log.roll();
    log.append(batch(1));
    const read = await log.read(0, 1000, { minOneBatch: false });
    expect(read.records.length).toBe(0);
    expect(read.firstOffset).toBe(-1);
    log.close();
  });

  it('ListOffsets by timestamp after DeleteRecords answers instead of looping forever', async () => {
    const log = open();
    log.append(batch(10, 10, T));
    log.append(batch(10, 10, T + 100));
    log.deleteRecordsBefore(15);
    expect(await log.offsetForTimestamp(T)).toEqual({ offset: 15, timestamp: T + 105 });
    expect(await log.offsetForTimestamp(-3)).toEqual({ offset: 19, timestamp: T + 109 });
    log.close();
  });

  it('a read in flight while DeleteRecords removes segments does not skip the next live segment', async () => {
    const log = open();
    log.append(batch(10));
    log.roll(Date.now(), 100);
    const gap = batch(10);
    setBaseOffset(gap, 0, 100);
    log.append(gap, { assignOffsets: false });
    log.roll();
    log.append(batch(10));
    log.roll();
    log.append(batch(10));
    expect(log.segments().map((s) => s.baseOffset)).toEqual([0, 100, 110, 120]);
    const pending = log.read(50, 1 << 20); // offset 50 falls in the gap after segment 0
    log.deleteRecordsBefore(110);
    expect((await pending).firstOffset).toBe(110);
    log.close();
  });

  it('a cold read in flight when its segment is deleted still completes', async () => {
    const log = open();
    for (let i = 0; i < 10; i++) log.append(batch(10, 100));
    log.roll();
    log.append(batch(10));
    log.flush();
    evictFromPageCache(log.segments()[0]!.path);
    const pending = log.read(0, 1 << 20);
    log.deleteRecordsBefore(100);
    const read = await pending;
    expect(read.firstOffset).toBe(0);
    expect(decodeRecords(read.records)).toHaveLength(100);
    log.close();
  });

  it('start-up after a torn tail succeeds when a later segment has no index files', () => {
    const log = open();
    log.append(batch(10));
    log.append(batch(10));
    log.roll();
    log.append(batch(10));
    const [first, second] = log.segments();
    log.close();
    fs.truncateSync(first!.path, fs.statSync(first!.path).size - 7);
    fs.rmSync(second!.path.replace(/\.log$/, '.index'));
    fs.rmSync(second!.path.replace(/\.log$/, '.timeindex'));
    const recovered = open({}, { cleanShutdown: false, recoveryPoint: 0 });
    expect(recovered.logEndOffset).toBe(10);
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('00000000000000000020'))).toEqual([]);
    recovered.close();
  });

  it('after truncateTo the segment still knows the max timestamp of batches past its last time index entry', async () => {
    const log = open({ 'index.interval.bytes': '200' });
    for (let i = 0; i < 10; i++) log.append(batch(1, 10, T + i * 1000));
    log.truncateTo(8);
    expect(log.segments()[0]!.maxTimestamp).toBe(T + 7000);
    log.roll();
    for (let i = 8; i < 10; i++) log.append(batch(1, 10, T + i * 1000));
    expect(await log.offsetForTimestamp(T + 6500)).toEqual({ offset: 7, timestamp: T + 7000 });
    log.close();
  });

  it('segment.jitter.ms as large as segment.ms does not roll on every append', () => {
    const log = open({ 'segment.ms': '3600000', 'segment.jitter.ms': '3600000' });
    for (let i = 0; i < 10; i++) log.append(batch(1, 10, T + i), { now: T + i });
    expect(log.segments()).toHaveLength(1);
    log.close();
  });

  it('an append of more batches than index entries left succeeds, and the next one rolls', () => {
    const log = open({ 'index.interval.bytes': '0', 'segment.index.bytes': '240' });
    const many = (): Buffer => Buffer.concat(Array.from({ length: 25 }, (_, i) => batch(1, 10, T + i)));
    for (let i = 0; i < 3; i++) log.append(many(), { internal: true });
    expect(log.logEndOffset).toBe(75);
    expect(log.segments().length).toBeGreaterThanOrEqual(3);
    log.close();
  });
});
