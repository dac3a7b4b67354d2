import path from 'node:path';
import { AssignerProtocol, Kafka, logLevel, type Admin, type Consumer, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLEANER_CHECKPOINT, readCheckpoint } from '../../../../engine/index.js';
import { answerApi } from '../../../../server/admin/api/admin-api.js';
import type { ApiSources } from '../../../../server/admin/api/api-sources.js';
import type {
  ClusterView,
  GroupSummary,
  GroupView,
  TopicSummary,
  TopicView,
  TrafficView,
} from '../../../../server/admin/api/admin-api-types.js';
import { startBroker, type RunningBroker } from '../../../helpers/broker-fixture.js';
import { waitFor } from '../../../helpers/wait-for.js';

/**
 * The admin JSON API of a real single-node broker: every route, checked against what the broker
 * answers through the Kafka protocol (kafkajs) and what its logs and checkpoints hold.
 */
describe('admin JSON API (single node)', () => {
  let kiln: RunningBroker;
  let base: string;
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  let consumer: Consumer;
  const group = 'api-readers';

  async function get<T>(route: string): Promise<{ status: number; body: T }> {
    const res = await fetch(`${base}${route}`);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    return { status: res.status, body: (await res.json()) as T };
  }
  async function ok<T>(route: string): Promise<T> {
    const { status, body } = await get<T>(route);
    expect(status, route).toBe(200);
    return body;
  }

  beforeAll(async () => {
    kiln = await startBroker({
      'kiln.admin.listener': 'http://127.0.0.1:0',
      'broker.rack': 'rack-a',
      // Retention and the cleaner run only when the test says so.
      'log.retention.check.interval.ms': '3600000',
      'log.cleaner.enable': 'false',
      'offsets.topic.num.partitions': '2',
    });
    base = `http://127.0.0.1:${kiln.broker.adminPort!}`;
    kafka = new Kafka({ clientId: 'admin-api-test', brokers: [kiln.bootstrap], logLevel: logLevel.NOTHING });
    admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic: 'plain', numPartitions: 2 },
        {
          topic: 'retained',
          numPartitions: 1,
          configEntries: [
            { name: 'segment.bytes', value: '600' },
            { name: 'retention.bytes', value: '1800' },
          ],
        },
        {
          topic: 'compacted',
          numPartitions: 1,
          configEntries: [
            { name: 'cleanup.policy', value: 'compact' },
            { name: 'segment.bytes', value: '600' },
            { name: 'min.cleanable.dirty.ratio', value: '0.01' },
          ],
        },
      ],
    });
    producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    for (let i = 0; i < 20; i++) {
      await producer.send({
        topic: 'plain',
        acks: -1,
        messages: [{ partition: i % 2, value: `plain-${i}` }],
      });
      await producer.send({
        topic: 'retained',
        acks: -1,
        messages: [{ value: `r-${i} ${'x'.repeat(150)}` }],
      });
      await producer.send({
        topic: 'compacted',
        acks: -1,
        messages: [{ key: `k${i % 3}`, value: `c-${i} ${'y'.repeat(100)}` }],
      });
    }
    consumer = kafka.consumer({ groupId: group, sessionTimeout: 30_000, heartbeatInterval: 500 });
    await consumer.connect();
    await consumer.subscribe({ topic: 'plain', fromBeginning: true });
    await consumer.run({ autoCommit: false, eachMessage: async () => {} });
    await waitFor(
      async () => {
        const described = await admin.describeGroups([group]);
        return described.groups[0]?.state === 'Stable';
      },
      { what: 'the group to be stable', timeoutMs: 30_000 },
    );
    await consumer.commitOffsets([
      { topic: 'plain', partition: 0, offset: '3' },
      { topic: 'plain', partition: 1, offset: '10' },
    ]);
  }, 60_000);
  afterAll(async () => {
    await consumer?.disconnect().catch(() => {});
    await producer?.disconnect().catch(() => {});
    await admin?.disconnect().catch(() => {});
    await kiln?.stop();
  });

  it('GET /api/cluster: this broker alone, its own controller, ready', async () => {
    const cluster = await ok<ClusterView>('/api/cluster');
    const described = await admin.describeCluster();
    expect(cluster.clusterId).toBe(described.clusterId);
    expect(cluster.mode).toBe('single');
    expect(cluster.brokerId).toBe(described.controller);
    expect(cluster.controllerId).toBe(described.controller);
    expect(cluster.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(cluster.startedMs).toBeGreaterThan(Date.now() - 120_000);
    expect(cluster.startedMs).toBeLessThanOrEqual(Date.now());
    expect(cluster.ready).toBe(true);
    expect(cluster.brokers).toEqual([
      {
        id: described.brokers[0]!.nodeId,
        host: described.brokers[0]!.host,
        port: described.brokers[0]!.port,
        rack: 'rack-a',
        adminUrl: base,
      },
    ]);
    const total = [...kiln.broker.logManager!.allLogs()].length;
    expect(cluster.partitions).toEqual({ total, offline: 0, underReplicated: 0, underMinIsr: 0 });
  });

  it('GET /api/traffic: the per-topic counters, growing with produce', async () => {
    const before = await ok<TrafficView>('/api/traffic');
    expect(before.topics['plain']!.messagesIn).toBe(20);
    expect(before.topics['compacted']!.messagesIn).toBe(20);
    expect(before.topics['plain']!.produceRequests).toBe(20);
    expect(before.topics['plain']!.failedProduceRequests).toBe(0);
    expect(before.all.messagesIn).toBeGreaterThanOrEqual(60);
    expect(before.replicationBytesOut).toBe(0);
    expect(before.timeMs).toBeLessThanOrEqual(Date.now());
    await producer.send({ topic: 'plain', acks: -1, messages: [{ partition: 0, value: 'one more' }] });
    const after = await ok<TrafficView>('/api/traffic');
    expect(after.topics['plain']!.messagesIn).toBe(21);
    expect(after.topics['plain']!.bytesIn).toBeGreaterThan(before.topics['plain']!.bytesIn);
    expect(after.timeMs).toBeGreaterThanOrEqual(before.timeMs);
  });

  it('GET /api/topics: every topic, internal ones too, sorted, matching Metadata', async () => {
    const topics = await ok<TopicSummary[]>('/api/topics');
    const names = topics.map((t) => t.name);
    expect(names).toEqual([...names].sort());
    expect(names).toEqual(expect.arrayContaining(['__consumer_offsets', 'compacted', 'plain', 'retained']));
    const metadata = await admin.fetchTopicMetadata({ topics: ['plain', 'retained', 'compacted'] });
    for (const described of metadata.topics) {
      const summary = topics.find((t) => t.name === described.name)!;
      expect(summary.partitions).toBe(described.partitions.length);
      expect(summary.replicationFactor).toBe(1);
      expect(summary.internal).toBe(false);
      expect(summary.offline + summary.underReplicated + summary.underMinIsr).toBe(0);
      let bytes = 0;
      for (const p of described.partitions)
        bytes += kiln.broker.logManager!.getLog(described.name, p.partitionId)!.size;
      expect(summary.localBytes).toBe(bytes);
      expect(summary.topicId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    }
    expect(topics.find((t) => t.name === '__consumer_offsets')!.internal).toBe(true);
    expect(topics.find((t) => t.name === '__consumer_offsets')!.partitions).toBe(2);
  });

  it('GET /api/topics/{name}: partitions with offsets matching ListOffsets, configs as set', async () => {
    const view = await ok<TopicView>('/api/topics/plain');
    const offsets = await admin.fetchTopicOffsets('plain');
    expect(view.partitionViews.map((p) => p.partition)).toEqual([0, 1]);
    for (const p of view.partitionViews) {
      const listed = offsets.find((o) => o.partition === p.partition)!;
      expect(p.local).toBe(true);
      expect(p.leader).toBe(view.partitionViews[0]!.replicas[0]);
      expect(p.isr).toEqual(p.replicas);
      expect(p.offline).toBe(false);
      expect(p.highWatermark).toBe(Number(listed.high));
      expect(p.logStartOffset).toBe(Number(listed.low));
      expect(p.logEndOffset).toBe(Number(listed.high));
      expect(p.segments).toHaveLength(1);
      expect(p.segments![0]).toMatchObject({ baseOffset: 0, endOffset: p.logEndOffset, active: true });
      expect(p.segments![0]!.compaction).toBe('none');
      expect(p.segments![0]!.expired).toBe(false);
      expect(p.segments![0]!.bytes).toBe(p.bytes);
      expect(p.segments![0]!.maxTimestampMs).toBeGreaterThan(Date.now() - 120_000);
    }
    expect(view.configs).toEqual({});
    expect(view.cleanupPolicy).toBe('delete');
    expect(view.retentionBytes).toBe(-1);
    expect(view.retentionMs).toBe(7 * 24 * 3600 * 1000);
    const retained = await ok<TopicView>('/api/topics/retained');
    expect(retained.configs).toEqual({ 'segment.bytes': '600', 'retention.bytes': '1800' });
    expect(retained.retentionBytes).toBe(1800);
  });

  it('marks as expired exactly the segments a retention pass then deletes', async () => {
    const view = await ok<TopicView>('/api/topics/retained');
    const segments = view.partitionViews[0]!.segments!;
    expect(segments.length).toBeGreaterThan(4);
    const expired = segments.filter((s) => s.expired);
    expect(expired.length).toBeGreaterThan(0);
    // The expired ones are the oldest, and what stays holds at least retention.bytes.
    expect(segments.slice(0, expired.length).every((s) => s.expired)).toBe(true);
    for (let i = 1; i < segments.length; i++)
      expect(segments[i]!.baseOffset).toBe(segments[i - 1]!.endOffset);
    expect(segments.at(-1)!.active).toBe(true);
    expect(segments.filter((s) => !s.expired).reduce((n, s) => n + s.bytes, 0)).toBeGreaterThanOrEqual(1800);
    const log = kiln.broker.logManager!.getLog('retained', 0)!;
    const deleted = log.deleteOldSegments();
    expect(deleted).toBe(expired.length);
    expect(log.logStartOffset).toBe(segments[expired.length]!.baseOffset);
    const after = await ok<TopicView>('/api/topics/retained');
    expect(after.partitionViews[0]!.segments!.some((s) => s.expired)).toBe(false);
    expect(after.partitionViews[0]!.logStartOffset).toBe(log.logStartOffset);
  });

  it('shows a compacted log dirty, then clean below the cleaner checkpoint after a pass', async () => {
    const before = await ok<TopicView>('/api/topics/compacted');
    expect(before.cleanupPolicy).toBe('compact');
    const segmentsBefore = before.partitionViews[0]!.segments!;
    expect(segmentsBefore.length).toBeGreaterThan(2);
    expect(segmentsBefore.every((s) => s.compaction === 'dirty')).toBe(true);
    const logs = kiln.broker.logManager!;
    expect(await logs.runCleaner()).toBeGreaterThanOrEqual(1);
    const checkpoint = readCheckpoint(path.join(logs.logDirOf('compacted', 0)!, CLEANER_CHECKPOINT)).get(
      'compacted-0',
    )!;
    expect(checkpoint).toBeGreaterThan(0);
    const after = (await ok<TopicView>('/api/topics/compacted')).partitionViews[0]!.segments!;
    for (const s of after)
      expect(s.compaction, `segment ${s.baseOffset}`).toBe(
        s.endOffset <= checkpoint && s.bytes > 0 ? 'clean' : 'dirty',
      );
    expect(after.some((s) => s.compaction === 'clean')).toBe(true);
    expect(after.at(-1)!.compaction).toBe('dirty');
  });

  it('GET /api/groups and /api/groups/{id}: members, decoded assignments, commits and lag', async () => {
    const groups = await ok<GroupSummary[]>('/api/groups');
    const summary = groups.find((g) => g.groupId === group)!;
    const described = (await admin.describeGroups([group])).groups[0]!;
    expect(summary).toMatchObject({
      state: 'Stable',
      protocolType: 'consumer',
      protocol: described.protocol,
      members: described.members.length,
      coordinator: kiln.broker.config.brokerId,
    });
    const view = await ok<GroupView>(`/api/groups/${encodeURIComponent(group)}`);
    expect(view.generation).toBeGreaterThanOrEqual(1);
    expect(view.memberViews).toHaveLength(1);
    const member = view.memberViews[0]!;
    const kafkaMember = described.members[0]!;
    expect(member.memberId).toBe(kafkaMember.memberId);
    expect(member.clientId).toBe(kafkaMember.clientId);
    expect(member.clientHost).toBe(kafkaMember.clientHost);
    const assignment = AssignerProtocol.MemberAssignment.decode(kafkaMember.memberAssignment)!.assignment;
    expect(member.assignment).toEqual(
      Object.entries(assignment).map(([topic, partitions]) => ({ topic, partitions })),
    );
    const committed = await admin.fetchOffsets({ groupId: group, topics: ['plain'] });
    const ends = await admin.fetchTopicOffsets('plain');
    let totalLag = 0;
    expect(view.offsets.map((o) => [o.topic, o.partition])).toEqual([
      ['plain', 0],
      ['plain', 1],
    ]);
    for (const o of view.offsets) {
      const fetched = committed[0]!.partitions.find((p) => p.partition === o.partition)!;
      const c = Number(fetched.offset);
      const high = Number(ends.find((e) => e.partition === o.partition)!.high);
      expect(o.committed).toBe(c);
      expect(o.highWatermark).toBe(high);
      expect(o.lag).toBe(high - c);
      expect(o.memberId).toBe(member.memberId);
      expect(o.metadata).toBe(fetched.metadata ?? '');
      totalLag += o.lag;
    }
    expect(view.totalLag).toBe(totalLag);
    expect(summary.totalLag).toBe(totalLag);
    expect(totalLag).toBeGreaterThan(0);
  });

  it('answers 404 in JSON for unknown names and routes, 405 for other methods', async () => {
    expect(await get('/api/topics/nope')).toEqual({
      status: 404,
      body: { error: 'unknown topic', topic: 'nope' },
    });
    expect(await get('/api/groups/no%20such%20group')).toEqual({
      status: 404,
      body: { error: 'unknown group', groupId: 'no such group' },
    });
    expect(await get('/api/nothing')).toEqual({
      status: 404,
      body: { error: 'not found', path: '/api/nothing' },
    });
    expect((await get('/api/cluster/more')).status).toBe(404);
    expect((await get('/api/topics/')).status).toBe(200);
    const posted = await fetch(`${base}/api/topics`, { method: 'POST', body: '{}' });
    expect(posted.status).toBe(405);
    // The dashboard's files are not there yet: / is still a 404.
    expect((await fetch(`${base}/nothing-here`)).status).toBe(404);
  });

  it('keeps the committed offsets of a group whose members left, with no member left', async () => {
    await consumer.disconnect();
    await waitFor(
      async () =>
        (await ok<GroupSummary[]>('/api/groups')).find((g) => g.groupId === group)?.state === 'Empty',
      { what: 'the group to be empty', timeoutMs: 30_000 },
    );
    const view = await ok<GroupView>(`/api/groups/${group}`);
    expect(view.members).toBe(0);
    expect(view.memberViews).toEqual([]);
    expect(view.protocol).toBe('');
    expect(view.offsets.map((o) => [o.partition, o.committed, o.memberId])).toEqual([
      [0, 3, null],
      [1, 10, null],
    ]);
  });
});

describe('admin JSON API while the broker does not run', () => {
  it('answers 503 in JSON', async () => {
    const sources = {
      brokerId: 1,
      logs: () => undefined,
      coordinator: () => undefined,
      membership: () => undefined,
      replicas: () => undefined,
    } as unknown as ApiSources;
    for (const route of ['/api/cluster', '/api/topics/x', '/api/nothing']) {
      const answer = await answerApi(sources, route);
      expect(answer.status).toBe(503);
      expect(answer.body).toMatchObject({ error: 'broker not running' });
    }
  });
});
