/**
 * What the network layer counts of requests, kept as plain numbers in typed arrays indexed by API
 * key: requests, and latency histograms (local, response queue, total time) in fixed buckets. The
 * connection adds to them per request with no allocation and no lookup; prom-client reads them
 * only when /metrics is scraped (metrics-registry.ts).
 *
 * The times follow Kafka's request metrics where Kiln has the same stages: local time is from the
 * frame's arrival until its handler has answered (a fetch's long poll and an acks=all produce's
 * wait for replicas included: Kiln has no separate "remote" stage), response queue time is how
 * long the answer waited behind earlier responses of the same connection, total time is both.
 * Kiln handles a frame as it arrives, so Kafka's request queue time is always zero here.
 */
import type { RequestObserver } from '../network/request-observer.js';

/** API keys are below this (Kafka's go up to the 70s). */
export const MAX_API_KEYS = 128;

/** Histogram bucket upper bounds, in milliseconds. */
export const LATENCY_BUCKETS_MS: readonly number[] = [
  0.5, 1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000,
];

/** Error codes are counted for -1 up to this (Kafka's stay below 130). */
export const MAX_ERROR_CODE = 160;

/** One latency histogram per API: bucket counts (the last one for +Inf) and the sum. */
export class LatencyHistograms {
  /** MAX_API_KEYS rows of LATENCY_BUCKETS_MS.length + 1 counts (not cumulative). */
  readonly counts = new Float64Array(MAX_API_KEYS * (LATENCY_BUCKETS_MS.length + 1));
  readonly sums = new Float64Array(MAX_API_KEYS);

  observe(apiKey: number, ms: number): void {
    const row = apiKey * (LATENCY_BUCKETS_MS.length + 1);
    let i = 0;
    while (i < LATENCY_BUCKETS_MS.length && ms > LATENCY_BUCKETS_MS[i]!) i++;
    this.counts[row + i]!++;
    this.sums[apiKey]! += ms;
  }
}

export class RequestStats implements RequestObserver {
  readonly requests = new Float64Array(MAX_API_KEYS);
  /** Errors by API and error code: row apiKey, column code + 1 (so -1 fits). */
  readonly errors = new Float64Array(MAX_API_KEYS * (MAX_ERROR_CODE + 1));
  readonly localTime = new LatencyHistograms();
  readonly responseQueueTime = new LatencyHistograms();
  readonly totalTime = new LatencyHistograms();
  connectionsCreated = 0;
  connectionsClosed = 0;

  connectionOpened(): void {
    this.connectionsCreated++;
  }

  connectionClosed(): void {
    this.connectionsClosed++;
  }

  /** A request of `apiKey` was answered `handledMs` after it arrived; its answer then waited `queuedMs`. */
  answered(apiKey: number, handledMs: number, queuedMs: number): void {
    if (apiKey < 0 || apiKey >= MAX_API_KEYS) return;
    this.requests[apiKey]!++;
    this.localTime.observe(apiKey, handledMs);
    this.responseQueueTime.observe(apiKey, queuedMs);
    this.totalTime.observe(apiKey, handledMs + queuedMs);
  }

  /** A response of `apiKey` carried `errorCode` (for one partition, or for the whole request). */
  error(apiKey: number, errorCode: number): void {
    if (errorCode === 0 || errorCode < -1 || errorCode >= MAX_ERROR_CODE) return;
    this.errors[apiKey * (MAX_ERROR_CODE + 1) + errorCode + 1]!++;
  }
}
