// The replication throttles' parts: the rate meter (Kafka's sampled rate: window math, exceeded,
// recovering, how long until it recovers), the throttled replica lists, and a quota reading its
// list from the partition's log config as it is now.
import { describe, expect, it } from 'vitest';
import { LONG_MAX, parseLogConfig, type LogConfig } from '../../../../engine/index.js';
import {
  RateMeter,
  ReplicationQuota,
  ReplicationQuotas,
  parseThrottledReplicas,
  throttles,
} from '../../../../server/cluster/replication/replication-quota.js';

const T0 = 1_000_000;

describe('RateMeter', () => {
  it('divides the bytes by the time the samples cover, but never by less than all the samples but one', () => {
    const meter = new RateMeter({ samples: 11, windowMs: 1000 });
    meter.record(10_000, T0);
    // Just recorded: 10 000 bytes over the 10 s floor, not over the instant it took.
    expect(meter.rate(T0)).toBe(1000);
    expect(meter.rate(T0 + 5000)).toBe(1000);
    // Past the floor the time the samples cover counts: 10 000 bytes over 10.5 s.
    expect(meter.rate(T0 + 10_500)).toBeCloseTo(10_000 / 10.5, 6);
    meter.record(5000, T0 + 10_500);
    expect(meter.rate(T0 + 10_500)).toBeCloseTo(15_000 / 10.5, 6);
  });

  it('adds bytes to the current sample within a window, starts a new one after it, forgets the oldest past the whole window', () => {
    const meter = new RateMeter({ samples: 2, windowMs: 1000 });
    meter.record(1000, T0);
    meter.record(1000, T0 + 999); // same sample
    expect(meter.rate(T0 + 999)).toBe(2000); // over the 1 s floor
    meter.record(500, T0 + 1500); // a second sample
    expect(meter.rate(T0 + 1500)).toBeCloseTo(2500 / 1.5, 6);
    // At T0 + 2000 the first sample (started at T0) is as old as the whole window: forgotten.
    expect(meter.rate(T0 + 2000)).toBe(500);
    meter.record(100, T0 + 2600); // a new sample (the last began 1.1 s before)
    meter.record(100, T0 + 3599); // into it; the one of T0 + 1500 is gone
    expect(meter.rate(T0 + 3599)).toBeCloseTo(200, 6);
    expect(meter.rate(T0 + 10_000)).toBe(0);
  });

  it('is exceeded only above its bound, never without one, and recovers as its samples age', () => {
    const meter = new RateMeter({ samples: 3, windowMs: 1000 }, 1000);
    meter.record(2000, T0);
    expect(meter.rate(T0)).toBe(1000); // 2000 over the 2 s floor: at the bound, not above it
    expect(meter.exceeded(T0)).toBe(false);
    meter.record(1, T0 + 100);
    expect(meter.exceeded(T0 + 100)).toBe(true);
    expect(meter.exceeded(T0 + 2500)).toBe(false); // 2001 bytes over 2.5 s
    meter.bound = LONG_MAX; // Kafka's Long.MAX_VALUE: no limit
    expect(meter.limited).toBe(false);
    meter.record(1e12, T0 + 2600);
    expect(meter.exceeded(T0 + 2600)).toBe(false);
    meter.bound = 0; // nothing allowed: any byte counted exceeds it
    expect(meter.exceeded(T0 + 2600)).toBe(true);
    expect(meter.exceeded(T0 + 2600 + 3000)).toBe(false); // every sample gone
  });

  it('says how long until the rate is back within its bound, and that moment is when it is', () => {
    const meter = new RateMeter({ samples: 11, windowMs: 1000 }, 1000);
    meter.record(20_000, T0); // twice what 10 s allows
    const wait = meter.msUntilWithin(T0);
    // 20 000 bytes would be 1000/s over 20 s, but the sample is forgotten at 11 s.
    expect(wait).toBe(11_000);
    expect(meter.exceeded(T0 + wait - 1)).toBe(true);
    expect(meter.exceeded(T0 + wait)).toBe(false);

    const spread = new RateMeter({ samples: 11, windowMs: 1000 }, 1000);
    spread.record(6000, T0);
    spread.record(6000, T0 + 5000);
    const now = T0 + 6000;
    expect(spread.exceeded(now)).toBe(true); // 12 000 over 10 s
    const until = spread.msUntilWithin(now);
    // 12 000 bytes reach 1000/s at a 12 s span, after the first sample expired at 11 s: by
    // then only 6000 are left, within the bound at once.
    expect(until).toBe(5000);
    expect(spread.exceeded(now + until - 1)).toBe(true);
    expect(spread.exceeded(now + until)).toBe(false);

    const slow = new RateMeter({ samples: 11, windowMs: 1000 }, 900);
    slow.record(9500, T0);
    const at = T0 + 2000;
    const left = slow.msUntilWithin(at);
    // 9500 bytes reach 900/s at a span of 10.56 s, before the sample expires.
    expect(left).toBe(Math.ceil(T0 + (9500 * 1000) / 900 - at));
    expect(slow.exceeded(at + left - 1)).toBe(true);
    expect(slow.exceeded(at + left)).toBe(false);
    expect(slow.msUntilWithin(at + left)).toBe(0);
  });
});

describe('throttled replica lists', () => {
  it('reads "", "*" and partition:broker items (spaces and empty items as Kafka allows them)', () => {
    expect(throttles(parseThrottledReplicas(''), 0, 1)).toBe(false);
    const all = parseThrottledReplicas(' * ');
    expect(all).toBe('all');
    expect(throttles(all, 7, 42)).toBe(true);
    const list = parseThrottledReplicas('0:1, 0:2 ,,1:3');
    expect(throttles(list, 0, 1)).toBe(true);
    expect(throttles(list, 0, 2)).toBe(true);
    expect(throttles(list, 0, 3)).toBe(false);
    expect(throttles(list, 1, 3)).toBe(true);
    expect(throttles(list, 1, 1)).toBe(false);
    expect(throttles(list, 2, 3)).toBe(false);
  });
});

describe('ReplicationQuota', () => {
  const window = { samples: 11, windowMs: 1000 };

  it("throttles what its side's list names for this broker, as the partition's config says now", () => {
    const configs = new Map<string, LogConfig>([
      [
        'moving-0',
        parseLogConfig({
          'leader.replication.throttled.replicas': '0:1,0:2',
          'follower.replication.throttled.replicas': '0:3',
        }),
      ],
      [
        'moving-1',
        parseLogConfig({
          'leader.replication.throttled.replicas': '0:1,0:2',
          'follower.replication.throttled.replicas': '0:3',
        }),
      ],
    ]);
    const configOf = (topic: string, partition: number) => configs.get(`${topic}-${partition}`);
    const leaderOn1 = new ReplicationQuota('leader', 1, configOf, window, 100);
    const followerOn1 = new ReplicationQuota('follower', 1, configOf, window, 100);
    const followerOn3 = new ReplicationQuota('follower', 3, configOf, window, 100);
    expect(leaderOn1.isThrottled('moving', 0)).toBe(true);
    expect(leaderOn1.isThrottled('moving', 1)).toBe(false); // only partition 0 is listed
    expect(leaderOn1.isThrottled('other', 0)).toBe(false); // not held here
    expect(followerOn1.isThrottled('moving', 0)).toBe(false);
    expect(followerOn3.isThrottled('moving', 0)).toBe(true);
    // The topic's config changes: the quota follows at once.
    configs.set('moving-0', parseLogConfig({ 'follower.replication.throttled.replicas': '*' }));
    expect(leaderOn1.isThrottled('moving', 0)).toBe(false);
    expect(followerOn1.isThrottled('moving', 0)).toBe(true);
    configs.set('moving-0', parseLogConfig({}));
    expect(followerOn3.isThrottled('moving', 0)).toBe(false);
  });

  it('ReplicationQuotas takes new rates for both sides (Long.MAX_VALUE lifts a limit)', () => {
    const quotas = new ReplicationQuotas(
      1,
      { leaderRate: LONG_MAX, followerRate: LONG_MAX, windowNum: 2, windowMs: 1000 },
      () => undefined,
    );
    expect(quotas.leader.meter.limited).toBe(false);
    expect(quotas.follower.meter.limited).toBe(false);
    quotas.setRates({ leader: 500, follower: 9_000_000_000_000_000_000 });
    expect(quotas.leader.meter.bound).toBe(500);
    expect(quotas.follower.meter.limited).toBe(false);
    quotas.leader.record(1001, T0);
    expect(quotas.leader.exceeded(T0)).toBe(true);
    quotas.setRates({ leader: LONG_MAX, follower: 10 });
    expect(quotas.leader.exceeded(T0)).toBe(false);
    expect(quotas.follower.meter.bound).toBe(10);
  });
});
