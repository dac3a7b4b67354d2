import { describe, expect, it } from 'vitest';
import { HELD, LogThrottle } from '../../server/log-throttle.js';

describe('LogThrottle', () => {
  it('admits a key once per interval and counts its repeats into the next line', () => {
    let now = 0;
    const throttle = new LogThrottle({ intervalMs: 1000, now: () => now });
    expect(throttle.admit('a')).toBe(0);
    expect(throttle.admit('a')).toBe(HELD);
    expect(throttle.admit('b')).toBe(0);
    now = 999;
    expect(throttle.admit('a')).toBe(HELD);
    now = 1000;
    expect(throttle.admit('a')).toBe(2);
    expect(throttle.admit('a')).toBe(HELD);
  });

  it('holds back lines past maxLines per interval and hands their count on when the next begins', () => {
    let now = 0;
    const held: number[] = [];
    const throttle = new LogThrottle({
      intervalMs: 1000,
      maxLines: 3,
      now: () => now,
      onHeld: (n) => held.push(n),
    });
    const admitted = Array.from({ length: 10 }, (_, i) => throttle.admit(`k${i}`)).filter((n) => n !== HELD);
    expect(admitted).toHaveLength(3);
    expect(held).toEqual([]);
    now = 1000;
    // k5 was held back by the cap: counted in onHeld, not again in its own first line.
    expect(throttle.admit('k5')).toBe(0);
    expect(throttle.admit('k0')).toBe(0);
    expect(held).toEqual([7]);
  });

  it('remembers at most maxKeys keys, forgetting those whose interval is over first', () => {
    let now = 0;
    const throttle = new LogThrottle({ intervalMs: 1000, maxLines: Infinity, maxKeys: 4, now: () => now });
    for (const key of ['a', 'b']) throttle.admit(key);
    now = 2000;
    for (const key of ['c', 'd']) throttle.admit(key);
    // At the bound, a and b (interval over) are forgotten; c and d are still within theirs.
    expect(throttle.admit('e')).toBe(0);
    expect(throttle.admit('c')).toBe(HELD);
    expect(throttle.admit('e')).toBe(HELD);
  });
});
