/**
 * How long acks=all produce requests wait on the leader for the high watermark to cover what
 * they appended ("append → high watermark"), process-wide, for benchmarks and operators. One
 * perf_hooks histogram in microseconds (it records whole numbers of at least 1), read in
 * milliseconds.
 *
 * What counts: a wait that began (the waiter was created right after the append) and ended with
 * the high watermark reaching its offset. Requests answered at once because the high watermark
 * already covered the offset (an ISR of the leader alone) record nothing, nor do waits that time
 * out or end with the leadership: so `count` is the number of requests that actually waited for
 * followers, and an ISR shrunk to one shows as a falling count, not as a p50 of zero.
 *
 * The event-loop stats line (server/event-loop-stats.ts, on SIGUSR2) carries these figures for its
 * interval when there were samples, and resets them.
 */
import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';

/** Up to an hour, to three significant figures. */
const histogram: RecordableHistogram = createHistogram({ lowest: 1, highest: 3_600_000_000, figures: 3 });

export interface ReplicationLatency {
  /** Waits recorded since the last reset. */
  count: number;
  /** Milliseconds; 0 when count is 0. */
  p50: number;
  p99: number;
  max: number;
}

/** Records one append → high watermark wait of `ms` milliseconds. */
export function recordReplicationLatency(ms: number): void {
  const micros = Math.round(ms * 1000);
  // Below 1 µs (or a clock step backwards) counts as 1 µs: the histogram takes nothing smaller.
  histogram.record(micros >= 1 ? Math.min(micros, 3_600_000_000) : 1);
}

/** The waits recorded since the last reset. */
export function replicationLatency(): ReplicationLatency {
  const count = histogram.count;
  if (count === 0) return { count: 0, p50: 0, p99: 0, max: 0 };
  const ms = (micros: number): number => Math.round(micros) / 1000;
  return {
    count,
    p50: ms(histogram.percentile(50)),
    p99: ms(histogram.percentile(99)),
    max: ms(histogram.max),
  };
}

export function resetReplicationLatency(): void {
  histogram.reset();
}
