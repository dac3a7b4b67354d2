// Which partitions each of kafka-topics' partition reports selects.
import { describe, expect, it } from 'vitest';
import { inReport, minIsrOf } from '../../../tools/topics/partition-filters.js';

const live = new Set([1, 2, 3]);
const p = (leader: number, replicas: number[], isr: number[]) => ({ leader, replicas, isr });

describe('partition reports', () => {
  it('under-replicated: fewer in-sync replicas than replicas', () => {
    expect(inReport('under-replicated-partitions', p(1, [1, 2], [1]), live, 1)).toBe(true);
    expect(inReport('under-replicated-partitions', p(1, [1, 2], [1, 2]), live, 1)).toBe(false);
  });

  it('unavailable: no leader, or a leader that is not a live broker', () => {
    expect(inReport('unavailable-partitions', p(-1, [4], [4]), live, 1)).toBe(true);
    expect(inReport('unavailable-partitions', p(4, [4, 1], [4]), live, 1)).toBe(true);
    expect(inReport('unavailable-partitions', p(1, [1], [1]), live, 1)).toBe(false);
  });

  it("under and at min ISR, against the topic's min.insync.replicas", () => {
    expect(inReport('under-min-isr-partitions', p(1, [1, 2, 3], [1]), live, 2)).toBe(true);
    expect(inReport('under-min-isr-partitions', p(1, [1, 2, 3], [1, 2]), live, 2)).toBe(false);
    expect(inReport('at-min-isr-partitions', p(1, [1, 2, 3], [1, 2]), live, 2)).toBe(true);
    expect(inReport('at-min-isr-partitions', p(1, [1, 2, 3], [1, 2, 3]), live, 2)).toBe(false);
  });

  it('min.insync.replicas is 1 when unset or unreadable', () => {
    expect(minIsrOf('3')).toBe(3);
    expect(minIsrOf(null)).toBe(1);
    expect(minIsrOf(undefined)).toBe(1);
    expect(minIsrOf('x')).toBe(1);
  });
});
