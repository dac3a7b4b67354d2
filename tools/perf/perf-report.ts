/**
 * What the load generators print: progress lines on stderr every reporting interval (the figures
 * of that interval), and the final summary, as a line on stdout or as one JSON object. MB means
 * 10^6 bytes throughout. Lines follow Kafka's kafka-producer-perf-test / kafka-consumer-perf-test.
 */
import type { LatencyHistogram, LatencySummary } from './latency-histogram.js';
import type { ConsumeOptions, ProduceOptions } from './perf-options.js';

const MB = 1e6;

/** Running figures of one reporting interval; the generators add to the fields directly. */
export class ProgressWindow {
  records = 0;
  bytes = 0;
  latencySum = 0;
  latencyCount = 0;
  latencyMax = 0;
  private startMs: number;

  constructor(nowMs: number) {
    this.startMs = nowMs;
  }

  addLatency(ms: number): void {
    this.latencySum += ms;
    this.latencyCount++;
    if (ms > this.latencyMax) this.latencyMax = ms;
  }

  /** Seconds since the window started (at least 1 µs, so rates stay finite). */
  seconds(nowMs: number): number {
    return Math.max(nowMs - this.startMs, 1e-3) / 1000;
  }

  reset(nowMs: number): void {
    this.records = 0;
    this.bytes = 0;
    this.latencySum = 0;
    this.latencyCount = 0;
    this.latencyMax = 0;
    this.startMs = nowMs;
  }
}

/** "N records sent, X records/sec (Y MB/sec), Z ms avg latency, W ms max latency." */
export function produceProgressLine(window: ProgressWindow, nowMs: number, measured: boolean): string {
  const seconds = window.seconds(nowMs);
  const rates = `${window.records} records sent, ${(window.records / seconds).toFixed(1)} records/sec (${(window.bytes / MB / seconds).toFixed(2)} MB/sec)`;
  if (!measured) return `${rates}.`;
  const avg = window.latencyCount ? window.latencySum / window.latencyCount : 0;
  return `${rates}, ${avg.toFixed(1)} ms avg latency, ${window.latencyMax.toFixed(1)} ms max latency.`;
}

/** Kafka's consumer perf with --show-detailed-stats: totals so far, rates of the interval. */
export const CONSUME_PROGRESS_HEADER =
  'time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, fetches, latency.avg.ms, latency.max.ms';

export function consumeProgressLine(
  window: ProgressWindow,
  nowMs: number,
  totals: { records: number; bytes: number; fetches: number },
): string {
  const seconds = window.seconds(nowMs);
  const avg = window.latencyCount ? (window.latencySum / window.latencyCount).toFixed(1) : '-';
  const max = window.latencyCount ? window.latencyMax.toFixed(1) : '-';
  return [
    new Date().toISOString(),
    (totals.bytes / MB).toFixed(4),
    (window.bytes / MB / seconds).toFixed(4),
    totals.records,
    (window.records / seconds).toFixed(1),
    totals.fetches,
    avg,
    max,
  ].join(', ');
}

export interface ProduceResult {
  records: number;
  seconds: number;
  latency: LatencyHistogram | null;
  errors: number;
  retries: number;
  failedRecords: number;
  requests: number;
}

export interface ConsumeResult {
  records: number;
  bytes: number;
  batchBytes: number;
  seconds: number;
  fetches: number;
  latency: LatencyHistogram | null;
}

export function latencyJson(histogram: LatencyHistogram | null): LatencySummary | null {
  if (!histogram || histogram.count === 0) return null;
  const s = histogram.summary();
  return {
    avg: round(s.avg, 3),
    p50: round(s.p50, 3),
    p95: round(s.p95, 3),
    p99: round(s.p99, 3),
    p999: round(s.p999, 3),
    max: round(s.max, 3),
  };
}

export function produceJson(result: ProduceResult, options: ProduceOptions): Record<string, unknown> {
  const bytes = result.records * options.recordSize;
  return {
    mode: 'produce',
    topic: options.topic,
    records: result.records,
    bytes,
    seconds: round(result.seconds, 3),
    recordsPerSec: round(rate(result.records, result.seconds), 1),
    mbPerSec: round(rate(bytes, result.seconds) / MB, 3),
    latencyMs: latencyJson(result.latency),
    errors: result.errors,
    retries: result.retries,
    failedRecords: result.failedRecords,
    requests: result.requests,
    config: options,
  };
}

/** Kafka's final line, plus the percentiles with sub-millisecond precision and the errors. */
export function produceSummaryLine(result: ProduceResult, options: ProduceOptions): string {
  const bytes = result.records * options.recordSize;
  let line = `${result.records} records sent, ${rate(result.records, result.seconds).toFixed(1)} records/sec (${(rate(bytes, result.seconds) / MB).toFixed(2)} MB/sec)`;
  const latency = latencyJson(result.latency);
  if (latency) {
    line +=
      `, ${latency.avg.toFixed(2)} ms avg latency, ${latency.max.toFixed(2)} ms max latency, ` +
      `${latency.p50.toFixed(2)} ms 50th, ${latency.p95.toFixed(2)} ms 95th, ` +
      `${latency.p99.toFixed(2)} ms 99th, ${latency.p999.toFixed(2)} ms 99.9th`;
  }
  line += `, ${result.requests} requests, ${result.errors} errors.`;
  return line;
}

export function consumeJson(result: ConsumeResult, options: ConsumeOptions): Record<string, unknown> {
  return {
    mode: 'consume',
    topic: options.topic,
    records: result.records,
    bytes: result.bytes,
    batchBytes: result.batchBytes,
    seconds: round(result.seconds, 3),
    recordsPerSec: round(rate(result.records, result.seconds), 1),
    mbPerSec: round(rate(result.bytes, result.seconds) / MB, 3),
    fetches: result.fetches,
    latencyMs: latencyJson(result.latency),
    config: options,
  };
}

export function consumeSummaryLine(result: ConsumeResult): string {
  let line =
    `${result.records} records received in ${result.seconds.toFixed(3)} s, ` +
    `${rate(result.records, result.seconds).toFixed(1)} records/sec ` +
    `(${(rate(result.bytes, result.seconds) / MB).toFixed(2)} MB/sec), ${result.fetches} fetches`;
  const latency = latencyJson(result.latency);
  if (latency) {
    line +=
      `, end-to-end latency ${latency.avg.toFixed(2)} ms avg, ${latency.p50.toFixed(2)} ms 50th, ` +
      `${latency.p95.toFixed(2)} ms 95th, ${latency.p99.toFixed(2)} ms 99th, ` +
      `${latency.p999.toFixed(2)} ms 99.9th, ${latency.max.toFixed(2)} ms max`;
  }
  return line + '.';
}

function rate(amount: number, seconds: number): number {
  return seconds > 0 ? amount / seconds : 0;
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
