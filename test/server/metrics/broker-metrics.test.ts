import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type RunningBroker } from '../../helpers/broker-fixture.js';
import { sampleValue, scrape, type PromSample } from '../../helpers/prometheus-text.js';

/** /metrics of a real broker after kcat (librdkafka) produced and consumed a topic. */
const run = promisify(execFile);

async function kcat(args: string[], input?: string): Promise<string> {
  const child = run('kcat', args, { timeout: 30_000 });
  if (input !== undefined) child.child.stdin!.end(input);
  return (await child).stdout;
}

describe('broker metrics', () => {
  let kiln: RunningBroker;
  let samples: PromSample[];
  const topic = 'metered';
  const messages = Array.from({ length: 40 }, (_, i) => `message-${i} ${'y'.repeat(i)}`);

  beforeAll(async () => {
    kiln = await startBroker({
      'kiln.admin.listener': 'http://127.0.0.1:0',
      'auto.create.topics.enable': 'true',
    });
    await kcat(['-b', kiln.bootstrap, '-P', '-t', topic, '-p', '0'], messages.join('\n') + '\n');
    const consumed = await kcat([
      '-b',
      kiln.bootstrap,
      '-C',
      '-t',
      topic,
      '-p',
      '0',
      '-o',
      'beginning',
      '-e',
    ]);
    expect(consumed.trim().split('\n')).toEqual(messages);
    samples = await scrape(kiln.broker.adminPort!);
  });
  afterAll(async () => {
    await kiln.stop();
  });

  const value = (name: string, labels: Record<string, string> = {}): number | undefined =>
    sampleValue(samples, name, labels);

  it('counts the topic’s messages and bytes in and out, matching its log', () => {
    const log = kiln.broker.logManager!.getLog(topic, 0)!;
    const partition = { topic, partition: '0' };
    expect(value('kafka_log_log_size', partition)).toBe(log.size);
    expect(value('kafka_log_log_logendoffset', partition)).toBe(messages.length);
    expect(value('kafka_log_log_logstartoffset', partition)).toBe(0);
    expect(value('kafka_log_log_numlogsegments', partition)).toBe(1);
    expect(value('kafka_server_brokertopicmetrics_messagesin_total', { topic })).toBe(messages.length);
    // Every byte appended came from this producer, and the consumer read the whole log once.
    expect(value('kafka_server_brokertopicmetrics_bytesin_total', { topic })).toBe(log.size);
    expect(value('kafka_server_brokertopicmetrics_bytesout_total', { topic })).toBe(log.size);
    expect(value('kafka_server_brokertopicmetrics_bytesin_total')).toBeGreaterThanOrEqual(log.size);
    expect(
      value('kafka_server_brokertopicmetrics_totalproducerequests_total', { topic }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      value('kafka_server_brokertopicmetrics_totalfetchrequests_total', { topic }),
    ).toBeGreaterThanOrEqual(1);
    expect(value('kafka_server_brokertopicmetrics_failedfetchrequests_total', { topic })).toBe(0);
  });

  it('counts requests per API, with latency histograms', () => {
    for (const request of ['ApiVersions', 'Metadata', 'Produce', 'Fetch']) {
      const count = value('kafka_network_requestmetrics_requests_total', { request })!;
      expect(count, request).toBeGreaterThanOrEqual(1);
      // Every request answered is in each histogram once (+Inf bucket and _count).
      expect(value('kafka_network_requestmetrics_totaltimems_count', { request })).toBe(count);
      expect(value('kafka_network_requestmetrics_totaltimems_bucket', { request, le: '+Inf' })).toBe(count);
      expect(value('kafka_network_requestmetrics_localtimems_count', { request })).toBe(count);
    }
  });

  it('counts connections and reports the partitions it leads', () => {
    const created = value('kafka_server_socket_server_metrics_connection_creation_total')!;
    expect(created).toBeGreaterThanOrEqual(2);
    // Both kcat runs are over: every connection but those still closing is closed.
    expect(value('kafka_server_socket_server_metrics_connection_count')).toBeLessThanOrEqual(created);
    expect(value('kafka_server_replicamanager_leadercount')).toBeGreaterThanOrEqual(1);
    expect(value('kafka_server_replicamanager_partitioncount')).toBe(
      value('kafka_server_replicamanager_leadercount'),
    );
    expect(value('kafka_server_replicamanager_underreplicatedpartitions')).toBe(0);
    expect(value('kafka_controller_kafkacontroller_activecontrollercount')).toBe(1);
  });

  it('reports the lag of a group this broker coordinates', async () => {
    const group = 'lagging';
    // The group reads all and commits as it closes; then more arrives.
    await kcat(['-b', kiln.bootstrap, '-G', group, topic, '-e', '-X', 'auto.offset.reset=earliest', '-q']);
    await kcat(['-b', kiln.bootstrap, '-P', '-t', topic, '-p', '0'], 'one\ntwo\nthree\n');
    const lag = sampleValue(await scrape(kiln.broker.adminPort!), 'kafka_consumergroup_lag', {
      consumergroup: group,
      topic,
      partition: '0',
    });
    expect(lag).toBe(3);
  });

  it('counts the errors answered, by API and error', async () => {
    // An offset past the end: the broker answers OFFSET_OUT_OF_RANGE and kcat starts from the end.
    await kcat(['-b', kiln.bootstrap, '-C', '-t', topic, '-p', '0', '-o', '100000', '-e', '-q']);
    const errors = sampleValue(
      await scrape(kiln.broker.adminPort!),
      'kafka_network_requestmetrics_errors_total',
      {
        request: 'Fetch',
        error: 'OFFSET_OUT_OF_RANGE',
      },
    );
    expect(errors).toBeGreaterThanOrEqual(1);
  });

  it('counts the errors of the other APIs too (only Produce and Fetch errors were counted)', async () => {
    const kafka = new Kafka({
      clientId: 'errors-test',
      brokers: [kiln.bootstrap],
      logLevel: logLevel.NOTHING,
    });
    const admin = kafka.admin();
    await admin.connect();
    try {
      // The topic exists: CreateTopics answers TOPIC_ALREADY_EXISTS for it.
      await admin.createTopics({ topics: [{ topic }] });
    } finally {
      await admin.disconnect();
    }
    const errors = sampleValue(
      await scrape(kiln.broker.adminPort!),
      'kafka_network_requestmetrics_errors_total',
      { request: 'CreateTopics', error: 'TOPIC_ALREADY_EXISTS' },
    );
    expect(errors).toBe(1);
  });
});
