/**
 * What the churn benchmark measures, from what the members report (pure functions, tested alone).
 *
 * - Time to resume after a leave or a crash at t0: the departed member's partitions are consumed
 *   again once each of them has had a record read by another member after t0; the time is that of
 *   the last of them, less t0. A crash's time includes the session timeout, since the group learns
 *   of a crash only when the member's session expires.
 * - Time to consume after a join: from the new client's subscribe (its process start does not
 *   count) until it reads its first record.
 * - Paused: over the whole churn, how long partitions went unread (pausedMs), per event.
 * - Lost: acknowledged offsets no member read. Delivered twice: reads beyond the first of an
 *   offset (a crash re-delivers what was read after the last commit; a rebalance what was read
 *   but not yet committed).
 */
import type { ReadRecord } from './member-process.js';

export type EventKind = 'join' | 'leave' | 'crash';

export interface ChurnEvent {
  kind: EventKind;
  /** When the event was made to happen (unix ms). */
  t0: number;
  member: number;
  /** For a leave or a crash, what the member owned at t0. */
  partitions: number[];
}

/** Every record read, per partition, in the order reported. */
export class ReadLog {
  readonly byPartition: ReadRecord[][];
  constructor(partitions: number) {
    this.byPartition = Array.from({ length: partitions }, () => []);
  }
  add(record: ReadRecord): void {
    this.byPartition[record.partition]?.push(record);
  }
  /** The first read of `partition` at or after t0, by anyone but `except`; undefined if none. */
  firstAfter(partition: number, t0: number, except?: number): ReadRecord | undefined {
    let best: ReadRecord | undefined;
    for (const r of this.byPartition[partition]!) {
      if (r.t >= t0 && r.member !== except && (!best || r.t < best.t)) best = r;
    }
    return best;
  }
}

/** Milliseconds from t0 until every partition the member had is read by another; null if one never is. */
export function resumeMs(log: ReadLog, event: ChurnEvent): number | null {
  let last = event.t0;
  for (const p of event.partitions) {
    const read = log.firstAfter(p, event.t0, event.member);
    if (!read) return null;
    last = Math.max(last, read.t);
  }
  return last - event.t0;
}

/** Milliseconds from t0 until member `member` reads a record; null if it never does. */
export function firstReadMs(log: ReadLog, member: number, t0: number): number | null {
  let first: number | null = null;
  for (const reads of log.byPartition)
    for (const r of reads)
      if (r.member === member && r.t >= t0 && (first === null || r.t < first)) first = r.t;
  return first === null ? null : first - t0;
}

/**
 * Time the partitions went unread between `from` and `to`: per partition, every gap longer than
 * `minGapMs` between consecutive reads (or from `from` to the first, or the last to `to`), summed
 * over the partitions, in ms. Records arrive on every partition many times a second, so a longer
 * gap is a pause: an eager rebalance pauses every partition, a cooperative one only those that
 * move, and a departed member's partitions pause until another member reads them.
 */
export function pausedMs(log: ReadLog, from: number, to: number, minGapMs: number): number {
  let total = 0;
  for (const reads of log.byPartition) {
    const times = reads
      .map((r) => r.t)
      .filter((t) => t >= from && t <= to)
      .sort((a, b) => a - b);
    let last = from;
    for (const t of [...times, to]) {
      if (t - last > minGapMs) total += t - last;
      last = t;
    }
  }
  return total;
}

export interface Delivery {
  acked: number;
  lost: number;
  /** A few lost records, as partition/offset, for the report. */
  lostExamples: string[];
  duplicates: number;
}

/** Checks every acknowledged offset ([first, count] runs per partition) against what was read. */
export function delivery(acked: readonly [number, number][][], log: ReadLog): Delivery {
  const out: Delivery = { acked: 0, lost: 0, lostExamples: [], duplicates: 0 };
  acked.forEach((runs, p) => {
    const reads = new Map<number, number>();
    for (const r of log.byPartition[p] ?? []) reads.set(r.offset, (reads.get(r.offset) ?? 0) + 1);
    for (const [first, count] of runs) {
      for (let offset = first; offset < first + count; offset++) {
        out.acked++;
        const n = reads.get(offset) ?? 0;
        if (n === 0) {
          out.lost++;
          if (out.lostExamples.length < 5) out.lostExamples.push(`${p}/${offset}`);
        } else {
          out.duplicates += n - 1;
        }
      }
    }
  });
  return out;
}

export interface Spread {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentiles of `values`; null when there are none. */
export function spread(values: readonly number[]): Spread | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (q: number): number => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
  return { count: sorted.length, p50: rank(0.5), p99: rank(0.99), max: sorted[sorted.length - 1]! };
}
