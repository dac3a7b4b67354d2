/**
 * Event-loop delay of the broker process, for benchmarks and operators: how long the loop was
 * blocked (perf_hooks.monitorEventLoopDelay). A stall here delays every connection at once, so it
 * is the broker's own latency floor. The histogram records the whole time between two of its
 * timer's turns, so the figures here subtract the timer's own period (the resolution) to leave
 * only the time the loop was late.
 *
 * With the environment variable KILN_STATS_FILE set, each SIGUSR2 appends one JSON line to that
 * file covering the time since the previous SIGUSR2 (or the start), then starts a new interval:
 *   {"at":"<ISO time>","eventLoopDelayMs":{"max":..,"p99":..,"mean":..},"rssBytes":..}
 * so a benchmark can bracket one phase of load with two signals and read the last line. When
 * acks=all requests waited for followers in the interval (a cluster leader), the line also has
 *   "replicationLatencyMs":{"count":..,"p50":..,"p99":..,"max":..}
 * (cluster/replication/replication-latency.ts), which is reset with it.
 */
import fs from 'node:fs';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { replicationLatency, resetReplicationLatency } from './cluster/replication/replication-latency.js';

export interface EventLoopDelay {
  max: number;
  p99: number;
  mean: number;
}

export class EventLoopStats {
  private readonly histogram: IntervalHistogram;

  constructor(private readonly resolutionMs = 5) {
    this.histogram = monitorEventLoopDelay({ resolution: resolutionMs });
    this.histogram.enable();
  }

  /** The delays since the last reset, in ms (the histogram records nanoseconds). */
  snapshot(): EventLoopDelay {
    const h = this.histogram;
    const ms = (ns: number): number => Math.max(0, Math.round((ns / 1e6 - this.resolutionMs) * 100) / 100);
    if (h.count === 0) return { max: 0, p99: 0, mean: 0 };
    return { max: ms(h.max), p99: ms(h.percentile(99)), mean: ms(h.mean) };
  }

  reset(): void {
    this.histogram.reset();
  }

  stop(): void {
    this.histogram.disable();
  }

  /** Appends the interval's figures to `file` and starts a new interval. */
  writeTo(file: string): void {
    const replication = replicationLatency();
    const line = {
      at: new Date().toISOString(),
      eventLoopDelayMs: this.snapshot(),
      rssBytes: process.memoryUsage.rss(),
      ...(replication.count > 0 ? { replicationLatencyMs: replication } : {}),
    };
    this.reset();
    resetReplicationLatency();
    fs.appendFileSync(file, JSON.stringify(line) + '\n');
  }
}

/** Wires SIGUSR2 to `writeTo(KILN_STATS_FILE)` when that variable is set; returns the undo. */
export function reportEventLoopOnSignal(file = process.env.KILN_STATS_FILE): () => void {
  if (!file) return () => {};
  const stats = new EventLoopStats();
  const onSignal = (): void => stats.writeTo(file);
  process.on('SIGUSR2', onSignal);
  return () => {
    process.off('SIGUSR2', onSignal);
    stats.stop();
  };
}
