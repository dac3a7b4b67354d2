import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildBatch } from '../../../engine/record/batch-builder.js';
import { iterateBatches } from '../../../engine/record/batch-iterator.js';
import { readRecords } from '../../../engine/record/record-reader.js';
import { CLEANING_DIR } from '../../../engine/cleaner/log-cleaner.js';
import { CLEANER_CHECKPOINT, LogManager } from '../../../engine/log/log-manager.js';
import { mountSmallFs } from '../../helpers/small-fs.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';
import { kiln } from '../../tools/run-command.js';

/** The broker's background cleaner (LogManager.runCleaner) and the offline `kiln compact`. */
describe('background log cleaner', () => {
  let root: string;
  const props = { 'cleanup.policy': 'compact', 'segment.bytes': '500' };
  const open = (dir: string): LogManager =>
    LogManager.open({
      dirs: [dir],
      topicConfigs: { keys: props, plain: {} },
      retentionCheckIntervalMs: 0,
      flushCheckIntervalMs: 0,
      checkpointIntervalMs: 0,
    });
  beforeEach(() => {
    root = makeTempDir();
  });
  afterEach(() => removeTempDir(root));

  it('cleans compacted logs only, keeps its checkpoint, and the next pass has nothing to do', async () => {
    const dir = path.join(root, 'data');
    const manager = open(dir);
    for (const topic of ['keys', 'plain']) {
      const log = manager.getOrCreateLog(topic, 0);
      for (let i = 0; i < 80; i++)
        log.append(buildBatch({ records: [{ key: `k${i % 4}`, value: `v${i}` }] }));
    }
    const plainSize = manager.getLog('plain', 0)!.size;
    const before = manager.getLog('keys', 0)!.size;
    expect(await manager.runCleaner()).toBe(1);
    expect(manager.getLog('keys', 0)!.size).toBeLessThan(before);
    expect(manager.getLog('plain', 0)!.size).toBe(plainSize);
    const active = manager.getLog('keys', 0)!.segments().at(-1)!.baseOffset;
    expect(fs.readFileSync(path.join(dir, CLEANER_CHECKPOINT), 'utf8')).toBe(`0\n1\nkeys 0 ${active}\n`);
    expect(await manager.runCleaner()).toBe(0);
    manager.close();
    // kiln segments shows which segments the cleaner has done.
    const listed = await kiln('segments', path.join(dir, 'keys-0'), '--json');
    const states = listed.stdout
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { compaction: string }).compaction);
    expect(states.at(-1)).toBe('active');
    expect(new Set(states.slice(0, -1))).toEqual(new Set(['cleaned']));
  });

  it('an unreadable cleaner-offset-checkpoint does not fail every cleaner pass', async () => {
    const dir = path.join(root, 'data');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, CLEANER_CHECKPOINT), 'garbage\n');
    const manager = open(dir);
    const log = manager.getOrCreateLog('keys', 0);
    for (let i = 0; i < 80; i++) log.append(buildBatch({ records: [{ key: `k${i % 4}`, value: `v${i}` }] }));
    const before = log.size;
    expect(await manager.runCleaner()).toBe(1);
    expect(log.size).toBeLessThan(before);
    expect(fs.readFileSync(path.join(dir, CLEANER_CHECKPOINT), 'utf8')).toMatch(/^0\n1\nkeys 0 \d+\n$/);
    manager.close();
  });

  it('a cleaner-offset-checkpoint entry beyond the log end does not pass the whole log as clean', async () => {
    const dir = path.join(root, 'data');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, CLEANER_CHECKPOINT), '0\n1\nkeys 0 1000000\n');
    const manager = open(dir);
    const log = manager.getOrCreateLog('keys', 0);
    for (let i = 0; i < 80; i++) log.append(buildBatch({ records: [{ key: `k${i % 4}`, value: `v${i}` }] }));
    const before = log.size;
    expect(await manager.runCleaner()).toBe(1);
    expect(log.size).toBeLessThan(before);
    manager.close();
  });

  it('a pass that fails on a full disk leaves no partial copy, fails as a whole, and works once space returns', async () => {
    const small = mountSmallFs(4 * 1024 * 1024);
    try {
      const dir = path.join(small.dir, 'data');
      const manager = open(dir);
      const log = manager.getOrCreateLog('keys', 0);
      // The first segment keeps a record ("solo" is written once), so its copy needs space at
      // once. Were it all superseded, its empty copy would take none, the swaps would free the old
      // segments' space whenever their mappings were collected, and the pass could get through.
      for (let i = 0; i < 80; i++)
        log.append(buildBatch({ records: [{ key: i === 0 ? 'solo' : `k${i % 4}`, value: `v${i}` }] }));
      const before = log.size;
      small.fill();
      // Failing, the pass rejects (the schedule then reports it once and backs off).
      await expect(manager.runCleaner()).rejects.toThrow(/cleaning failed for 1 log/);
      expect(fs.existsSync(path.join(dir, 'keys-0', CLEANING_DIR))).toBe(false);
      // Segments cleaned before the disk said no stay cleaned; every key still reads its last value.
      const latest = async (): Promise<Record<string, string>> => {
        const values: Record<string, string> = {};
        for (let offset = log.logStartOffset; offset < log.logEndOffset;) {
          const { records } = await log.read(offset, 1 << 20);
          for (const batch of iterateBatches(records)) {
            for (const record of readRecords(batch))
              values[record.key!.toString()] = record.value!.toString();
            offset = batch.lastOffset + 1;
          }
        }
        return values;
      };
      const expected = { solo: 'v0', k0: 'v76', k1: 'v77', k2: 'v78', k3: 'v79' };
      expect(await latest()).toEqual(expected);
      small.free();
      await manager.runCleaner();
      expect(log.size).toBeLessThan(before);
      expect(await latest()).toEqual(expected);
      manager.close();
    } finally {
      small.remove();
    }
  });

  it('gives the same bytes as the offline kiln compact', async () => {
    const online = path.join(root, 'online');
    const manager = open(online);
    const log = manager.getOrCreateLog('keys', 0);
    for (let i = 0; i < 120; i++)
      log.append(
        buildBatch({ records: [{ key: `k${i % 7}`, value: `v${i}`, timestamp: 1_800_000_000_000 + i }] }),
      );
    manager.close();
    const offline = path.join(root, 'offline');
    fs.cpSync(online, offline, { recursive: true });
    const again = open(online);
    expect(await again.runCleaner(1_800_000_100_000)).toBe(1);
    again.close();
    expect((await kiln('compact', path.join(offline, 'keys-0'))).code).toBe(0);
    const logs = (dir: string): string[] =>
      fs
        .readdirSync(path.join(dir, 'keys-0'))
        .filter((f) => f.endsWith('.log'))
        .sort();
    expect(logs(offline)).toEqual(logs(online));
    for (const file of logs(online)) {
      expect(
        fs
          .readFileSync(path.join(offline, 'keys-0', file))
          .equals(fs.readFileSync(path.join(online, 'keys-0', file))),
      ).toBe(true);
    }
  });
});
