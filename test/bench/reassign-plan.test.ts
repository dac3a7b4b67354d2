// The reassignment run's plan and pure figures: its variants and --only, Kafka's throttle
// settings for a move, the copy rate, and how produce windows are summed up.
import { describe, expect, it } from 'vitest';
import {
  REASSIGN_FILL_BYTES,
  buildReassignPlan,
  copyRateMbPerSec,
  coveredShare,
  moveTimeoutMs,
  produceVsThrottleProblem,
  reassignId,
  splitAtEnd,
  throttleBurstBytes,
  throttleConfigs,
  throttledReplicas,
  windowRecords,
  worstP99,
} from '../../bench/e2e/reassign-plan.js';

const base = { throttleMbPerSec: 10, produceRecordsPerSec: 1000 };

describe('buildReassignPlan', () => {
  it('runs the move without a throttle, then with the given one, from [1,2] to [3,2]', () => {
    const plan = buildReassignPlan(base);
    expect(plan.map((v) => v.id)).toEqual(['reassign-no-throttle', 'reassign-throttle-10mbps']);
    expect(plan.map((v) => v.throttleBytesPerSec)).toEqual([null, 10_000_000]);
    for (const v of plan) {
      expect(v).toMatchObject({ from: [1, 2], to: [3, 2], brokerCount: 3, recordSize: 1024 });
      expect(v.fillRecords * v.recordSize).toBeCloseTo(REASSIGN_FILL_BYTES, -4);
      expect(v).toMatchObject({ windowSeconds: 4, beforeWindows: 2, produceRecordsPerSec: 1000 });
    }
  });

  it('moves a tenth with --quick, scales the fill with --scale, and names a fractional throttle', () => {
    const quick = buildReassignPlan({ ...base, quick: true, throttleMbPerSec: 2.5 });
    expect(quick[0]?.fillRecords).toBe(Math.round((REASSIGN_FILL_BYTES * 0.1) / 1024));
    expect(quick[0]).toMatchObject({ windowSeconds: 2, beforeWindows: 1 });
    expect(quick[1]).toMatchObject({ id: 'reassign-throttle-2.5mbps', throttleBytesPerSec: 2_500_000 });
    const half = buildReassignPlan({ ...base, scale: 0.5 });
    expect(half[0]?.fillRecords).toBe(Math.round((REASSIGN_FILL_BYTES * 0.5) / 1024));
    // Never fewer than 1000 records.
    expect(buildReassignPlan({ ...base, scale: 1e-9 })[0]?.fillRecords).toBe(1000);
  });

  it('keeps what --only matches: "reassign" both, "cluster" or a single-node case neither', () => {
    expect(buildReassignPlan({ ...base, only: 'reassign' })).toHaveLength(2);
    expect(buildReassignPlan({ ...base, only: 'REASSIGN-THROTTLE' }).map((v) => v.id)).toEqual([
      'reassign-throttle-10mbps',
    ]);
    expect(buildReassignPlan({ ...base, only: 'no-throttle' }).map((v) => v.id)).toEqual([
      'reassign-no-throttle',
    ]);
    expect(buildReassignPlan({ ...base, only: 'cluster' })).toEqual([]);
    expect(buildReassignPlan({ ...base, only: '^kiln-100b' })).toEqual([]);
  });

  it('refuses a bad scale, throttle or produce rate', () => {
    expect(() => buildReassignPlan({ ...base, scale: 0 })).toThrow(/scale/);
    expect(() => buildReassignPlan({ ...base, throttleMbPerSec: -1 })).toThrow(/throttle/);
    expect(() => buildReassignPlan({ ...base, produceRecordsPerSec: 1.5 })).toThrow(/produce rate/);
  });

  it('names the variants by throttle', () => {
    expect(reassignId(null)).toBe('reassign-no-throttle');
    expect(reassignId(0.5)).toBe('reassign-throttle-0.5mbps');
  });
});

describe("the throttle, as Kafka's kafka-reassign-partitions --throttle sets it", () => {
  it('writes replicas as partition:broker lists', () => {
    expect(throttledReplicas(0, [1, 2])).toBe('0:1,0:2');
    expect(throttledReplicas(3, [5])).toBe('3:5');
    expect(throttledReplicas(0, [])).toBe('');
  });

  it('gives both rates to every broker involved, the current replicas as leaders, the added as followers', () => {
    expect(throttleConfigs(0, [1, 2], [3, 2], 10e6)).toEqual({
      brokers: [1, 2, 3],
      brokerConfigs: {
        'leader.replication.throttled.rate': '10000000',
        'follower.replication.throttled.rate': '10000000',
      },
      topicConfigs: {
        'leader.replication.throttled.replicas': '0:1,0:2',
        'follower.replication.throttled.replicas': '0:3',
      },
    });
    const two = throttleConfigs(1, [4, 1], [2, 3], 1234.6);
    expect(two.brokers).toEqual([1, 2, 3, 4]);
    expect(two.brokerConfigs['leader.replication.throttled.rate']).toBe('1235');
    expect(two.topicConfigs['follower.replication.throttled.replicas']).toBe('1:2,1:3');
  });

  it('lets ten seconds of the rate through before it binds (a window of 11 samples of 1 s)', () => {
    expect(throttleBurstBytes(10e6)).toBe(100e6);
    expect(throttleBurstBytes(2.5e6)).toBe(25e6);
  });

  it('refuses a steady produce the throttled copy could never catch up with', () => {
    expect(produceVsThrottleProblem(1000, 10)).toBeNull();
    expect(produceVsThrottleProblem(10_000, 10)).toMatch(
      /10.24 MB\/s\) must stay below the throttle \(10 MB\/s\)/,
    );
  });
});

describe('the copy rate and the produce windows', () => {
  it('divides the bytes to copy by the seconds, in MB (10^6) per second', () => {
    expect(copyRateMbPerSec(150e6, 15)).toBe(10);
    expect(copyRateMbPerSec(1_500_000, 0.5)).toBe(3);
    expect(copyRateMbPerSec(null, 1)).toBeNull();
    expect(copyRateMbPerSec(1e6, null)).toBeNull();
    expect(copyRateMbPerSec(1e6, 0)).toBeNull();
  });

  it('gives a move two minutes plus three times what the throttle (or 5 MB/s) makes it last', () => {
    expect(moveTimeoutMs(100e6, 10e6)).toBe(120_000 + 30_000);
    expect(moveTimeoutMs(100e6, null)).toBe(120_000 + 60_000);
  });

  it('sends rate × seconds records per window, at least one', () => {
    expect(windowRecords(1000, 2)).toBe(2000);
    expect(windowRecords(3, 0.1)).toBe(1);
  });

  it("takes the worst window's p99, ignoring windows without one", () => {
    const w = (p99: number | null) => ({
      latencyMs: p99 === null ? null : { avg: 1, p50: 1, p99, p999: p99, max: p99 },
    });
    expect(worstP99([w(3), w(null), w(12.5), w(7)])).toBe(12.5);
    expect(worstP99([w(null)])).toBeNull();
    expect(worstP99([])).toBeNull();
  });

  it('measures the share of the move during which some window produced, overlaps counted once', () => {
    const span = (startMs: number, producingMs: number | null, endMs: number) => ({
      startMs,
      producingMs,
      endMs,
    });
    // Producing from -300 to 1000 and from 1500 to 2500, over a move of 0 to 2000: 1500 of 2000.
    expect(coveredShare([span(-900, -300, 1000), span(1200, 1500, 2500)], 0, 2000)).toBe(0.75);
    // Overlapping windows, and one that never printed progress (its start counts).
    expect(coveredShare([span(0, 0, 1200), span(1000, null, 2000), span(500, 900, 1100)], 0, 2000)).toBe(1);
    expect(coveredShare([span(3000, 3100, 4000)], 0, 2000)).toBe(0);
    expect(coveredShare([], 0, 0)).toBeNull();
  });

  it('splits chained windows at the end of the move by when they began producing', () => {
    const a = { startMs: -900, producingMs: -300, endMs: 1000 };
    const b = { startMs: 400, producingMs: 1000, endMs: 2000 };
    const c = { startMs: 1500, producingMs: 2100, endMs: 3100 };
    expect(splitAtEnd([a, b, c], 2050)).toEqual([[a, b], [c]]);
    expect(splitAtEnd([a, b, c], null)).toEqual([[a, b, c], []]);
  });
});
