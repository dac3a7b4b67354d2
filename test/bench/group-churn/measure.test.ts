// The churn benchmark's figures from what members report: resume times, stalls, lost and twice-read
// records, percentiles.
import { describe, expect, it } from 'vitest';
import {
  ReadLog,
  delivery,
  firstReadMs,
  resumeMs,
  spread,
  pausedMs,
  type ChurnEvent,
} from '../../../bench/group-churn/measure.js';

/** Reads of [partition, offset, member, t]. */
function logOf(partitions: number, reads: [number, number, number, number][]): ReadLog {
  const log = new ReadLog(partitions);
  for (const [partition, offset, member, t] of reads) log.add({ partition, offset, member, t });
  return log;
}

const leave = (member: number, partitions: number[], t0 = 1000): ChurnEvent => ({
  kind: 'leave',
  t0,
  member,
  partitions,
});

describe('resumeMs', () => {
  it('is the time until the last of the departed member’s partitions is read by another member', () => {
    const log = logOf(3, [
      [0, 10, 1, 1100], // the departed member itself, after t0: does not count
      [0, 11, 2, 1400],
      [1, 20, 2, 1900],
      [2, 30, 2, 1050], // not the departed member's
    ]);
    expect(resumeMs(log, leave(1, [0, 1]))).toBe(900);
  });

  it('is null when a partition is never read again', () => {
    const log = logOf(2, [[0, 1, 2, 1500]]);
    expect(resumeMs(log, leave(1, [0, 1]))).toBeNull();
  });

  it('ignores reads before the event', () => {
    const log = logOf(1, [
      [0, 1, 2, 900],
      [0, 2, 2, 1300],
    ]);
    expect(resumeMs(log, leave(1, [0]))).toBe(300);
  });
});

describe('firstReadMs and pausedMs', () => {
  it('time a joiner’s first record and the partition time unread', () => {
    const log = logOf(2, [
      [0, 1, 1, 1100],
      [0, 2, 1, 1200],
      [0, 3, 3, 1700], // the joiner's first record, after a 500 ms gap
      [0, 4, 3, 1800],
      [1, 1, 1, 900], // before `from`: not counted
      [1, 2, 1, 1150],
      [1, 3, 1, 1250],
    ]);
    expect(firstReadMs(log, 3, 1000)).toBe(700);
    expect(firstReadMs(log, 4, 1000)).toBeNull();
    // Partition 0: 1200 -> 1700 (500). Partition 1: 1250 -> 2000 (750). Gaps of 250 or less do not count.
    expect(pausedMs(log, 1000, 2000, 250)).toBe(1250);
    expect(pausedMs(log, 1000, 2000, 600)).toBe(750);
  });
});

describe('delivery', () => {
  it('counts acknowledged offsets nobody read as lost and extra reads as duplicates', () => {
    const log = logOf(2, [
      [0, 0, 1, 1],
      [0, 1, 1, 1],
      [0, 1, 2, 2],
      [1, 5, 1, 1],
    ]);
    const d = delivery(
      [
        [[0, 2]],
        [
          [4, 1],
          [5, 1],
        ],
      ],
      log,
    );
    expect(d).toEqual({ acked: 4, lost: 1, lostExamples: ['1/4'], duplicates: 1 });
  });
});

describe('spread', () => {
  it('gives nearest-rank p50, p99 and the maximum', () => {
    expect(spread([])).toBeNull();
    expect(spread([5])).toEqual({ count: 1, p50: 5, p99: 5, max: 5 });
    const hundred = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(spread(hundred)).toEqual({ count: 100, p50: 50, p99: 99, max: 100 });
  });
});
