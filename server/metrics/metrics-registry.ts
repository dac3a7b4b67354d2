/**
 * The registry /metrics serves: Kiln's metrics, named after Kafka's JMX metrics as the Prometheus
 * JMX exporter renders them (so dashboards made for Kafka translate), and prom-client's default
 * process metrics. Everything is read from the broker when scraped (see scrape-metric.ts): the hot
 * path only adds to plain numbers.
 *
 * Traffic per topic (series with a topic label, and one without for all topics):
 *   kafka_server_brokertopicmetrics_bytesin_total{topic}            bytes appended from producers
 *   kafka_server_brokertopicmetrics_bytesout_total{topic}           bytes sent to consumers
 *   kafka_server_brokertopicmetrics_messagesin_total{topic}         records appended
 *   kafka_server_brokertopicmetrics_totalproducerequests_total{topic}   per topic partition
 *   kafka_server_brokertopicmetrics_failedproducerequests_total{topic}
 *   kafka_server_brokertopicmetrics_totalfetchrequests_total{topic}
 *   kafka_server_brokertopicmetrics_failedfetchrequests_total{topic}
 *   kafka_server_brokertopicmetrics_replicationbytesout_total       bytes sent to followers
 * Requests (per API, label request = Produce, Fetch, Metadata, ...):
 *   kafka_network_requestmetrics_requests_total{request}
 *   kafka_network_requestmetrics_localtimems{request}               histogram, ms
 *   kafka_network_requestmetrics_responsequeuetimems{request}       histogram, ms
 *   kafka_network_requestmetrics_totaltimems{request}               histogram, ms
 *   kafka_network_requestmetrics_errors_total{request,error}        error codes answered
 * Connections:
 *   kafka_server_socket_server_metrics_connection_count
 *   kafka_server_socket_server_metrics_connection_creation_total
 *   kafka_server_socket_server_metrics_connection_close_total
 * Logs (per partition held here, labels topic and partition):
 *   kafka_log_log_size, kafka_log_log_numlogsegments, kafka_log_log_logstartoffset,
 *   kafka_log_log_logendoffset, kafka_cluster_partition_highwatermark
 * Replication and the controller:
 *   kafka_server_replicamanager_partitioncount, kafka_server_replicamanager_leadercount,
 *   kafka_server_replicamanager_underreplicatedpartitions,
 *   kafka_server_replicamanager_underminisrpartitioncount,
 *   kafka_server_replicamanager_isrshrinks_total, kafka_server_replicamanager_isrexpands_total,
 *   kafka_controller_kafkacontroller_activecontrollercount,
 *   kafka_controller_kafkacontroller_offlinepartitionscount
 * Consumer groups (those this broker coordinates):
 *   kafka_consumergroup_lag{consumergroup,topic,partition}         high watermark - committed offset
 * The log cleaner (compaction):
 *   kiln_log_cleaner_passes_total, kiln_log_cleaner_logs_cleaned_total,
 *   kiln_log_cleaner_failures_total, kiln_log_cleaner_last_pass_ms
 * Worker pools (piscina, label pool):
 *   kiln_worker_pool_queue_size{pool}, kiln_worker_pool_threads{pool}, kiln_worker_pool_completed_total{pool}
 * The process (prom-client's defaults): process_cpu_seconds_total, process_resident_memory_bytes,
 *   nodejs_eventloop_lag_*, nodejs_gc_duration_seconds, nodejs_heap_*, ...
 */
import { collectDefaultMetrics, Registry } from 'prom-client';
import { workerPoolStats } from '../../engine/index.js';
import type { BrokerMetrics } from './broker-metrics.js';
import { partitionMetrics, type PartitionMetricSources } from './partition-metrics.js';
import { requestMetrics } from './request-metrics.js';
import { ScrapeMetric, registerAll } from './scrape-metric.js';
import { topicMetrics } from './topic-metrics.js';

export interface MetricsRegistrySources extends PartitionMetricSources {
  metrics: BrokerMetrics;
  apiName: (apiKey: number) => string | undefined;
  connections: () => number;
}

function workerPoolMetrics(): ScrapeMetric[] {
  const pool = (
    name: string,
    help: string,
    type: 'gauge' | 'counter',
    field: 'queued' | 'threads' | 'completed',
  ) =>
    new ScrapeMetric(name, help, type, (out) => {
      for (const stats of workerPoolStats()) out.push({ labels: { pool: stats.name }, value: stats[field] });
    });
  return [
    pool('kiln_worker_pool_queue_size', 'Tasks waiting for a worker thread, per pool.', 'gauge', 'queued'),
    pool('kiln_worker_pool_threads', 'Worker threads alive, per pool.', 'gauge', 'threads'),
    pool('kiln_worker_pool_completed_total', 'Tasks the pool has finished.', 'counter', 'completed'),
  ];
}

let processRegistry: Registry | undefined;

/**
 * The process metrics, made once per process: prom-client's collectors watch GC and the event loop
 * from the moment they are made and are never taken down, so a second broker in the same process
 * (tests, `kiln cluster`) shares them rather than adding watchers.
 */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

function cleanerMetrics(sources: PartitionMetricSources): ScrapeMetric[] {
  const progress = (
    name: string,
    help: string,
    type: 'gauge' | 'counter',
    field: 'passes' | 'logsCleaned' | 'logFailures' | 'lastPassMs',
  ) =>
    new ScrapeMetric(name, help, type, (out) => {
      const logs = sources.logs();
      if (logs) out.push({ labels: {}, value: logs.cleanerProgress[field] });
    });
  return [
    progress(
      'kiln_log_cleaner_passes_total',
      'Passes of the log cleaner over the compacted logs.',
      'counter',
      'passes',
    ),
    progress('kiln_log_cleaner_logs_cleaned_total', 'Logs the cleaner compacted.', 'counter', 'logsCleaned'),
    progress(
      'kiln_log_cleaner_failures_total',
      'Logs the cleaner failed to compact.',
      'counter',
      'logFailures',
    ),
    progress(
      'kiln_log_cleaner_last_pass_ms',
      'How long the last cleaner pass took (ms).',
      'gauge',
      'lastPassMs',
    ),
  ];
}

/** A registry of its own per broker (several brokers may run in one process, in tests). */
export function buildMetricsRegistry(sources: MetricsRegistrySources): Registry {
  const registry = new Registry();
  registerAll(registry, [
    ...topicMetrics(sources.metrics.topics),
    ...requestMetrics({
      stats: sources.metrics.requests,
      apiName: sources.apiName,
      connections: sources.connections,
    }),
    ...partitionMetrics(sources),
    ...workerPoolMetrics(),
    ...cleanerMetrics(sources),
  ]);
  return Registry.merge([processMetrics(), registry]);
}
