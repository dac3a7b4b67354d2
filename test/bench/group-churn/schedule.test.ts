// The churn schedule: the same seed gives the same events; the bounds on group size hold.
import { describe, expect, it } from 'vitest';
import { ChurnSchedule, mayDepart } from '../../../bench/group-churn/schedule.js';

const options = { seed: 7, intervalMs: 4000, min: 1, max: 4 };

describe('ChurnSchedule', () => {
  it('repeats itself for a seed and differs for another', () => {
    const run = (seed: number) => {
      const s = new ChurnSchedule({ ...options, seed });
      return Array.from({ length: 20 }, (_, i) => [s.nextDelayMs(), s.nextKind(1 + (i % 4))]);
    };
    expect(run(7)).toEqual(run(7));
    expect(run(7)).not.toEqual(run(8));
  });

  it('waits the interval give or take a quarter, joins at the minimum and departs at the maximum', () => {
    const s = new ChurnSchedule(options);
    const kinds = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const delay = s.nextDelayMs();
      expect(delay).toBeGreaterThanOrEqual(3000);
      expect(delay).toBeLessThanOrEqual(5000);
      expect(s.nextKind(1)).toBe('join');
      expect(s.nextKind(4)).not.toBe('join');
      kinds.add(s.nextKind(2));
    }
    expect([...kinds].sort()).toEqual(['crash', 'join', 'leave']);
  });

  it('a member assigned partitions that has not read from them yet is not picked to depart (a join left unmeasured failed CI)', () => {
    expect(mayDepart({ owned: [1, 3], firstReadAt: 0 })).toBe(false);
    expect(mayDepart({ owned: [], firstReadAt: 0 })).toBe(false);
    expect(mayDepart({ owned: [1, 3], firstReadAt: 1_000 })).toBe(true);
    // Read once, then its partitions went to others in a rebalance: nothing to hand over.
    expect(mayDepart({ owned: [], firstReadAt: 1_000 })).toBe(false);
  });
});
