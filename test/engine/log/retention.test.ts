import { describe, expect, it } from 'vitest';
import { parseLogConfig } from '../../../engine/log/log-config.js';
import { expiredSegmentCount, type RetainedSegment } from '../../../engine/log/retention.js';

const segment = (baseOffset: number, size: number, timestamp: number): RetainedSegment => ({
  baseOffset,
  size,
  largestTimestamp: () => timestamp,
});

// Four segments of 100 bytes: offsets [0,10) [10,20) [20,30) [30,40), newest record at t = 1000·(i+1).
const segments = [
  segment(0, 100, 1000),
  segment(10, 100, 2000),
  segment(20, 100, 3000),
  segment(30, 100, 4000),
];
const state = { logStartOffset: 0, logEndOffset: 40, highWatermark: 40, timeAndSize: true };

describe('expiredSegmentCount', () => {
  it('deletes nothing under the defaults while records are young', () => {
    expect(expiredSegmentCount(segments, parseLogConfig({}), state, 5000)).toBe(0);
  });

  it('deletes segments whose newest record is older than retention.ms, the active one included', () => {
    const config = parseLogConfig({ 'retention.ms': '1500' });
    expect(expiredSegmentCount(segments, config, state, 4000)).toBe(2);
    expect(expiredSegmentCount(segments, config, state, 6000)).toBe(4);
  });

  it('deletes whole segments while the rest still holds retention.bytes', () => {
    expect(expiredSegmentCount(segments, parseLogConfig({ 'retention.bytes': '250' }), state, 0)).toBe(1);
    expect(expiredSegmentCount(segments, parseLogConfig({ 'retention.bytes': '200' }), state, 0)).toBe(2);
    expect(expiredSegmentCount(segments, parseLogConfig({ 'retention.bytes': '0' }), state, 0)).toBe(4);
  });

  it('deletes segments wholly below the log start offset whatever the policy', () => {
    const compact = parseLogConfig({ 'cleanup.policy': 'compact', 'retention.ms': '1' });
    expect(expiredSegmentCount(segments, compact, { ...state, logStartOffset: 25 }, 99_999)).toBe(2);
    expect(expiredSegmentCount(segments, compact, { ...state, logStartOffset: 40 }, 99_999)).toBe(3);
    // Only the log start offset counts when the caller asks for just that.
    const expired = parseLogConfig({ 'retention.ms': '1' });
    expect(
      expiredSegmentCount(segments, expired, { ...state, logStartOffset: 10, timeAndSize: false }, 99_999),
    ).toBe(1);
  });

  it('never deletes what is not below the high watermark', () => {
    const config = parseLogConfig({ 'retention.ms': '1' });
    expect(expiredSegmentCount(segments, config, { ...state, highWatermark: 25 }, 99_999)).toBe(2);
  });

  it('keeps an empty active segment', () => {
    const withEmpty = [...segments, segment(40, 0, -1)];
    expect(expiredSegmentCount(withEmpty, parseLogConfig({ 'retention.ms': '1' }), state, 99_999)).toBe(4);
  });
});
