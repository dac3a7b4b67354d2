/**
 * Per-topic traffic (topic-stats.ts) as Kafka's BrokerTopicMetrics, the way the Prometheus JMX
 * exporter writes them: one series per topic, and one without a topic label for all topics
 * together (as Kafka reports both).
 */
import { ScrapeMetric } from './scrape-metric.js';
import type { TopicCounters, TopicStats } from './topic-stats.js';

const FIELDS: [string, keyof TopicCounters, string][] = [
  ['bytesin', 'bytesIn', 'Bytes appended from producers.'],
  ['bytesout', 'bytesOut', 'Bytes sent to consumers in fetch responses (followers not included).'],
  ['messagesin', 'messagesIn', 'Records appended from producers.'],
  ['totalproducerequests', 'totalProduceRequests', 'Produce requests, counted per topic partition.'],
  [
    'failedproducerequests',
    'failedProduceRequests',
    'Produce requests answered with an error, per topic partition.',
  ],
  ['totalfetchrequests', 'totalFetchRequests', 'Fetch requests, counted per topic partition.'],
  [
    'failedfetchrequests',
    'failedFetchRequests',
    'Fetch requests answered with an error, per topic partition.',
  ],
];

export function topicMetrics(stats: TopicStats): ScrapeMetric[] {
  const metrics = FIELDS.map(
    ([metric, field, help]) =>
      new ScrapeMetric(`kafka_server_brokertopicmetrics_${metric}_total`, help, 'counter', (out) => {
        out.push({ labels: {}, value: stats.all[field] });
        for (const [topic, counters] of stats.topics) out.push({ labels: { topic }, value: counters[field] });
      }),
  );
  metrics.push(
    new ScrapeMetric(
      'kafka_server_brokertopicmetrics_replicationbytesout_total',
      'Bytes sent to follower replicas in fetch responses.',
      'counter',
      (out) => out.push({ labels: {}, value: stats.replicationBytesOut }),
    ),
  );
  return metrics;
}
