// What the engine tells an operator (engine/log/log-events.ts): recovery after an unclean stop,
// retention's deletions, segment rolls.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LogFields } from '../../../engine/log/log-events.js';
import { LogManager } from '../../../engine/log/log-manager.js';
import { buildBatch } from '../../../engine/record/batch-builder.js';
import { batchOf } from '../../helpers/log-fixtures.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';

interface Said {
  level: 'info' | 'debug';
  message: string;
  fields: LogFields;
}

describe('engine log events', () => {
  let dir: string;
  let said: Said[];
  const events = {
    info: (message: string, fields: LogFields = {}) => said.push({ level: 'info', message, fields }),
    debug: (message: string, fields: LogFields = {}) => said.push({ level: 'debug', message, fields }),
  };
  const open = (extra: Partial<Parameters<typeof LogManager.open>[0]> = {}): LogManager =>
    LogManager.open({
      dirs: [dir],
      retentionCheckIntervalMs: 0,
      flushCheckIntervalMs: 0,
      checkpointIntervalMs: 0,
      events,
      ...extra,
    });

  beforeEach(() => {
    dir = makeTempDir();
    said = [];
  });
  afterEach(() => removeTempDir(dir));

  it('after an unclean stop, one line says the partitions recovered, the bytes truncated and the time', () => {
    const manager = open();
    manager.getOrCreateLog('t', 0).append(batchOf(3));
    const torn = manager.getOrCreateLog('t', 1);
    torn.append(batchOf(2));
    // A crash: the lock stays as a dead process leaves it, and the last write was torn.
    fs.writeFileSync(path.join(dir, '.lock'), '999999\n');
    const segment = fs.readdirSync(torn.dir).find((f) => f.endsWith('.log'))!;
    fs.appendFileSync(path.join(torn.dir, segment), batchOf(4, 'torn').subarray(0, 40));
    said = [];

    const again = open();
    const line = said.find((s) => s.message.includes('unclean stop'));
    expect(line?.level).toBe('info');
    expect(line?.message).toMatch(
      /recovered 2 of 2 partition\(s\) after an unclean stop, 40 bytes truncated, in \d+ ms/,
    );
    expect(line?.fields).toMatchObject({
      dir,
      partitions: 2,
      recovered: 2,
      truncatedBytes: 40,
      unclean: true,
    });
    expect(again.getLog('t', 1)!.logEndOffset).toBe(2);
    again.close();
  });

  it('after a clean stop with nothing to repair, recovery says nothing', () => {
    const manager = open();
    manager.getOrCreateLog('t', 0).append(batchOf(3));
    manager.close();
    said = [];
    open().close();
    expect(said.filter((s) => s.message.includes('recovered'))).toEqual([]);
  });

  it('a new, empty data directory has nothing to recover and says nothing (it said: recovered 0 of 0 partitions after an unclean stop)', () => {
    open().close();
    expect(said.filter((s) => s.message.includes('recovered'))).toEqual([]);
  });

  it('retention says which segments it deleted, with their bytes and offsets', () => {
    const manager = open();
    const log = manager.getOrCreateLog('old', 0);
    // Fresh records: only retention.bytes deletes here, not retention.ms.
    const now = Date.now();
    log.append(batchOf(3, 'r', now));
    log.roll();
    log.append(batchOf(2, 'r', now));
    log.roll();
    log.append(batchOf(1, 'r', now));
    const sizes = log.segments().map((s) => s.size);
    // Room for the newest segment only.
    manager.setTopicConfig('old', { 'retention.bytes': String(sizes[2]) });
    said = [];

    expect(manager.runRetention()).toBe(2);
    const deletions = said.filter((s) => s.message.includes('deleted'));
    expect(deletions).toHaveLength(1);
    expect(deletions[0]!.level).toBe('info');
    expect(deletions[0]!.message).toBe(
      `old-0: deleted 2 segment(s), ${sizes[0]! + sizes[1]!} bytes, offsets 0 to 4: retention`,
    );
    expect(deletions[0]!.fields).toMatchObject({
      topic: 'old',
      partition: 0,
      segments: 2,
      firstOffset: 0,
      endOffset: 5,
      logStartOffset: 5,
    });
    manager.close();
  });

  it('a segment roll is said at debug', () => {
    const manager = open();
    const log = manager.getOrCreateLog('t', 0);
    log.append(batchOf(3));
    said = [];
    log.roll();
    expect(said).toEqual([
      {
        level: 'debug',
        message: 't-0: rolled a new segment at offset 3',
        fields: expect.objectContaining({ topic: 't', partition: 0, baseOffset: 3 }) as LogFields,
      },
    ]);
    manager.close();
  });

  it('compaction says how many records and bytes a pass deleted, and up to which offset', async () => {
    const manager = open({ topicConfigs: { keys: { 'cleanup.policy': 'compact', 'segment.bytes': '500' } } });
    const log = manager.getOrCreateLog('keys', 0);
    for (let i = 0; i < 80; i++) log.append(buildBatch({ records: [{ key: `k${i % 4}`, value: `v${i}` }] }));
    const before = log.size;
    said = [];
    expect(await manager.runCleaner()).toBe(1);
    const line = said.find((s) => s.message.includes('compaction'));
    expect(line?.level).toBe('info');
    const { records, bytes, cleanedUpTo } = line!.fields as {
      records: number;
      bytes: number;
      cleanedUpTo: number;
    };
    expect(bytes).toBe(before - log.size);
    expect(records).toBeGreaterThan(0);
    expect(line!.message).toBe(
      `keys-0: compaction rewrote ${line!.fields.segments} segment(s) up to offset ${cleanedUpTo - 1}, ` +
        `deleting ${records} record(s), ${bytes} bytes`,
    );
    manager.close();
  });
});
