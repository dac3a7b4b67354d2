import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Connection } from '../../../../server/client/connection.js';
import type { ClusterView, TopicSummary, TopicView } from '../../../../server/admin/api/admin-api-types.js';
import { CreateTopicsApi } from '../../../../server/protocol/apis/create-topics.js';
import { MetadataApi } from '../../../../server/protocol/apis/metadata.js';
import { ErrorCode } from '../../../../server/protocol/error-codes.js';
import { startBroker, type RunningBroker } from '../../../helpers/broker-fixture.js';
import { waitForBrokers } from '../../../helpers/cluster-ready.js';
import { makeTempDir, removeTempDir } from '../../../helpers/temp-dir.js';
import { waitFor } from '../../../helpers/wait-for.js';
import { startZooKeeper, type RunningZooKeeper } from '../../../helpers/zookeeper.js';

/** The admin JSON API of three brokers on a real ZooKeeper, checked against Metadata. */
describe('admin JSON API in a cluster', () => {
  let zookeeper: RunningZooKeeper;
  const brokers: RunningBroker[] = [];
  const dirs: string[] = [];
  const topic = 'spread';

  async function get<T>(b: RunningBroker, route: string): Promise<T> {
    const res = await fetch(`http://127.0.0.1:${b.broker.adminPort!}${route}`);
    expect(res.status, route).toBe(200);
    return (await res.json()) as T;
  }

  async function metadata(b: RunningBroker) {
    const c = await Connection.open('127.0.0.1', b.broker.port, 'admin-api-test');
    try {
      return await c.request(MetadataApi, {
        topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: topic }],
        allowAutoTopicCreation: false,
        includeClusterAuthorizedOperations: false,
        includeTopicAuthorizedOperations: false,
      });
    } finally {
      c.close();
    }
  }

  beforeAll(async () => {
    zookeeper = await startZooKeeper();
    for (const id of [1, 2, 3]) {
      const dir = makeTempDir(`kiln-admin-api-cluster-${id}-`);
      dirs.push(dir);
      brokers.push(
        await startBroker({
          'zookeeper.connect': `${zookeeper.connect}/admin-api`,
          'broker.id': String(id),
          'log.dirs': dir,
          'zookeeper.session.timeout.ms': '6000',
          'replica.fetch.wait.max.ms': '200',
          'offsets.topic.replication.factor': '1',
          'kiln.admin.listener': 'http://127.0.0.1:0',
        }),
      );
    }
    await waitForBrokers(brokers.map((b) => b.broker.port));
    const c = await Connection.open('127.0.0.1', brokers[0]!.broker.port, 'admin-api-test');
    try {
      const answer = await c.request(CreateTopicsApi, {
        topics: [
          {
            name: topic,
            numPartitions: -1,
            replicationFactor: -1,
            assignments: [
              { partitionIndex: 0, brokerIds: [1, 2] },
              { partitionIndex: 1, brokerIds: [2, 3] },
              { partitionIndex: 2, brokerIds: [3, 1] },
            ],
            configs: [{ name: 'retention.ms', value: '3600000' }],
          },
          {
            name: 'elsewhere',
            numPartitions: -1,
            replicationFactor: -1,
            assignments: [{ partitionIndex: 0, brokerIds: [2] }],
            configs: [{ name: 'retention.ms', value: '1234567' }],
          },
        ],
        timeoutMs: 10_000,
        validateOnly: false,
      });
      expect(answer.topics.map((t) => t.errorCode)).toEqual([ErrorCode.NONE, ErrorCode.NONE]);
    } finally {
      c.close();
    }
    // Every partition led, with both replicas in its ISR, as broker 1 is told.
    await waitFor(
      async () => {
        const partitions = (await metadata(brokers[0]!)).topics[0]?.partitions ?? [];
        return partitions.length === 3 && partitions.every((p) => p.leaderId >= 0 && p.isrNodes.length === 2);
      },
      { what: 'the topic to be replicated', timeoutMs: 30_000 },
    );
  }, 90_000);
  afterAll(async () => {
    for (const b of brokers) await b.stop().catch(() => {});
    for (const dir of dirs) removeTempDir(dir);
    await zookeeper?.stop();
  });

  it('GET /api/cluster: every live broker, the controller Metadata names, on each broker', async () => {
    const described = await metadata(brokers[0]!);
    for (const b of brokers) {
      const cluster = await get<ClusterView>(b, '/api/cluster');
      expect(cluster.mode).toBe('cluster');
      expect(cluster.brokerId).toBe(b.broker.config.brokerId);
      expect(cluster.clusterId).toBe(described.clusterId);
      expect(cluster.controllerId).toBe(described.controllerId);
      expect(cluster.brokers.map((x) => x.id)).toEqual([1, 2, 3]);
      for (const view of cluster.brokers) {
        const listed = described.brokers.find((x) => x.nodeId === view.id)!;
        expect([view.host, view.port]).toEqual([listed.host, listed.port]);
        expect(view.adminUrl).toBe(
          view.id === cluster.brokerId ? `http://127.0.0.1:${b.broker.adminPort}` : null,
        );
      }
      expect(cluster.partitions.offline).toBe(0);
      expect(cluster.partitions.underReplicated).toBe(0);
      expect(cluster.partitions.total).toBeGreaterThanOrEqual(3);
    }
  });

  it('GET /api/topics/{name}: replicas, leaders and ISR as Metadata says; partitions held elsewhere are not local', async () => {
    const described = (await metadata(brokers[0]!)).topics[0]!;
    const first = brokers[0]!;
    const view = await get<TopicView>(first, `/api/topics/${topic}`);
    expect(view.replicationFactor).toBe(2);
    expect(view.partitions).toBe(3);
    expect(view.topicId).toBe(described.topicId);
    expect(view.retentionMs).toBe(3_600_000);
    for (const p of view.partitionViews) {
      const listed = described.partitions.find((x) => x.partitionIndex === p.partition)!;
      expect(p.leader).toBe(listed.leaderId);
      expect(p.replicas).toEqual(listed.replicaNodes);
      expect([...p.isr].sort()).toEqual([...listed.isrNodes].sort());
      expect(p.offline).toBe(false);
      const holds = listed.replicaNodes.includes(1);
      expect(p.local).toBe(holds);
      if (holds) {
        const log = first.broker.logManager!.getLog(topic, p.partition)!;
        expect(p.logEndOffset).toBe(log.logEndOffset);
        expect(p.segments).toHaveLength(1);
      } else {
        expect(p).toMatchObject({
          logStartOffset: null,
          logEndOffset: null,
          highWatermark: null,
          bytes: null,
          segments: null,
        });
      }
    }
    expect(view.partitionViews.find((p) => p.partition === 1)!.local).toBe(false);
    const summaries = await get<TopicSummary[]>(first, '/api/topics');
    expect(summaries.find((t) => t.name === topic)).toMatchObject({
      partitions: 3,
      replicationFactor: 2,
      offline: 0,
      underReplicated: 0,
    });
  });

  it('reads the overrides of a topic held on no replica here from ZooKeeper', async () => {
    const url = `http://127.0.0.1:${brokers[0]!.broker.adminPort!}/api/topics/elsewhere`;
    await waitFor(async () => (await fetch(url)).status === 200, { what: 'broker 1 to know the topic' });
    const view = await get<TopicView>(brokers[0]!, '/api/topics/elsewhere');
    expect(view.configs).toEqual({ 'retention.ms': '1234567' });
    expect(view.retentionMs).toBe(1_234_567);
    expect(view.localBytes).toBe(0);
    expect(view.partitionViews).toMatchObject([
      { partition: 0, replicas: [2], local: false, segments: null },
    ]);
    const held = await get<TopicView>(brokers[1]!, '/api/topics/elsewhere');
    expect(held.configs).toEqual({ 'retention.ms': '1234567' });
    expect(held.partitionViews[0]!.local).toBe(true);
  });
});
