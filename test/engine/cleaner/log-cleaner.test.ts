import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLEANING_DIR, cleanLog } from '../../../engine/cleaner/log-cleaner.js';
import { workerThreadCount } from '../../../engine/workers/worker-pool.js';
import { parseLogConfig } from '../../../engine/log/log-config.js';
import { PartitionLog } from '../../../engine/log/partition-log.js';
import { buildBatch } from '../../../engine/record/batch-builder.js';
import { MappingBudget } from '../../../engine/segment/mapping-budget.js';
import { decodeRecords, type PlainRecord } from '../../helpers/log-fixtures.js';
import { seededRandom } from '../../helpers/seeded-random.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';

const NOW = 1_800_000_000_000;

describe('cleanLog', () => {
  let root: string;
  let dir: string;
  const open = (props: Record<string, string> = {}, clean = true): PartitionLog =>
    PartitionLog.open({
      dir,
      topic: 'compacted',
      partition: 0,
      config: parseLogConfig({ 'cleanup.policy': 'compact', 'segment.bytes': '600', ...props }),
      budget: new MappingBudget(8),
      cleanShutdown: clean,
    });
  const readAll = async (log: PartitionLog): Promise<PlainRecord[]> => {
    const out: PlainRecord[] = [];
    for (let offset = log.logStartOffset; offset < log.logEndOffset;) {
      const read = await log.read(offset, 1 << 20);
      const records = decodeRecords(read.records).filter((r) => r.offset >= offset);
      if (records.length === 0) break;
      out.push(...records);
      offset = records.at(-1)!.offset + 1;
    }
    return out;
  };
  beforeEach(() => {
    root = makeTempDir();
    dir = path.join(root, 'compacted-0');
  });
  afterEach(() => removeTempDir(root));

  it('keeps the latest record per key in closed segments, against a model, and leaves the active one alone', async () => {
    const log = open();
    const random = seededRandom(3);
    const written: PlainRecord[] = [];
    for (let i = 0; i < 120; i++) {
      const key = `k${Math.floor(random() * 12)}`;
      const value = `v${i}`;
      log.append(buildBatch({ records: [{ key, value, timestamp: NOW }] }), { now: NOW });
      written.push({ offset: i, key, value, timestamp: NOW });
    }
    expect(log.segments().length).toBeGreaterThan(4);
    const result = await cleanLog(log, 0, { now: NOW, force: true });
    expect(result.cleaned).toBe(true);
    expect(workerThreadCount()).toBeGreaterThan(0); // the reading and rewriting ran in the pool
    const activeBase = log.segments().at(-1)!.baseOffset;
    expect(result.cleanedUpTo).toBe(activeBase);
    // Model: below the cleaned point a record stays when no later record below it has its key.
    const lastBelow = new Map<string, number>();
    for (const r of written) if (r.offset < activeBase) lastBelow.set(r.key!, r.offset);
    const expected = written.filter((r) => r.offset >= activeBase || lastBelow.get(r.key!) === r.offset);
    expect(await readAll(log)).toEqual(expected);
    expect(result.stats.recordsOut).toBeLessThan(result.stats.recordsIn);
    // The cleaned log survives a clean restart and reads the same.
    log.close();
    const again = open();
    expect(await readAll(again)).toEqual(expected);
    again.close();
  });

  it('waits for min.cleanable.dirty.ratio and min.compaction.lag.ms unless forced', async () => {
    const log = open({ 'min.compaction.lag.ms': '60000' });
    for (let i = 0; i < 40; i++)
      log.append(buildBatch({ records: [{ key: `k${i % 3}`, value: `v${i}`, timestamp: NOW }] }), {
        now: NOW,
      });
    expect((await cleanLog(log, 0, { now: NOW + 1000 })).cleaned).toBe(false); // too young
    expect((await cleanLog(log, 0, { now: NOW + 120_000 })).cleaned).toBe(true);
    const first = await cleanLog(log, log.segments().at(-1)!.baseOffset, { now: NOW + 120_000 });
    expect(first.cleaned).toBe(false); // nothing dirty any more
    log.close();
  });

  it('finishes a swap that was decided (.swap files) and drops one that was not (.cleaned files)', async () => {
    const log = open();
    for (let i = 0; i < 60; i++)
      log.append(buildBatch({ records: [{ key: `k${i % 5}`, value: `v${i}`, timestamp: NOW }] }), {
        now: NOW,
      });
    log.close();
    const cleanedCopy = path.join(root, 'cleaned');
    fs.cpSync(dir, cleanedCopy, { recursive: true });
    // Clean a copy fully, then stage its first segment as a decided swap in the original.
    const copy = PartitionLog.open({
      dir: cleanedCopy,
      topic: 'compacted',
      partition: 0,
      config: parseLogConfig({ 'cleanup.policy': 'compact', 'segment.bytes': '600' }),
      budget: new MappingBudget(8),
      cleanShutdown: true,
    });
    await cleanLog(copy, 0, { now: NOW, force: true });
    const expected = await readAll(copy);
    copy.close();
    const first = fs
      .readdirSync(cleanedCopy)
      .filter((f) => f.endsWith('.log'))
      .sort()[0]!;
    const stem = first.slice(0, 20);
    fs.copyFileSync(path.join(cleanedCopy, `${stem}.log`), path.join(dir, `${stem}.log.swap`));
    fs.copyFileSync(path.join(cleanedCopy, `${stem}.index`), path.join(dir, `${stem}.index.swap`));
    fs.writeFileSync(path.join(dir, `${stem}.timeindex.cleaned`), 'unfinished');
    const again = open({}, false);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.swap') || f.endsWith('.cleaned'))).toEqual([]);
    const records = await readAll(again);
    const firstSegmentEnd = again.segments()[1]!.baseOffset;
    expect(records.filter((r) => r.offset < firstSegmentEnd)).toEqual(
      expected.filter((r) => r.offset < firstSegmentEnd),
    );
    again.close();
  });

  it('recovers from a crash in the middle of a swap', async () => {
    const log = open();
    for (let i = 0; i < 60; i++)
      log.append(buildBatch({ records: [{ key: `k${i % 5}`, value: `v${i}`, timestamp: NOW }] }), {
        now: NOW,
      });
    const before = await readAll(log);
    log.close();
    // A pass that died after removing a segment's indexes, with its cleaned files still staged.
    const first = fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.log'))
      .sort()[0]!;
    fs.rmSync(path.join(dir, first.replace('.log', '.index')));
    fs.mkdirSync(path.join(dir, CLEANING_DIR));
    fs.writeFileSync(path.join(dir, CLEANING_DIR, first), 'half-written');
    const again = open({}, false);
    expect(fs.existsSync(path.join(dir, CLEANING_DIR))).toBe(false);
    expect(await readAll(again)).toEqual(before);
    again.close();
  });
});
