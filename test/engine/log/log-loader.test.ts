import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseLogConfig } from '../../../engine/log/log-config.js';
import { PartitionLog } from '../../../engine/log/partition-log.js';
import { MappingBudget } from '../../../engine/segment/mapping-budget.js';
import { batchOf } from '../../helpers/log-fixtures.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';

/** Index checks at start-up (log-loader.ts): what fails them is rebuilt from the .log and said. */
describe('log loader index checks', () => {
  let root: string;
  let dir: string;
  let messages: string[];
  const props = { 'segment.bytes': '1500', 'index.interval.bytes': '200' };
  const open = (): PartitionLog =>
    PartitionLog.open({
      dir,
      topic: 'events',
      partition: 0,
      config: parseLogConfig(props),
      budget: new MappingBudget(16),
      cleanShutdown: true,
      recoveryPoint: Number.MAX_SAFE_INTEGER,
      log: (m) => messages.push(m),
    });
  const indexFiles = (): string[] =>
    fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.index'))
      .sort()
      .map((f) => path.join(dir, f));

  beforeEach(() => {
    root = makeTempDir();
    dir = path.join(root, 'events-0');
    messages = [];
    const log = open();
    for (let i = 0; i < 40; i++) log.append(batchOf(5, `b${i}`));
    log.close();
    messages = [];
  });
  afterEach(() => removeTempDir(root));

  it('an emptied offset index of an older segment is rebuilt at start and the rebuild is said', () => {
    const index = indexFiles()[1]!;
    const original = fs.readFileSync(index);
    expect(original.length).toBeGreaterThan(0);
    fs.writeFileSync(index, Buffer.alloc(0));
    const log = open();
    log.close();
    expect(fs.readFileSync(index)).toEqual(original);
    expect(messages.join('\n')).toContain(`${index}: rebuilding the indexes from the log`);
    expect(messages.join('\n')).toContain('empty');
  });

  it('an offset index whose last entry lies past the next segment base is rebuilt at start', () => {
    const files = indexFiles();
    const index = files[1]!;
    const nextBase = Number(path.basename(files[2]!, '.index'));
    const base = Number(path.basename(index, '.index'));
    const original = fs.readFileSync(index);
    const damaged = Buffer.from(original);
    // Still increasing and inside the .log, but claiming an offset the next segment holds.
    damaged.writeInt32BE(nextBase - base + 3, damaged.length - 8);
    fs.writeFileSync(index, damaged);
    const log = open();
    log.close();
    expect(fs.readFileSync(index)).toEqual(original);
    expect(messages.join('\n')).toMatch(
      /rebuilding the indexes from the log: offset index ends at offset \d+, outside/,
    );
  });

  it('sealed segments of one batch larger than index.interval.bytes (no index entries) are not rebuilt at start', () => {
    removeTempDir(root);
    root = makeTempDir();
    dir = path.join(root, 'events-0');
    const log = open();
    // Each batch is larger than segment.bytes, so each segment holds one batch and no index entry.
    for (let i = 0; i < 4; i++) log.append(batchOf(60, `big${i}`));
    log.close();
    expect(indexFiles().length).toBeGreaterThan(2);
    expect(fs.statSync(indexFiles()[0]!).size).toBe(0);
    messages = [];
    open().close();
    expect(messages).toEqual([]);
  });

  it('a time index that is not whole entries is rebuilt at start and the rebuild is said', () => {
    const timeIndex = indexFiles()[1]!.replace(/\.index$/, '.timeindex');
    const original = fs.readFileSync(timeIndex);
    fs.appendFileSync(timeIndex, Buffer.from([1, 2, 3]));
    const log = open();
    log.close();
    expect(fs.readFileSync(timeIndex)).toEqual(original);
    expect(messages.join('\n')).toContain('not whole 12-byte entries');
  });
});
