import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LogSegment, type SegmentConfig } from '../../../engine/segment/log-segment.js';
import { isMapped } from '../../../engine/segment/mapped-file.js';
import { MappingBudget } from '../../../engine/segment/mapping-budget.js';
import { recoverSegment } from '../../../engine/segment/segment-recovery.js';
import { buildBatch } from '../../../engine/record/batch-builder.js';
import { setBaseOffset } from '../../../engine/record/record-batch.js';
import { decodeRecords } from '../../helpers/log-fixtures.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';
import { evictFromPageCache } from '../../helpers/page-cache.js';

const config: SegmentConfig = { segmentBytes: 1 << 20, indexIntervalBytes: 300, maxIndexBytes: 4096 };
const T0 = 1_750_000_000_000;

/** Batch i holds offsets [10i, 10i+9] with timestamps T0 + 100i + j. */
function batchAt(i: number): Buffer {
  const records = Array.from({ length: 10 }, (_, j) => ({
    key: `k${i}-${j}`,
    value: 'x'.repeat(20),
    timestamp: T0 + 100 * i + j,
  }));
  const batch = buildBatch({ records });
  setBaseOffset(batch, 0, 10 * i);
  return batch;
}

describe('LogSegment', () => {
  let dir: string;
  let budget: MappingBudget;
  beforeEach(() => {
    dir = makeTempDir();
    budget = new MappingBudget(8);
  });
  afterEach(() => removeTempDir(dir));

  const filled = (batches: number): LogSegment => {
    const segment = LogSegment.create(dir, 0, config, budget);
    for (let i = 0; i < batches; i++) segment.append(batchAt(i));
    return segment;
  };

  it('indexes a batch every index.interval.bytes and serves hot reads as mapped slices', async () => {
    const segment = filled(20);
    const batchSize = batchAt(0).length;
    let since = 0;
    let expected = 0;
    for (let i = 0; i < 20; i++) {
      if (since > 300) [expected, since] = [expected + 1, 0];
      since += batchSize;
    }
    expect(expected).toBeGreaterThan(5);
    expect(segment.offsetIndex.entries).toBe(expected);
    const read = (await segment.read(57, 3 * batchSize, Number.MAX_SAFE_INTEGER, true))!;
    expect(read.firstOffset).toBe(50);
    expect(read.position).toBe(5 * batchSize);
    expect(isMapped(read.records)).toBe(true);
    expect(decodeRecords(read.records).map((r) => r.offset)).toEqual(
      Array.from({ length: 30 }, (_, i) => 50 + i),
    );
    segment.close();
  });

  it('reads cold data with an async read, giving the same bytes, and hot data from the mapping', async () => {
    filled(20).close();
    const file = `${dir}/00000000000000000000.log`;
    const batchSize = batchAt(0).length;
    evictFromPageCache(file);
    const segment = LogSegment.open(dir, 0, config, budget, false);
    const cold = (await segment.read(100, 1 << 20, Number.MAX_SAFE_INTEGER, true))!;
    expect(isMapped(cold.records)).toBe(false);
    expect(cold.records.equals(fs.readFileSync(file).subarray(10 * batchSize))).toBe(true);
    expect(cold.firstOffset).toBe(100);
    // The cold read brought the pages in: the same read is now a slice of the mapping.
    const hot = (await segment.read(100, 1 << 20, Number.MAX_SAFE_INTEGER, true))!;
    expect(isMapped(hot.records)).toBe(true);
    expect(hot.records.equals(cold.records)).toBe(true);
    segment.close();
  });

  it('stops before upTo and returns nothing past the end', async () => {
    const segment = filled(5);
    const read = (await segment.read(0, 1 << 20, 30, true))!;
    expect(decodeRecords(read.records).at(-1)!.offset).toBe(29);
    expect(await segment.read(50, 100, Number.MAX_SAFE_INTEGER, true)).toBeUndefined();
    segment.close();
  });

  it('finds the first batch whose max timestamp reaches a target', async () => {
    const segment = filled(20);
    const found = (await segment.findBatchByTimestamp(T0 + 1205, 0))!;
    expect(found.firstOffset).toBe(120);
    expect(await segment.findBatchByTimestamp(T0 + 99_999, 0)).toBeUndefined();
    segment.close();
  });

  it('never truncates a mapped file in place: slices handed out keep their bytes', async () => {
    const segment = filled(10);
    const slice = (await segment.read(0, 1 << 20, Number.MAX_SAFE_INTEGER, true))!.records;
    const copy = Buffer.from(slice);
    expect(isMapped(slice)).toBe(true);
    segment.truncateTo(35);
    expect(segment.size).toBe(3 * batchAt(0).length);
    expect(fs.statSync(segment.logPath).size).toBe(segment.size);
    expect(slice.equals(copy)).toBe(true); // the old file's pages are still there for it
    expect(segment.readNextOffset()).toBe(30);
    segment.append(batchAt(3));
    expect(
      decodeRecords((await segment.read(30, 1 << 20, Number.MAX_SAFE_INTEGER, true))!.records)[0]!.key,
    ).toBe('k3-0');
    segment.close();
  });

  it('resumes a reader where its last read ended, and gives every reader the same batches as a fresh scan', async () => {
    const segment = filled(40);
    const batchSize = batchAt(0).length;
    const offsetsOf = (records: Buffer) => decodeRecords(records).map((r) => r.offset);
    // A consumer reading on, two batches at a time: each read starts where the last one ended.
    let next = 0;
    while (next < 400) {
      const read = (await segment.read(next, 2 * batchSize, Number.MAX_SAFE_INTEGER, false))!;
      expect(read.firstOffset).toBe(next);
      expect(segment.file.lastReadEnd).toBe(read.position + read.records.length);
      next = offsetsOf(read.records).at(-1)! + 1;
    }
    // Readers behind and ahead of that point, and mid-batch, get what the index scan gives.
    for (const offset of [0, 5, 123, 399, 250, 251]) {
      const read = (await segment.read(offset, batchSize, Number.MAX_SAFE_INTEGER, true))!;
      expect(read.firstOffset, `offset ${offset}`).toBe(offset - (offset % 10));
    }
    // A truncation forgets the resume point: a read after new appends starts from the index.
    await segment.read(200, 1 << 20, Number.MAX_SAFE_INTEGER, true);
    segment.truncateTo(100);
    expect(segment.file.lastReadEnd).toBe(-1);
    for (let i = 10; i < 15; i++) segment.append(batchAt(i));
    expect(offsetsOf((await segment.read(120, batchSize, Number.MAX_SAFE_INTEGER, true))!.records)[0]).toBe(
      120,
    );
    segment.close();
  });

  it('a reader behind the last one gets its own offset when the resume point is no longer in memory', async () => {
    const segment = filled(40);
    const batchSize = batchAt(0).length;
    // One reader far along sets the resume point; then the pages leave memory altogether.
    await segment.read(300, 2 * batchSize, Number.MAX_SAFE_INTEGER, true);
    expect(segment.file.lastReadEnd).toBeGreaterThan(0);
    budget.trimResident();
    evictFromPageCache(segment.logPath);
    // A reader at the start takes the cold path: it must not start at the resume point.
    const behind = (await segment.read(5, batchSize, Number.MAX_SAFE_INTEGER, true))!;
    expect(behind.firstOffset).toBe(0);
    expect(decodeRecords(behind.records)[0]!.offset).toBe(0);
    segment.close();
  });

  it('finds its next offset after a clean reopen from the last index entry', () => {
    filled(30).close();
    const reopened = LogSegment.open(dir, 0, config, budget, true);
    expect(reopened.readNextOffset()).toBe(300);
    expect(reopened.maxTimestamp).toBe(T0 + 2909);
    reopened.close();
  });

  it('recovery rebuilds the indexes and cuts a corrupt tail', async () => {
    const segment = filled(12);
    const entries = segment.offsetIndex.entries;
    segment.close();
    const bytes = fs.readFileSync(`${dir}/00000000000000000000.log`);
    const cut = 8 * batchAt(0).length;
    bytes[cut + 30]! ^= 0x10;
    fs.writeFileSync(`${dir}/00000000000000000000.log`, bytes);
    const reopened = LogSegment.open(dir, 0, config, budget, true);
    const result = recoverSegment(reopened);
    expect(result).toMatchObject({ batches: 8, nextOffset: 80, truncatedBytes: bytes.length - cut });
    expect(reopened.size).toBe(cut);
    expect(reopened.offsetIndex.entries).toBeLessThan(entries);
    expect(reopened.offsetIndex.lastOffset).toBeLessThan(80);
    const read = (await reopened.read(79, 1 << 20, Number.MAX_SAFE_INTEGER, true))!;
    expect(read.firstOffset).toBe(70);
    reopened.close();
  });
});
