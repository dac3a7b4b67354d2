// The fault schedule is reproducible from its seed, draws only the kinds asked for, keeps each
// kind's hold time in its range, and stops drawing a kind the brokers cannot do.
import { describe, expect, it } from 'vitest';
import {
  FAULT_KINDS,
  FaultSchedule,
  holdRange,
  parseFaultKinds,
  type PlannedFault,
} from '../../../bench/chaos/fault-schedule.js';
import { SeededRandom, pickWith } from '../../../bench/chaos/seeded-random.js';

const timing = { sessionTimeoutMs: 6000, replicaLagMs: 5000 };

function draw(seed: number, count: number, kinds = [...FAULT_KINDS]): PlannedFault[] {
  const schedule = new FaultSchedule(seed, kinds, timing);
  return Array.from({ length: count }, () => schedule.next());
}

describe('FaultSchedule', () => {
  it('gives the same faults for the same seed, and others for another seed', () => {
    expect(draw(42, 50)).toEqual(draw(42, 50));
    expect(draw(43, 50)).not.toEqual(draw(42, 50));
  });

  it('draws only the kinds asked for, every one of them in time, within their hold ranges', () => {
    const faults = draw(7, 200, ['pause', 'zookeeper-session-expiry', 'broker-link-cut']);
    expect(new Set(faults.map((f) => f.kind))).toEqual(
      new Set(['pause', 'zookeeper-session-expiry', 'broker-link-cut']),
    );
    for (const f of faults) {
      const [low, high] = holdRange(f.kind, timing);
      expect(f.holdMs).toBeGreaterThanOrEqual(low);
      expect(f.holdMs).toBeLessThanOrEqual(high);
      for (const pick of f.picks) expect(pick >= 0 && pick < 1).toBe(true);
    }
    expect(faults.map((f) => f.number)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
  });

  it('holds a ZooKeeper cut longer than the session timeout', () => {
    const [low] = holdRange('zookeeper-session-expiry', timing);
    expect(low).toBeGreaterThan(timing.sessionTimeoutMs);
  });

  it('stops drawing a disabled kind, and says when none is left', () => {
    const schedule = new FaultSchedule(1, ['reassignment', 'pause'], timing);
    expect(schedule.disable('reassignment')).toBe(true);
    for (let i = 0; i < 30; i++) expect(schedule.next().kind).toBe('pause');
    expect(schedule.disable('pause')).toBe(false);
    expect(() => schedule.next()).toThrow(/no fault kind left/);
  });
});

describe('parseFaultKinds', () => {
  it("reads a list or 'all', and names the kinds when one is unknown", () => {
    expect(parseFaultKinds('all')).toEqual([...FAULT_KINDS]);
    expect(parseFaultKinds('pause, kill-leader,pause')).toEqual(['pause', 'kill-leader']);
    expect(() => parseFaultKinds('pause,nap')).toThrow(
      /unknown fault kind\(s\) nap; the kinds are kill-controller/,
    );
    expect(() => parseFaultKinds(',')).toThrow(/names no kind/);
  });
});

describe('SeededRandom', () => {
  it('stays in range and picks every element', () => {
    const random = new SeededRandom(9);
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) {
      const n = random.int(2, 5);
      expect(n >= 2 && n <= 5).toBe(true);
      seen.add(n);
    }
    expect([...seen].sort()).toEqual([2, 3, 4, 5]);
    expect(pickWith(['a', 'b', 'c'], 0.999)).toBe('c');
    expect(pickWith([], 0.5)).toBeUndefined();
  });
});
