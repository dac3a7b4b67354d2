import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CorruptSegmentError, SegmentTruncatedError } from '../../../engine/errors.js';
import { buildBatch } from '../../../engine/record/batch-builder.js';
import { BATCH_LENGTH, setBaseOffset } from '../../../engine/record/record-batch.js';
import { LogFile } from '../../../engine/segment/log-file.js';
import { LogSegment, type SegmentConfig } from '../../../engine/segment/log-segment.js';
import { MappingBudget } from '../../../engine/segment/mapping-budget.js';
import { OpenFileBudget } from '../../../engine/segment/open-file-budget.js';
import { evictFromPageCache } from '../../helpers/page-cache.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';

/** Damage a running broker finds in its segments: reads fail with an error, never hang or crash. */
const config: SegmentConfig = { segmentBytes: 1 << 20, indexIntervalBytes: 300, maxIndexBytes: 4096 };

function batchAt(i: number): Buffer {
  const batch = buildBatch({
    records: Array.from({ length: 10 }, (_, j) => ({ key: `k${i}-${j}`, value: 'x'.repeat(20) })),
  });
  setBaseOffset(batch, 0, 10 * i);
  return batch;
}

describe('segment reads of damaged files', () => {
  let dir: string;
  let budget: MappingBudget;
  const logPath = () => `${dir}/00000000000000000000.log`;
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

  /** Writes `length` as the batch length of batch `i` in the file on disk. */
  const corruptLength = (i: number, length: number): void => {
    const fd = fs.openSync(logPath(), 'r+');
    const field = Buffer.alloc(4);
    field.writeInt32BE(length);
    fs.writeSync(fd, field, 0, 4, i * batchAt(0).length + BATCH_LENGTH);
    fs.closeSync(fd);
  };

  for (const [name, length] of [
    ['below the header size', 3],
    ['past the end of the segment', 1 << 30],
    ['negative', -100],
  ] as const) {
    it(`a corrupt batch length ${name} fails a hot read with CorruptSegmentError instead of stalling`, async () => {
      const segment = filled(20);
      corruptLength(5, length);
      await expect(segment.read(60, 1 << 20, Number.MAX_SAFE_INTEGER, true)).rejects.toBeInstanceOf(
        CorruptSegmentError,
      );
      // Offsets before the damage still read.
      const before = (await segment.read(0, 1 << 20, Number.MAX_SAFE_INTEGER, true))!;
      expect(before.firstOffset).toBe(0);
      expect(before.records.length).toBe(5 * batchAt(0).length);
      segment.close();
    });
  }

  it('a corrupt batch length in a sealed segment read cold fails with CorruptSegmentError', async () => {
    filled(20).close();
    corruptLength(3, 7);
    evictFromPageCache(logPath());
    const segment = LogSegment.open(dir, 0, config, budget, false);
    await expect(segment.read(35, 1 << 20, Number.MAX_SAFE_INTEGER, true)).rejects.toBeInstanceOf(
      CorruptSegmentError,
    );
    segment.close();
  });

  it('a segment cut under a hot reader fails the read with SegmentTruncatedError, no SIGBUS', async () => {
    const segment = filled(20);
    // Mapped and read once: the pages are resident.
    await segment.read(0, 1 << 20, Number.MAX_SAFE_INTEGER, true);
    fs.truncateSync(logPath(), 100);
    await expect(segment.read(150, 1 << 20, Number.MAX_SAFE_INTEGER, true)).rejects.toBeInstanceOf(
      SegmentTruncatedError,
    );
    segment.close();
  });

  it('a cold read that comes up short throws instead of looping forever', async () => {
    filled(20).close();
    evictFromPageCache(logPath());
    const segment = LogSegment.open(dir, 0, config, budget, false);
    const file = segment.file;
    // The file is cut between the size check and the read: the async read returns fewer bytes.
    const readAt = file.readAt.bind(file);
    file.readAt = async (position: number, length: number) => {
      fs.truncateSync(logPath(), 300);
      return readAt(position, length);
    };
    file.assertIntact = () => {};
    const outcome = await Promise.race([
      segment.read(190, 1 << 20, Number.MAX_SAFE_INTEGER, true).then(
        () => 'resolved',
        (err: unknown) => err,
      ),
      new Promise((resolve) => setTimeout(() => resolve('hung'), 5000)),
    ]);
    expect(outcome).toBeInstanceOf(SegmentTruncatedError);
    segment.close();
  });
});

describe('descriptors of idle segment files', () => {
  let dir: string;
  beforeEach(() => {
    dir = makeTempDir();
  });
  afterEach(() => removeTempDir(dir));

  const openLogFds = (): number =>
    fs.readdirSync('/proc/self/fd').filter((fd) => {
      try {
        return fs.readlinkSync(`/proc/self/fd/${fd}`).startsWith(dir);
      } catch {
        return false;
      }
    }).length;

  it('a broker with many segment files holds at most the budget of descriptors, and closed files read again', async () => {
    const files = new OpenFileBudget(4);
    const mapping = new MappingBudget(64);
    const paths = Array.from({ length: 12 }, (_, i) => `${dir}/f${i}.log`);
    for (const [i, path] of paths.entries()) fs.writeFileSync(path, Buffer.alloc(64, i));
    // Opening holds no descriptor until the first use.
    const logs = paths.map((path) => LogFile.open(path, mapping, files));
    expect(openLogFds()).toBe(0);
    for (const [i, log] of logs.entries()) {
      const bytes = await log.readAt(0, 64);
      expect(bytes.equals(Buffer.alloc(64, i))).toBe(true);
      expect(files.size).toBeLessThanOrEqual(4);
      expect(openLogFds()).toBeLessThanOrEqual(4);
    }
    // A file the budget closed opens again on its next use and reads the same bytes.
    expect(logs[0]!.hasOpenFd).toBe(false);
    expect((await logs[0]!.readAt(0, 64)).equals(Buffer.alloc(64, 0))).toBe(true);
    for (const log of logs) log.close();
    expect(openLogFds()).toBe(0);
  });

  it('a file with a read in flight is not closed by the budget', async () => {
    const files = new OpenFileBudget(1);
    const mapping = new MappingBudget(64);
    fs.writeFileSync(`${dir}/a.log`, Buffer.alloc(1 << 20, 1));
    fs.writeFileSync(`${dir}/b.log`, Buffer.alloc(64, 2));
    const a = LogFile.open(`${dir}/a.log`, mapping, files);
    const b = LogFile.open(`${dir}/b.log`, mapping, files);
    const reading = a.readAt(0, 1 << 20);
    expect((await b.readAt(0, 64)).equals(Buffer.alloc(64, 2))).toBe(true);
    expect((await reading).equals(Buffer.alloc(1 << 20, 1))).toBe(true);
    a.close();
    b.close();
  });
});
