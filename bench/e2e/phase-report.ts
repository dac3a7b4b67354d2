/**
 * What a benchmark client says about one phase (a produce or a consume run), in one shape whichever
 * client it was, so the runner, the table and the chart need not know the clients' formats.
 */

/** Latency percentiles in milliseconds. */
export interface LatencySummary {
  avg: number;
  p50: number;
  p95?: number;
  p99: number;
  p999: number;
  max: number;
}

export interface PhaseReport {
  records: number;
  /** Bytes as the client counts them (record payload for both clients here). */
  bytes: number;
  /** The client's own measured time for the phase. */
  seconds: number;
  recordsPerSec: number;
  /** MB = 10^6 bytes. */
  mbPerSec: number;
  /** Produce: ack latency; consume: end-to-end latency; null if the client does not measure it. */
  latencyMs: LatencySummary | null;
  /** The client's own summary (its last line, or its JSON), kept verbatim in the results. */
  summary: string;
}
