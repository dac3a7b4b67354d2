import { describe, expect, it } from 'vitest';
import { MappingBudget, type Mappable } from '../../../engine/segment/mapping-budget.js';

type Seg = Mappable & { name: string; releases: number; trims: number };

/** A segment that logs its releases into a shared list. */
function segments(n: number, log: string[]): Seg[] {
  return Array.from({ length: n }, (_, i) => {
    const s = {
      name: `s${i}`,
      releases: 0,
      trims: 0,
      releaseMapping(): void {
        s.releases++;
        log.push(s.name);
      },
      releaseResidentPages(): void {
        s.trims++;
      },
    };
    return s;
  });
}

describe('MappingBudget', () => {
  it('trims the resident pages of mapped segments read since the last trim', () => {
    const [a, b, c] = segments(3, []) as [Seg, Seg, Seg];
    const budget = new MappingBudget(2);
    budget.touch(a);
    budget.touch(b);
    budget.touch(c); // evicts a
    budget.trimResident();
    expect([a.trims, b.trims, c.trims]).toEqual([0, 1, 1]);
    // Only what was read since the last trim is trimmed again.
    budget.touch(c);
    budget.trimResident();
    expect([a.trims, b.trims, c.trims]).toEqual([0, 1, 2]);
  });

  it('evicts the least recently touched first, once each', () => {
    const log: string[] = [];
    const [a, b, c, d, e] = segments(5, log) as [Seg, Seg, Seg, Seg, Seg];
    const budget = new MappingBudget(3);
    budget.touch(a);
    budget.touch(b);
    budget.touch(c);
    expect(budget.size).toBe(3);
    expect(log).toEqual([]);
    budget.touch(d);
    expect(log).toEqual(['s0']);
    expect(budget.size).toBe(3);
    budget.touch(e);
    expect(log).toEqual(['s0', 's1']);
    // a was evicted: touching it again maps it again and evicts the oldest (c).
    budget.touch(a);
    expect(log).toEqual(['s0', 's1', 's2']);
    expect(budget.size).toBe(3);
  });

  it('a touch refreshes a segment, and touching a mapped one evicts nothing', () => {
    const log: string[] = [];
    const [a, b, c, d] = segments(4, log) as [Seg, Seg, Seg, Seg];
    const budget = new MappingBudget(3);
    budget.touch(a);
    budget.touch(b);
    budget.touch(c);
    budget.touch(a);
    budget.touch(a);
    expect(log).toEqual([]);
    expect(budget.size).toBe(3);
    budget.touch(d);
    expect(log).toEqual(['s1']);
    budget.touch(b);
    expect(log).toEqual(['s1', 's2']);
    budget.touch(c);
    expect(log).toEqual(['s1', 's2', 's0']);
  });

  it('forget drops a segment without releasing it', () => {
    const log: string[] = [];
    const segs = segments(4, log);
    const [a, b, c, d] = segs as [Seg, Seg, Seg, Seg];
    const budget = new MappingBudget(3);
    budget.touch(a);
    budget.touch(b);
    budget.touch(c);
    budget.forget(a);
    budget.forget(a);
    expect(budget.size).toBe(2);
    budget.touch(d);
    expect(log).toEqual([]);
    expect(budget.size).toBe(3);
    budget.forget(d);
    budget.touch(a);
    expect(log).toEqual([]);
    budget.touch(d);
    expect(log).toEqual(['s1']);
    expect(segs.map((s) => s.releases)).toEqual([0, 1, 0, 0]);
  });

  it('setLimit shrinking evicts the oldest down to the new limit', () => {
    const log: string[] = [];
    const segs = segments(6, log);
    const budget = new MappingBudget(10);
    for (const s of segs) budget.touch(s);
    budget.touch(segs[0]!);
    budget.setLimit(2);
    expect(log).toEqual(['s1', 's2', 's3', 's4']);
    expect(budget.size).toBe(2);
    budget.setLimit(0);
    expect(log).toEqual(['s1', 's2', 's3', 's4', 's5']);
    expect(budget.size).toBe(1);
    budget.setLimit(5);
    expect(budget.size).toBe(1);
    expect(log).toHaveLength(5);
    expect(segs.map((s) => s.releases)).toEqual([0, 1, 1, 1, 1, 1]);
  });

  it('calls releaseMapping exactly once per eviction over a long run', () => {
    const log: string[] = [];
    const segs = segments(20, log);
    const budget = new MappingBudget(4);
    let evictions = 0;
    for (let round = 0; round < 50; round++) {
      const before = log.length;
      budget.touch(segs[(round * 7) % 20]!);
      evictions += log.length - before;
      expect(log.length - before).toBeLessThanOrEqual(1);
      expect(budget.size).toBeLessThanOrEqual(4);
    }
    expect(segs.reduce((n, s) => n + s.releases, 0)).toBe(evictions);
    expect(evictions).toBe(50 - 4);
  });
});
