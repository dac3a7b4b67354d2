import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLEANER_CHECKPOINT, LogManager, writeCheckpoint } from '../../../../engine/index.js';
import { segmentViews } from '../../../../server/admin/api/segment-view.js';
import { batchOf } from '../../../helpers/log-fixtures.js';
import { makeTempDir, removeTempDir } from '../../../helpers/temp-dir.js';

/** The segment lines /api/topics/{name} draws: the engine's retention rule and the cleaner's checkpoint. */
describe('segmentViews', () => {
  let dir: string;
  let logs: LogManager;
  const now = 1_800_000_000_000;
  const old = now - 3_600_000;

  beforeEach(() => {
    dir = makeTempDir('kiln-segment-view-');
    logs = LogManager.open({
      dirs: [dir],
      retentionCheckIntervalMs: 0,
      flushCheckIntervalMs: 0,
      checkpointIntervalMs: 0,
      trimResidentIntervalMs: 0,
    });
  });
  afterEach(() => {
    logs.close();
    removeTempDir(dir);
  });

  /** A log of `old` batches stamped an hour before `now`, then `fresh` ones stamped `now`, two a segment. */
  function fill(topic: string, configs: Record<string, string>, oldBatches: number, fresh: number) {
    // Batches of one size (two-character prefixes): a segment takes two, not three.
    const size = batchOf(1, 'o0', old).length;
    logs.setTopicConfig(topic, { 'segment.bytes': String(size * 2 + Math.floor(size / 2)), ...configs });
    const log = logs.getOrCreateLog(topic, 0);
    for (let i = 0; i < oldBatches; i++) log.append(batchOf(1, `o${i}`, old));
    for (let i = 0; i < fresh; i++) log.append(batchOf(1, `f${i}`, now));
    return log;
  }

  it('marks expired exactly what a retention pass at the same moment deletes (retention.ms)', () => {
    const log = fill('timed', { 'retention.ms': '60000' }, 4, 3);
    const views = segmentViews(logs, log, now);
    expect(views.map((v) => [v.baseOffset, v.endOffset])).toEqual([
      [0, 2],
      [2, 4],
      [4, 6],
      [6, 7],
    ]);
    expect(views.map((v) => v.expired)).toEqual([true, true, false, false]);
    expect(views.map((v) => v.active)).toEqual([false, false, false, true]);
    expect(views.map((v) => v.maxTimestampMs)).toEqual([old, old, now, now]);
    expect(views.every((v) => v.compaction === 'none')).toBe(true);
    expect(log.deleteOldSegments(now)).toBe(2);
    expect(segmentViews(logs, log, now).some((v) => v.expired)).toBe(false);
  });

  it('expires nothing at or above the high watermark', () => {
    const log = fill('replicated', { 'retention.ms': '60000' }, 6, 0);
    log.replicated = true;
    log.setHighWatermark(3);
    const views = segmentViews(logs, log, now);
    expect(views.map((v) => v.expired)).toEqual([true, false, false]);
    expect(log.deleteOldSegments(now)).toBe(1);
  });

  it('marks clean the segments wholly below the cleaner checkpoint, from the file before any pass', () => {
    const log = fill('keyed', { 'cleanup.policy': 'compact' }, 5, 0);
    expect(segmentViews(logs, log, now).map((v) => v.compaction)).toEqual(['dirty', 'dirty', 'dirty']);
    writeCheckpoint(path.join(dir, CLEANER_CHECKPOINT), [{ topic: 'keyed', partition: 0, offset: 4 }]);
    expect(logs.cleanerCheckpoint('keyed', 0)).toBe(4);
    expect(segmentViews(logs, log, now).map((v) => v.compaction)).toEqual(['clean', 'clean', 'dirty']);
    // An entry outside the log: the cleaner would start again from its start, so nothing is clean.
    writeCheckpoint(path.join(dir, CLEANER_CHECKPOINT), [{ topic: 'keyed', partition: 0, offset: 99 }]);
    expect(segmentViews(logs, log, now).map((v) => v.compaction)).toEqual(['dirty', 'dirty', 'dirty']);
  });

  it('follows the checkpoint a cleaner pass writes', async () => {
    const log = fill('passed', { 'cleanup.policy': 'compact', 'min.cleanable.dirty.ratio': '0.01' }, 5, 0);
    await logs.runCleaner(now);
    const checkpoint = logs.cleanerCheckpoint('passed', 0)!;
    expect(checkpoint).toBeGreaterThan(0);
    const views = segmentViews(logs, log, now);
    for (const v of views)
      expect(v.compaction).toBe(v.endOffset <= checkpoint && v.bytes > 0 ? 'clean' : 'dirty');
    expect(views.at(-1)!.compaction).toBe('dirty');
  });
});
