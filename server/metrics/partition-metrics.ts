/**
 * Gauges over the broker's state, computed when /metrics is scraped (nothing is kept for them in
 * between): each partition log's size, segments and offsets; the replica manager's counts
 * (partitions, leaders, under-replicated and under-min-ISR partitions, ISR shrinks and expands);
 * the controller; offline partitions (reported by the active controller, as in Kafka); and the
 * lag of the consumer groups this broker coordinates.
 *
 * A single node leads every partition it holds, and its ISR is itself: nothing is under-replicated.
 */
import type { LogManager, PartitionLog } from '../../engine/index.js';
import type { MetadataCache } from '../cluster/metadata-cache.js';
import type { ReplicaManager } from '../cluster/replica-manager.js';
import type { OffsetStore } from '../group/offset-store.js';
import { ScrapeMetric, type Sample } from './scrape-metric.js';

export interface PartitionMetricSources {
  /** What the broker holds now; undefined while it is not running. */
  logs: () => LogManager | undefined;
  replicas: () => ReplicaManager | undefined;
  /** Cluster mode: the cluster as the controller described it. */
  metadata: () => MetadataCache | undefined;
  /** Whether this broker is the active controller (a single node always is). */
  isController: () => boolean;
  offsets: () => OffsetStore | undefined;
}

function perLog(
  sources: PartitionMetricSources,
  name: string,
  help: string,
  value: (log: PartitionLog) => number,
): ScrapeMetric {
  return new ScrapeMetric(name, help, 'gauge', (out) => {
    const logs = sources.logs();
    if (!logs) return;
    for (const log of logs.allLogs())
      out.push({ labels: { topic: log.topic, partition: log.partition }, value: value(log) });
  });
}

function single(name: string, help: string, type: 'gauge' | 'counter', value: () => number): ScrapeMetric {
  return new ScrapeMetric(name, help, type, (out) => out.push({ labels: {}, value: value() }));
}

/** Partitions this broker leads: [leads, under-replicated, under min ISR]. */
function leaderCounts(sources: PartitionMetricSources): [number, number, number] {
  const replicas = sources.replicas();
  if (!replicas) return [logCount(sources), 0, countUnderMinIsrAlone(sources)];
  let leading = 0;
  let under = 0;
  let underMin = 0;
  for (const leader of replicas.leaders()) {
    leading++;
    if (leader.isrSize < leader.state.replicas.length) under++;
    if (leader.isrSize < leader.log.config.minInsyncReplicas) underMin++;
  }
  return [leading, under, underMin];
}

function logCount(sources: PartitionMetricSources): number {
  const logs = sources.logs();
  let count = 0;
  if (logs) for (const _log of logs.allLogs()) count++;
  return count;
}

/** Alone, a partition is under its min ISR when the topic asks for more than one replica in sync. */
function countUnderMinIsrAlone(sources: PartitionMetricSources): number {
  const logs = sources.logs();
  let count = 0;
  if (logs) for (const log of logs.allLogs()) if (log.config.minInsyncReplicas > 1) count++;
  return count;
}

function offlinePartitions(sources: PartitionMetricSources): number {
  const metadata = sources.metadata();
  if (!metadata || !sources.isController()) return 0;
  let offline = 0;
  for (const topic of metadata.topicNames())
    for (const partition of metadata.partitions(topic)?.values() ?? []) if (partition.leader < 0) offline++;
  return offline;
}

function groupLag(sources: PartitionMetricSources, out: Sample[]): void {
  const store = sources.offsets();
  const logs = sources.logs();
  if (!store || !logs) return;
  for (const group of store.groupIds()) {
    if (!store.leads(group)) continue;
    for (const { topic, partition, value } of store.all(group)) {
      const log = logs.getLog(topic, partition);
      if (!log) continue;
      out.push({
        labels: { consumergroup: group, topic, partition },
        value: Math.max(0, log.highWatermark - value.offset),
      });
    }
  }
}

export function partitionMetrics(sources: PartitionMetricSources): ScrapeMetric[] {
  return [
    perLog(sources, 'kafka_log_log_size', 'Bytes of the partition log on disk.', (log) => log.size),
    perLog(
      sources,
      'kafka_log_log_numlogsegments',
      'Segments of the partition log.',
      (log) => log.segmentObjects().length,
    ),
    perLog(
      sources,
      'kafka_log_log_logstartoffset',
      'First offset of the partition log.',
      (log) => log.logStartOffset,
    ),
    perLog(
      sources,
      'kafka_log_log_logendoffset',
      'Offset the next record of the partition log gets.',
      (log) => log.logEndOffset,
    ),
    perLog(
      sources,
      'kafka_cluster_partition_highwatermark',
      'High watermark of the partition (consumers read below it).',
      (log) => log.highWatermark,
    ),
    single(
      'kafka_server_replicamanager_partitioncount',
      'Partitions this broker holds a replica of.',
      'gauge',
      () => {
        const replicas = sources.replicas();
        if (!replicas) return logCount(sources);
        let count = 0;
        for (const _held of replicas.held()) count++;
        return count;
      },
    ),
    single(
      'kafka_server_replicamanager_leadercount',
      'Partitions this broker leads.',
      'gauge',
      () => leaderCounts(sources)[0],
    ),
    single(
      'kafka_server_replicamanager_underreplicatedpartitions',
      'Partitions this broker leads whose ISR is smaller than their replicas.',
      'gauge',
      () => leaderCounts(sources)[1],
    ),
    single(
      'kafka_server_replicamanager_underminisrpartitioncount',
      'Partitions this broker leads whose ISR is below min.insync.replicas (acks=all produce is refused).',
      'gauge',
      () => leaderCounts(sources)[2],
    ),
    single(
      'kafka_server_replicamanager_isrshrinks_total',
      'ISR shrinks this broker made as a leader.',
      'counter',
      () => sources.replicas()?.isrChanges.shrinks ?? 0,
    ),
    single(
      'kafka_server_replicamanager_isrexpands_total',
      'ISR expands this broker made as a leader.',
      'counter',
      () => sources.replicas()?.isrChanges.expands ?? 0,
    ),
    single(
      'kafka_controller_kafkacontroller_activecontrollercount',
      '1 on the active controller (a single node is its own), else 0.',
      'gauge',
      () => (sources.isController() ? 1 : 0),
    ),
    single(
      'kafka_controller_kafkacontroller_offlinepartitionscount',
      'Partitions without a leader (reported by the active controller only).',
      'gauge',
      () => offlinePartitions(sources),
    ),
    new ScrapeMetric(
      'kafka_consumergroup_lag',
      'High watermark minus committed offset, per partition, for the groups this broker coordinates.',
      'gauge',
      (out) => groupLag(sources, out),
    ),
  ];
}
