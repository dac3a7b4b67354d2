// The latency histogram against exact percentiles of the same (seeded, random) data.
import { describe, expect, it } from 'vitest';
import {
  HISTOGRAM_MAX_MS,
  HISTOGRAM_MIN_MS,
  LatencyHistogram,
  bucketLowerBound,
  bucketOf,
} from '../../../tools/perf/latency-histogram.js';
import { seededRandom } from '../../helpers/seeded-random.js';

/** Nearest-rank percentile of sorted values: the smallest with at least p% at or below it. */
function exactPercentile(sorted: number[], p: number): number {
  return sorted[Math.max(1, Math.ceil((p / 100) * sorted.length)) - 1]!;
}

function fill(values: number[]): LatencyHistogram {
  const histogram = new LatencyHistogram();
  for (const v of values) histogram.record(v);
  return histogram;
}

describe('LatencyHistogram', () => {
  it.each([1, 2, 3, 42])('matches sorted-array percentiles within 1%% (seed %i)', (seed) => {
    const random = seededRandom(seed);
    // Log-uniform over 2 µs .. 20 s, plus a cluster near 1 ms, as latencies look.
    const values = Array.from({ length: 50_000 }, (_, i) =>
      i % 3 === 0 ? 0.8 + random() * 0.4 : 10 ** (random() * 7 - 2.7),
    );
    const histogram = fill(values);
    const sorted = [...values].sort((a, b) => a - b);
    for (const p of [0, 1, 10, 25, 50, 75, 90, 95, 99, 99.9, 99.99, 100]) {
      const exact = exactPercentile(sorted, p);
      expect(Math.abs(histogram.percentile(p) - exact) / exact).toBeLessThanOrEqual(0.008);
    }
    expect(histogram.count).toBe(values.length);
    expect(histogram.max).toBe(sorted.at(-1));
    expect(histogram.min).toBe(sorted[0]);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    expect(histogram.mean).toBeCloseTo(mean, 9);
  });

  it('summarises avg, p50, p95, p99, p99.9 and an exact max', () => {
    const values = Array.from({ length: 1000 }, (_, i) => i + 1);
    const s = fill(values).summary();
    expect(s.avg).toBeCloseTo(500.5, 9);
    expect(s.max).toBe(1000);
    for (const [got, want] of [
      [s.p50, 500],
      [s.p95, 950],
      [s.p99, 990],
      [s.p999, 999],
    ] as const) {
      expect(Math.abs(got - want) / want).toBeLessThanOrEqual(0.008);
    }
  });

  it('is empty-safe and clamps values outside its range into the end buckets', () => {
    const empty = new LatencyHistogram();
    expect(empty.percentile(50)).toBe(0);
    expect(empty.summary()).toEqual({ avg: 0, p50: 0, p95: 0, p99: 0, p999: 0, max: 0 });

    const histogram = fill([-5, 0, HISTOGRAM_MIN_MS / 10, HISTOGRAM_MAX_MS * 10]);
    expect(histogram.min).toBe(0);
    expect(histogram.max).toBe(HISTOGRAM_MAX_MS * 10);
    expect(histogram.percentile(100)).toBe(HISTOGRAM_MAX_MS * 10);
    expect(histogram.percentile(25)).toBeLessThan(HISTOGRAM_MIN_MS * 1.02);
  });

  it('maps each value to the bucket whose bounds hold it, buckets at most 1/64 wide', () => {
    const random = seededRandom(7);
    for (let i = 0; i < 10_000; i++) {
      const value = HISTOGRAM_MIN_MS * 2 ** (random() * 31.9);
      const bucket = bucketOf(value);
      const low = bucketLowerBound(bucket);
      const high = bucketLowerBound(bucket + 1);
      expect(value).toBeGreaterThanOrEqual(low);
      expect(value).toBeLessThan(high);
      expect((high - low) / low).toBeLessThanOrEqual(1 / 64 + 1e-12);
    }
  });
});
