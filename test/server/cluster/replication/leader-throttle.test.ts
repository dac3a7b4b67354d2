// The leader's side of the replication throttles, as the Fetch handler asks it for each partition
// of a follower's fetch: held back only for a follower outside the ISR, on a partition throttled
// on this leader, while the leader quota is exceeded; bytes of throttled partitions counted.
import { describe, expect, it } from 'vitest';
import { parseLogConfig, type LogConfig } from '../../../../engine/index.js';
import {
  recordLeaderSent,
  shouldLeaderThrottle,
} from '../../../../server/cluster/replication/leader-throttle.js';
import { ReplicationQuota } from '../../../../server/cluster/replication/replication-quota.js';

const T0 = 5_000_000;
const LEADER = 1;

function leaderQuota(configs: Record<string, LogConfig>, rate: number): ReplicationQuota {
  return new ReplicationQuota(
    'leader',
    LEADER,
    (topic, partition) => configs[`${topic}-${partition}`],
    { samples: 2, windowMs: 1000 },
    rate,
  );
}

describe('shouldLeaderThrottle', () => {
  const configs = {
    'm-0': parseLogConfig({ 'leader.replication.throttled.replicas': '0:1,0:2' }),
    'm-1': parseLogConfig({ 'leader.replication.throttled.replicas': '0:1,0:2' }),
    'other-0': parseLogConfig({ 'leader.replication.throttled.replicas': '0:2' }),
  };
  const isr = [1, 2];

  it('holds back a follower outside the ISR on a throttled partition only while the quota is exceeded', () => {
    const quota = leaderQuota(configs, 1000);
    expect(shouldLeaderThrottle(quota, 'm', 0, 3, isr, T0)).toBe(false); // not exceeded yet
    recordLeaderSent(quota, 'm', 0, 1500, T0);
    expect(quota.exceeded(T0)).toBe(true);
    expect(shouldLeaderThrottle(quota, 'm', 0, 3, isr, T0)).toBe(true);
    // An in-sync follower never: holding it back would shrink the ISR and stall acks=all.
    expect(shouldLeaderThrottle(quota, 'm', 0, 2, isr, T0)).toBe(false);
    // Partitions not throttled on this leader: another partition, a list naming another broker.
    expect(shouldLeaderThrottle(quota, 'm', 1, 3, isr, T0)).toBe(false);
    expect(shouldLeaderThrottle(quota, 'other', 0, 3, isr, T0)).toBe(false);
    // The rate recovers as its samples age: the follower gets records again.
    expect(shouldLeaderThrottle(quota, 'm', 0, 3, isr, T0 + 1500)).toBe(false);
  });

  it('never throttles without a rate (Long.MAX_VALUE), nor counts what it sends then', () => {
    const quota = leaderQuota(configs, Number.MAX_SAFE_INTEGER);
    recordLeaderSent(quota, 'm', 0, 1e12, T0);
    expect(shouldLeaderThrottle(quota, 'm', 0, 3, isr, T0)).toBe(false);
    expect(quota.meter.rate(T0)).toBe(0);
    // A rate set later measures from then on.
    quota.meter.bound = 1000;
    expect(shouldLeaderThrottle(quota, 'm', 0, 3, isr, T0)).toBe(false);
    recordLeaderSent(quota, 'm', 0, 2000, T0);
    expect(shouldLeaderThrottle(quota, 'm', 0, 3, isr, T0)).toBe(true);
  });

  it('counts the bytes sent of throttled partitions only, to any follower', () => {
    const quota = leaderQuota(configs, 1000);
    recordLeaderSent(quota, 'm', 1, 5000, T0); // partition 1 is not throttled here
    recordLeaderSent(quota, 'other', 0, 5000, T0); // nor is other-0 on broker 1
    recordLeaderSent(quota, 'm', 0, 0, T0);
    expect(quota.meter.rate(T0)).toBe(0);
    recordLeaderSent(quota, 'm', 0, 700, T0);
    expect(quota.meter.rate(T0)).toBe(700);
  });
});
