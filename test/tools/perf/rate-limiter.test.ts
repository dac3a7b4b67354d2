// The rate limiter's schedule, driven by a fake clock (no timing).
import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../../tools/perf/rate-limiter.js';

function fakeClock(start = 1000): { now: () => number; advance(ms: number): void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

describe('RateLimiter', () => {
  it('makes records due evenly: one at once, then one every 1/rate seconds', () => {
    const clock = fakeClock();
    const limiter = new RateLimiter(1000, clock.now);
    limiter.start();
    expect(limiter.due()).toBe(1);
    clock.advance(0.999);
    expect(limiter.due()).toBe(1);
    clock.advance(0.001);
    expect(limiter.due()).toBe(2);
    clock.advance(10);
    expect(limiter.due()).toBe(12);
    // Not in bursts of a second: after 250 ms, a quarter of the second's records.
    clock.advance(239);
    expect(limiter.due()).toBe(251);
  });

  it('says how long until a count is due, and 0 once it is', () => {
    const clock = fakeClock();
    const limiter = new RateLimiter(200, clock.now);
    limiter.start();
    expect(limiter.msUntil(1)).toBe(0);
    expect(limiter.msUntil(2)).toBeCloseTo(5, 9);
    expect(limiter.msUntil(11)).toBeCloseTo(50, 9);
    clock.advance(20);
    expect(limiter.msUntil(11)).toBeCloseTo(30, 9);
    clock.advance(100);
    expect(limiter.msUntil(11)).toBe(0);
    // Fallen behind (a pause): the missed records are all due now.
    expect(limiter.due()).toBe(25);
  });

  it('handles fractional rates and restarts the schedule on start()', () => {
    const clock = fakeClock();
    const limiter = new RateLimiter(0.5, clock.now);
    limiter.start();
    clock.advance(1999);
    expect(limiter.due()).toBe(1);
    clock.advance(1);
    expect(limiter.due()).toBe(2);
    limiter.start();
    expect(limiter.due()).toBe(1);
  });

  it('is unlimited for -1', () => {
    const limiter = new RateLimiter(-1, () => 0);
    limiter.start();
    expect(limiter.unlimited).toBe(true);
    expect(limiter.due()).toBe(Infinity);
    expect(limiter.msUntil(1e9)).toBe(0);
  });
});
