import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CLEANER_CHECKPOINT,
  LogManager,
  buildBatch,
  readCheckpoint,
  writeCheckpoint,
} from '../../engine/index.js';
import { decodeRecords } from '../helpers/log-fixtures.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';
import { kiln } from './run-command.js';

describe('kiln compact', () => {
  let dataDir: string;
  const props = { 'cleanup.policy': 'compact', 'segment.bytes': '500' };
  beforeEach(() => {
    dataDir = makeTempDir();
    const manager = LogManager.open({
      dirs: [dataDir],
      topicConfigs: { keys: props },
      retentionCheckIntervalMs: 0,
      flushCheckIntervalMs: 0,
      checkpointIntervalMs: 0,
    });
    const log = manager.getOrCreateLog('keys', 0);
    for (let i = 0; i < 80; i++) log.append(buildBatch({ records: [{ key: `k${i % 4}`, value: `v${i}` }] }));
    manager.close();
  });
  afterEach(() => removeTempDir(dataDir));

  it('keeps the latest record per key in closed segments and reports before and after', async () => {
    const result = await kiln('compact', path.join(dataDir, 'keys-0'), '--json');
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout.trim()) as Record<string, number>;
    expect(summary.bytesAfter!).toBeLessThan(summary.bytesBefore!);
    expect(summary.recordsAfter!).toBeLessThan(summary.recordsBefore!);
    const manager = LogManager.open({
      dirs: [dataDir],
      topicConfigs: { keys: props },
      retentionCheckIntervalMs: 0,
      flushCheckIntervalMs: 0,
      checkpointIntervalMs: 0,
    });
    const log = manager.getOrCreateLog('keys', 0);
    const activeBase = log.segments().at(-1)!.baseOffset;
    const records = [];
    for (let offset = 0; offset < log.logEndOffset;) {
      const got = decodeRecords((await log.read(offset, 1 << 20)).records).filter((r) => r.offset >= offset);
      records.push(...got);
      offset = got.at(-1)!.offset + 1;
    }
    manager.close();
    const cleaned = records.filter((r) => r.offset < activeBase);
    expect(new Set(cleaned.map((r) => r.key)).size).toBe(cleaned.length); // one record per key
    for (const r of cleaned) expect(Number(r.value!.slice(1)) % 4).toBe(Number(r.key!.slice(1)));
    expect(records.filter((r) => r.offset >= activeBase).length).toBe(80 - activeBase); // active untouched
  });

  it('reports the bytes of the segments it cleaned, not of the active segment it left alone', async () => {
    const dir = path.join(dataDir, 'keys-0');
    const logSizes = (): Map<string, number> =>
      new Map(
        fs
          .readdirSync(dir)
          .filter((f) => f.endsWith('.log'))
          .sort()
          .map((f) => [f, fs.statSync(path.join(dir, f)).size]),
      );
    const before = logSizes();
    const active = [...before.keys()].at(-1)!;
    const sum = (sizes: Map<string, number>): number =>
      [...sizes].filter(([f]) => f !== active).reduce((n, [, size]) => n + size, 0);
    expect(before.get(active)!).toBeGreaterThan(0); // the active segment has bytes that must not count
    const result = await kiln('compact', dir, '--json');
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout.trim()) as Record<string, number>;
    const after = logSizes();
    expect(summary.segmentsCleaned).toBe(before.size - 1);
    expect(summary.bytesBefore).toBe(sum(before));
    expect(summary.bytesAfter).toBe(sum(after));
    expect(after.get(active)).toBe(before.get(active));
    const text = await kiln('compact', dir);
    expect(text.stdout).toMatch(
      new RegExp(`in the cleaned segments: bytes ${sum(after)} -> ${sum(after)}, records`),
    );
  });

  it("records its pass in cleaner-offset-checkpoint, keeping the other partitions' entries", async () => {
    const file = path.join(dataDir, CLEANER_CHECKPOINT);
    writeCheckpoint(file, [{ topic: 'other', partition: 3, offset: 17 }]);
    const result = await kiln('compact', path.join(dataDir, 'keys-0'), '--json');
    const summary = JSON.parse(result.stdout.trim()) as Record<string, number>;
    const entries = readCheckpoint(file);
    expect(entries.get('other-3')).toBe(17);
    expect(entries.get('keys-0')).toBe(summary.cleanedUpTo);
    // Everything below the active segment was cleaned.
    const bases = fs
      .readdirSync(path.join(dataDir, 'keys-0'))
      .filter((f) => f.endsWith('.log'))
      .map((f) => Number(f.slice(0, 20)));
    expect(summary.cleanedUpTo).toBe(Math.max(...bases));
  });

  it('refuses a directory a running broker holds', async () => {
    const manager = LogManager.open({
      dirs: [dataDir],
      retentionCheckIntervalMs: 0,
      flushCheckIntervalMs: 0,
      checkpointIntervalMs: 0,
    });
    try {
      const result = await kiln('compact', path.join(dataDir, 'keys-0'));
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/in use by another process/);
    } finally {
      manager.close();
    }
    expect(fs.existsSync(path.join(dataDir, '.lock'))).toBe(false);
  });

  it('rejects what is not a partition directory', async () => {
    expect((await kiln('compact', dataDir)).code).toBe(2);
  });
});
