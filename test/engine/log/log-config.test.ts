import { describe, expect, it } from 'vitest';
import { InvalidConfigError } from '../../../engine/errors.js';
import {
  DEFAULT_LOG_CONFIG,
  isCompacted,
  isDeletable,
  logConfigToProperties,
  parseLogConfig,
} from '../../../engine/log/log-config.js';

describe('parseLogConfig', () => {
  it('applies Kafka-named overrides on top of the defaults without changing them', () => {
    const config = parseLogConfig({
      'segment.bytes': '1048576',
      'retention.ms': '-1',
      'cleanup.policy': 'compact',
    });
    expect(config.segmentBytes).toBe(1048576);
    expect(config.retentionMs).toBe(-1);
    expect(config.cleanupPolicy).toBe('compact');
    expect(config.indexIntervalBytes).toBe(4096);
    expect(DEFAULT_LOG_CONFIG.segmentBytes).toBe(1024 * 1024 * 1024);
  });

  it("reads Kafka's long maximum as no limit and writes it back the same way", () => {
    const config = parseLogConfig({ 'flush.messages': '9223372036854775807' });
    expect(config.flushMessages).toBe(Number.MAX_SAFE_INTEGER);
    expect(logConfigToProperties(config)['flush.messages']).toBe('9223372036854775807');
    expect(logConfigToProperties(config)['segment.bytes']).toBe('1073741824');
  });

  it('normalizes the order of a combined cleanup policy', () => {
    const config = parseLogConfig({ 'cleanup.policy': 'delete, compact' });
    expect(config.cleanupPolicy).toBe('compact,delete');
    expect(isCompacted(config) && isDeletable(config)).toBe(true);
    expect(isCompacted(DEFAULT_LOG_CONFIG)).toBe(false);
  });

  it.each([
    ['retention.msx', '1', /unknown topic configuration/],
    ['segment.bytes', 'lots', /whole number/],
    ['segment.bytes', '3000000000', /out of range for an int/],
    ['segment.bytes', '10', /below the minimum 14/],
    ['min.cleanable.dirty.ratio', '1.5', /above the maximum 1/],
    ['message.timestamp.type', 'WallClock', /CreateTime, LogAppendTime/],
    ['unclean.leader.election.enable', 'yes', /true or false/],
    ['retention.bytes', '99999999999999999999', /out of range for a long/],
  ])('rejects %s=%s with a message naming it', (key, value, message) => {
    let error: unknown;
    try {
      parseLogConfig({ [key]: value });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InvalidConfigError);
    expect((error as InvalidConfigError).key).toBe(key);
    expect((error as Error).message).toMatch(message);
  });
});
