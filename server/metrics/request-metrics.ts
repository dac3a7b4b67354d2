/**
 * The network layer's numbers (request-stats.ts) as Prometheus metrics: requests, latency
 * histograms and errors per API, and the connections. Only APIs that have seen a request are
 * written out.
 */
import { ErrorCode } from '../protocol/error-codes.js';
import {
  LATENCY_BUCKETS_MS,
  MAX_ERROR_CODE,
  type LatencyHistograms,
  type RequestStats,
} from './request-stats.js';
import { ScrapeMetric, histogramSamples, type Sample } from './scrape-metric.js';

const ERROR_NAMES = new Map<number, string>(Object.entries(ErrorCode).map(([name, code]) => [code, name]));

export interface RequestMetricSources {
  stats: RequestStats;
  /** The API's name for a key (Produce, Fetch, ...). */
  apiName: (apiKey: number) => string | undefined;
  /** Connections open now. */
  connections: () => number;
}

export function requestMetrics({ stats, apiName, connections }: RequestMetricSources): ScrapeMetric[] {
  const name = (key: number): string => apiName(key) ?? `api_${key}`;
  const histogram = (metric: string, help: string, histograms: LatencyHistograms): ScrapeMetric =>
    new ScrapeMetric(metric, help, 'histogram', (out) => {
      const width = LATENCY_BUCKETS_MS.length + 1;
      for (let key = 0; key < stats.requests.length; key++) {
        if (stats.requests[key] === 0) continue;
        const labels = { request: name(key) };
        histogramSamples(
          out,
          metric,
          labels,
          LATENCY_BUCKETS_MS,
          histograms.counts,
          key * width,
          histograms.sums[key]!,
        );
      }
    });
  return [
    new ScrapeMetric(
      'kafka_network_requestmetrics_requests_total',
      'Requests answered, by API (Kafka: RequestMetrics Requests).',
      'counter',
      (out) => {
        for (let key = 0; key < stats.requests.length; key++) {
          const count = stats.requests[key]!;
          if (count > 0) out.push({ labels: { request: name(key) }, value: count });
        }
      },
    ),
    histogram(
      'kafka_network_requestmetrics_localtimems',
      "Milliseconds from a request's arrival until its handler answered (waits for data or replicas included).",
      stats.localTime,
    ),
    histogram(
      'kafka_network_requestmetrics_responsequeuetimems',
      'Milliseconds an answer waited behind earlier responses of its connection before it was written.',
      stats.responseQueueTime,
    ),
    histogram(
      'kafka_network_requestmetrics_totaltimems',
      "Milliseconds from a request's arrival until its answer was written to the socket.",
      stats.totalTime,
    ),
    new ScrapeMetric(
      'kafka_network_requestmetrics_errors_total',
      'Error codes in responses, by API and error (Produce and Fetch count one per partition).',
      'counter',
      (out: Sample[]) => {
        const width = MAX_ERROR_CODE + 1;
        for (let i = 0; i < stats.errors.length; i++) {
          const count = stats.errors[i]!;
          if (count === 0) continue;
          const key = Math.floor(i / width);
          const code = (i % width) - 1;
          out.push({
            labels: { request: name(key), error: ERROR_NAMES.get(code) ?? `ERROR_${code}` },
            value: count,
          });
        }
      },
    ),
    new ScrapeMetric(
      'kafka_server_socket_server_metrics_connection_count',
      'Client connections open now.',
      'gauge',
      (out) => out.push({ labels: {}, value: connections() }),
    ),
    new ScrapeMetric(
      'kafka_server_socket_server_metrics_connection_creation_total',
      'Client connections accepted since start.',
      'counter',
      (out) => out.push({ labels: {}, value: stats.connectionsCreated }),
    ),
    new ScrapeMetric(
      'kafka_server_socket_server_metrics_connection_close_total',
      'Client connections closed since start.',
      'counter',
      (out) => out.push({ labels: {}, value: stats.connectionsClosed }),
    ),
  ];
}
