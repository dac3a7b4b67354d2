import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseLogConfig } from '../../../engine/log/log-config.js';
import { LogManager } from '../../../engine/log/log-manager.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';

describe('LogManager.setDefaults (dynamic broker configs)', () => {
  let root: string;
  let manager: LogManager;
  beforeEach(() => {
    root = makeTempDir();
    manager = LogManager.open({
      dirs: [root],
      retentionCheckIntervalMs: 0,
      flushCheckIntervalMs: 0,
      checkpointIntervalMs: 0,
    });
  });
  afterEach(() => {
    manager.close();
    removeTempDir(root);
  });

  it('open logs without an override take new defaults at once; overrides still win', () => {
    manager.setTopicConfig('own', { 'retention.ms': '1000' });
    const plain = manager.getOrCreateLog('plain', 0);
    const own = manager.getOrCreateLog('own', 0);
    manager.setDefaults(parseLogConfig({ 'retention.ms': '60000', 'segment.bytes': '1048576' }));
    expect(plain.config).toMatchObject({ retentionMs: 60_000, segmentBytes: 1_048_576 });
    expect(own.config).toMatchObject({ retentionMs: 1000, segmentBytes: 1_048_576 });
    expect(manager.defaults.retentionMs).toBe(60_000);
    // A log made afterwards starts with them.
    expect(manager.getOrCreateLog('later', 0).config.retentionMs).toBe(60_000);
  });
});
