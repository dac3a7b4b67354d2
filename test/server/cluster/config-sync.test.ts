// Topic configs and dynamic broker configs in a cluster of three in-process brokers on a real
// ZooKeeper: changed through any broker, written to ZooKeeper in Kafka's layout with a change
// notification, described by every broker at once, and applied by every broker that holds them.
import fs from 'node:fs';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogManager, PartitionLog } from '../../../engine/index.js';
import { Connection } from '../../../server/client/connection.js';
import { ClusterConfigs } from '../../../server/cluster/cluster-configs.js';
import { ConfigSync } from '../../../server/cluster/config-sync.js';
import type { TopicManager } from '../../../server/cluster/topic-manager.js';
import { ZkClient } from '../../../server/cluster/zookeeper/zk-client.js';
import {
  configChanges,
  updateEntityConfig,
  writeEntityConfig,
} from '../../../server/cluster/zookeeper/zk-configs.js';
import { PERSISTENT_PATHS } from '../../../server/cluster/zookeeper/znodes.js';
import { DYNAMIC_CONFIG_FILE, DynamicBrokerConfigs } from '../../../server/config/dynamic-broker-configs.js';
import { AlterConfigsApi } from '../../../server/protocol/apis/alter-configs.js';
import { DescribeConfigsApi } from '../../../server/protocol/apis/describe-configs.js';
import { IncrementalAlterConfigsApi } from '../../../server/protocol/apis/incremental-alter-configs.js';
import { ErrorCode } from '../../../server/protocol/error-codes.js';
import { startBroker, type RunningBroker } from '../../helpers/broker-fixture.js';
import { waitForBrokers } from '../../helpers/cluster-ready.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';
import { waitFor } from '../../helpers/wait-for.js';
import { startZooKeeper, type RunningZooKeeper } from '../../helpers/zookeeper.js';

const TOPIC = 2;
const BROKER = 4;
const SET = 0;
const DELETE = 1;
const APPEND = 2;
const chroot = '/config-sync';

let zookeeper: RunningZooKeeper;
let zk: ZkClient;
let kafka: Kafka;
const brokers = new Map<number, RunningBroker>();
const dataDirs = new Map<number, string>();

async function start(id: number): Promise<RunningBroker> {
  if (!dataDirs.has(id)) dataDirs.set(id, makeTempDir(`kiln-config-sync-${id}-`));
  const b = await startBroker({
    'zookeeper.connect': `${zookeeper.connect}${chroot}`,
    'broker.id': String(id),
    'log.dirs': dataDirs.get(id)!,
    'zookeeper.session.timeout.ms': '6000',
  });
  brokers.set(id, b);
  return b;
}

beforeAll(async () => {
  zookeeper = await startZooKeeper();
  for (const id of [1, 2, 3]) await start(id);
  await waitForBrokers([...brokers.values()].map((b) => b.broker.port));
  zk = await ZkClient.connect(`${zookeeper.connect}${chroot}`, {
    sessionTimeoutMs: 10_000,
    connectionTimeoutMs: 10_000,
  });
  kafka = new Kafka({
    clientId: 'config-sync-test',
    brokers: [...brokers.values()].map((b) => b.bootstrap),
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      topics: ['orders', 'plain'].map((topic) => ({ topic, numPartitions: 1, replicationFactor: 3 })),
    });
  } finally {
    await admin.disconnect();
  }
  for (const id of [1, 2, 3])
    for (const topic of ['orders', 'plain'])
      await waitFor(() => logOf(id, topic) !== undefined, { what: `${topic}-0 on broker ${id}` });
}, 60_000);

afterAll(async () => {
  for (const b of brokers.values()) await b.stop().catch(() => {});
  zk?.close();
  await zookeeper?.stop();
  for (const dir of dataDirs.values()) removeTempDir(dir);
});

function logOf(id: number, topic: string): PartitionLog | undefined {
  return brokers.get(id)?.broker.logManager?.getLog(topic, 0);
}

function logsOf(id: number): LogManager {
  return brokers.get(id)!.broker.logManager!;
}

async function via<T>(id: number, work: (c: Connection) => Promise<T>): Promise<T> {
  const c = await Connection.open('127.0.0.1', brokers.get(id)!.broker.port, 'config-sync-test');
  try {
    return await work(c);
  } finally {
    c.close();
  }
}

/** AlterConfigs of one resource through broker `id`: its error code and message. */
async function alter(
  id: number,
  resourceType: number,
  resourceName: string,
  values: Record<string, string>,
  validateOnly = false,
): Promise<{ errorCode: number; errorMessage: string | null }> {
  const configs = Object.entries(values).map(([name, value]) => ({ name, value }));
  const answer = await via(id, (c) =>
    c.request(AlterConfigsApi, { resources: [{ resourceType, resourceName, configs }], validateOnly }),
  );
  return answer.responses[0]!;
}

async function incremental(
  id: number,
  resourceType: number,
  resourceName: string,
  ops: [string, number, string | null][],
  validateOnly = false,
): Promise<{ errorCode: number; errorMessage: string | null }> {
  const configs = ops.map(([name, configOperation, value]) => ({ name, configOperation, value }));
  const answer = await via(id, (c) =>
    c.request(IncrementalAlterConfigsApi, {
      resources: [{ resourceType, resourceName, configs }],
      validateOnly,
    }),
  );
  return answer.responses[0]!;
}

/** DescribeConfigs of one resource through broker `id`: its error code and entries by name. */
async function describeVia(
  id: number,
  resourceType: number,
  resourceName: string,
): Promise<{ errorCode: number; configs: Map<string, { value: string | null; configSource: number }> }> {
  const answer = await via(id, (c) =>
    c.request(DescribeConfigsApi, {
      resources: [{ resourceType, resourceName, configurationKeys: null }],
      includeSynonyms: true,
      includeDocumentation: false,
    }),
  );
  const result = answer.results[0]!;
  return { errorCode: result.errorCode, configs: new Map(result.configs.map((c) => [c.name, c])) };
}

const text = async (path: string): Promise<string | undefined> => (await zk.get(path))?.data.toString();

/** The notifications written since `before` (a list of them), as their JSON text. */
async function newNotifications(before: { sequence: number }[]): Promise<string[]> {
  const last = before.at(-1)?.sequence ?? -1;
  const added = (await configChanges(zk)).filter((c) => c.sequence > last);
  for (const { name } of added) expect(name).toMatch(/^config_change_\d{10}$/);
  return Promise.all(added.map(async ({ name }) => (await text(`/config/changes/${name}`))!));
}

describe('topic configs in a cluster', () => {
  it("kafkajs's alterConfigs writes /config/topics and a v2 notification; broker 2 describes it at once; every replica applies it", async () => {
    const before = await configChanges(zk);
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.alterConfigs({
        validateOnly: false,
        resources: [
          {
            type: TOPIC,
            name: 'orders',
            configEntries: [
              { name: 'retention.ms', value: '3600000' },
              { name: 'min.insync.replicas', value: '2' },
            ],
          },
        ],
      });
    } finally {
      await admin.disconnect();
    }
    expect(await text('/config/topics/orders')).toBe(
      '{"version":1,"config":{"retention.ms":"3600000","min.insync.replicas":"2"}}',
    );
    expect(await newNotifications(before)).toEqual(['{"version":2,"entity_path":"topics/orders"}']);
    const described = await describeVia(2, TOPIC, 'orders');
    expect(described.configs.get('retention.ms')).toMatchObject({ value: '3600000', configSource: 1 });
    expect(described.configs.get('min.insync.replicas')).toMatchObject({ value: '2', configSource: 1 });
    for (const id of [1, 2, 3]) {
      await waitFor(
        () =>
          logOf(id, 'orders')!.config.retentionMs === 3_600_000 &&
          logOf(id, 'orders')!.config.minInsyncReplicas === 2,
        { what: `the new configs on broker ${id}` },
      );
    }
  });

  it('IncrementalAlterConfigs through broker 1 changes single keys of what ZooKeeper holds; broker 3 describes it; every replica applies it', async () => {
    const before = await configChanges(zk);
    const answer = await incremental(1, TOPIC, 'orders', [
      ['min.insync.replicas', SET, '3'],
      ['retention.ms', DELETE, null],
      ['cleanup.policy', APPEND, 'compact'],
    ]);
    expect(answer).toMatchObject({ errorCode: ErrorCode.NONE, errorMessage: null });
    expect(JSON.parse((await text('/config/topics/orders'))!)).toEqual({
      version: 1,
      config: { 'min.insync.replicas': '3', 'cleanup.policy': 'delete,compact' },
    });
    expect(await newNotifications(before)).toEqual(['{"version":2,"entity_path":"topics/orders"}']);
    const described = await describeVia(3, TOPIC, 'orders');
    expect(described.configs.get('min.insync.replicas')).toMatchObject({ value: '3', configSource: 1 });
    expect(described.configs.get('retention.ms')!.configSource).not.toBe(1);
    for (const id of [1, 2, 3]) {
      await waitFor(
        () => {
          const config = logOf(id, 'orders')!.config;
          return (
            config.minInsyncReplicas === 3 &&
            config.cleanupPolicy.includes('compact') &&
            config.retentionMs === logsOf(id).defaults.retentionMs
          );
        },
        { what: `the incremental change on broker ${id}` },
      );
      expect(logsOf(id).topicOverrides('orders')).toEqual({
        'min.insync.replicas': '3',
        'cleanup.policy': 'delete,compact',
      });
    }
  });

  it('invalid values are refused with INVALID_CONFIG and validateOnly is answered, both writing nothing', async () => {
    const node = await zk.get('/config/topics/orders');
    const defaultNode = await zk.get('/config/brokers/<default>');
    const before = await configChanges(zk);
    const refused = await alter(2, TOPIC, 'orders', { 'retention.ms': 'soon' });
    expect(refused.errorCode).toBe(ErrorCode.INVALID_CONFIG);
    expect(refused.errorMessage).toContain('retention.ms');
    expect((await incremental(3, TOPIC, 'orders', [['min.insync.replicas', SET, '0']])).errorCode).toBe(
      ErrorCode.INVALID_CONFIG,
    );
    expect((await incremental(3, TOPIC, 'orders', [['no.such.config', SET, '1']])).errorCode).toBe(
      ErrorCode.INVALID_CONFIG,
    );
    expect((await alter(1, BROKER, '', { 'log.retention.ms': 'soon' })).errorCode).toBe(
      ErrorCode.INVALID_CONFIG,
    );
    expect((await alter(1, BROKER, '2', { 'log.dirs': '/elsewhere' })).errorCode).toBe(
      ErrorCode.INVALID_REQUEST,
    );
    // validateOnly: checked, answered as a change would be, and nothing written.
    expect(await alter(1, TOPIC, 'orders', { 'retention.ms': '1000' }, true)).toMatchObject({
      errorCode: ErrorCode.NONE,
      errorMessage: null,
    });
    expect((await alter(1, TOPIC, 'orders', { 'retention.ms': 'soon' }, true)).errorCode).toBe(
      ErrorCode.INVALID_CONFIG,
    );
    expect((await incremental(2, TOPIC, 'orders', [['retention.ms', SET, '1000']], true)).errorCode).toBe(
      ErrorCode.NONE,
    );
    expect((await alter(3, BROKER, '', { 'log.retention.ms': '1000' }, true)).errorCode).toBe(ErrorCode.NONE);
    expect((await alter(3, BROKER, '1', { 'log.retention.ms': '1000' }, true)).errorCode).toBe(
      ErrorCode.NONE,
    );
    const after = await zk.get('/config/topics/orders');
    expect(after!.version).toBe(node!.version);
    expect(after!.data.toString()).toBe(node!.data.toString());
    expect((await zk.get('/config/brokers/<default>'))?.version).toBe(defaultNode?.version);
    expect(await zk.exists('/config/brokers/1')).toBe(false);
    expect(await configChanges(zk)).toEqual(before);
    for (const id of [1, 2, 3]) expect(logOf(id, 'orders')!.config.minInsyncReplicas).toBe(3);
  });

  it('an unknown topic is UNKNOWN_TOPIC_OR_PARTITION everywhere; internal topics and bad broker names are refused', async () => {
    const before = await configChanges(zk);
    expect((await alter(1, TOPIC, 'nowhere', { 'retention.ms': '1000' })).errorCode).toBe(
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    );
    expect((await incremental(2, TOPIC, 'nowhere', [['retention.ms', SET, '1000']])).errorCode).toBe(
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    );
    expect((await describeVia(3, TOPIC, 'nowhere')).errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect(await zk.exists('/config/topics/nowhere')).toBe(false);
    expect((await alter(1, TOPIC, '__consumer_offsets', { 'retention.ms': '1000' })).errorCode).toBe(
      ErrorCode.INVALID_REQUEST,
    );
    expect((await alter(1, BROKER, 'one', { 'log.retention.ms': '1000' })).errorCode).toBe(
      ErrorCode.INVALID_REQUEST,
    );
    expect((await describeVia(1, BROKER, 'one')).errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect(await configChanges(zk)).toEqual(before);
  });
});

describe('dynamic broker configs in a cluster', () => {
  it('a cluster default written through broker 3 reaches every broker; an entry for broker 2 written through broker 1 reaches only it', async () => {
    let before = await configChanges(zk);
    expect(await alter(3, BROKER, '', { 'log.retention.ms': '7200000' })).toMatchObject({
      errorCode: ErrorCode.NONE,
      errorMessage: null,
    });
    expect(await text('/config/brokers/<default>')).toBe(
      '{"version":1,"config":{"log.retention.ms":"7200000"}}',
    );
    expect(await newNotifications(before)).toEqual(['{"version":2,"entity_path":"brokers/<default>"}']);
    expect((await describeVia(1, BROKER, '')).configs.get('log.retention.ms')).toMatchObject({
      value: '7200000',
      configSource: 3,
    });
    for (const id of [1, 2, 3]) {
      await waitFor(() => logsOf(id).defaults.retentionMs === 7_200_000, { what: `the default on ${id}` });
      // A topic without its own retention takes the new default at once.
      expect(logOf(id, 'plain')!.config.retentionMs).toBe(7_200_000);
    }

    before = await configChanges(zk);
    expect((await alter(1, BROKER, '2', { 'log.retention.ms': '1800000' })).errorCode).toBe(ErrorCode.NONE);
    expect(await text('/config/brokers/2')).toBe('{"version":1,"config":{"log.retention.ms":"1800000"}}');
    expect(await newNotifications(before)).toEqual(['{"version":2,"entity_path":"brokers/2"}']);
    await waitFor(() => logOf(2, 'plain')!.config.retentionMs === 1_800_000, {
      what: "broker 2's own value",
    });
    // Described by broker 2 as its own dynamic config, and by broker 1 from ZooKeeper.
    for (const id of [2, 1]) {
      const described = await describeVia(id, BROKER, '2');
      expect(described.errorCode).toBe(ErrorCode.NONE);
      expect(described.configs.get('log.retention.ms')).toMatchObject({ value: '1800000', configSource: 2 });
    }
    // A later change every broker applies shows they handled the one before (in order): 1 and 3 kept theirs.
    expect((await incremental(2, TOPIC, 'plain', [['retention.bytes', SET, '1000000']])).errorCode).toBe(
      ErrorCode.NONE,
    );
    for (const id of [1, 2, 3])
      await waitFor(() => logOf(id, 'plain')!.config.retentionBytes === 1_000_000, { what: `broker ${id}` });
    expect(logsOf(1).defaults.retentionMs).toBe(7_200_000);
    expect(logsOf(3).defaults.retentionMs).toBe(7_200_000);
  });

  it('a broker restarted picks up the changes made while it was down', async () => {
    await brokers.get(3)!.stop();
    brokers.delete(3);
    expect((await alter(1, TOPIC, 'plain', { 'retention.ms': '5000' })).errorCode).toBe(ErrorCode.NONE);
    expect((await alter(2, BROKER, '', { 'log.retention.ms': '9000000' })).errorCode).toBe(ErrorCode.NONE);
    expect((await alter(1, BROKER, '3', { 'log.segment.bytes': '2097152' })).errorCode).toBe(ErrorCode.NONE);
    const restarted = await start(3);
    // Read at start, before the broker answers anything.
    expect(restarted.broker.logManager!.defaults.retentionMs).toBe(9_000_000);
    expect(restarted.broker.logManager!.defaults.segmentBytes).toBe(2_097_152);
    await waitFor(() => logOf(3, 'plain') !== undefined, { what: 'plain-0 on broker 3 again' });
    expect(logOf(3, 'plain')!.config.retentionMs).toBe(5000);
    expect(logOf(3, 'plain')!.config.segmentBytes).toBe(2_097_152);
    expect(logOf(3, 'orders')!.config.minInsyncReplicas).toBe(3);
    // And it goes on hearing of changes.
    expect((await alter(1, TOPIC, 'plain', { 'retention.ms': '6000' })).errorCode).toBe(ErrorCode.NONE);
    await waitFor(() => logOf(3, 'plain')!.config.retentionMs === 6000, { what: 'the next change on 3' });
  });

  it("keys Kiln does not have in a topic's ZooKeeper config (Kafka 3's tiered storage, say) neither block the rest nor a later change, and may be deleted; a malformed config znode holds up no other change", async () => {
    await updateEntityConfig(zk, { kind: 'topic', topic: 'plain' }, (current) => ({
      ...current,
      'remote.storage.enable': 'false',
      'retention.ms': '777777',
    }));
    for (const id of [1, 2, 3])
      await waitFor(() => logOf(id, 'plain')!.config.retentionMs === 777777, { what: `777777 on ${id}` });
    expect(await incremental(2, TOPIC, 'plain', [['retention.ms', SET, '888888']])).toMatchObject({
      errorCode: ErrorCode.NONE,
    });
    expect(JSON.parse((await text('/config/topics/plain'))!).config).toMatchObject({
      'remote.storage.enable': 'false',
      'retention.ms': '888888',
    });
    for (const id of [1, 2, 3])
      await waitFor(() => logOf(id, 'plain')!.config.retentionMs === 888888, { what: `888888 on ${id}` });
    expect(await incremental(1, TOPIC, 'plain', [['remote.storage.enable', DELETE, null]])).toMatchObject({
      errorCode: ErrorCode.NONE,
    });
    expect(JSON.parse((await text('/config/topics/plain'))!).config).not.toHaveProperty(
      'remote.storage.enable',
    );
    // A value that is not a string: that change is skipped, the next one applies.
    await zk.set('/config/topics/orders', Buffer.from('{"version":1,"config":{"retention.ms":5}}'), -1);
    await zk.create(
      '/config/changes/config_change_',
      Buffer.from('{"version":2,"entity_path":"topics/orders"}'),
      'persistent_sequential',
    );
    expect((await alter(3, TOPIC, 'plain', { 'retention.ms': '999999' })).errorCode).toBe(ErrorCode.NONE);
    for (const id of [1, 2, 3])
      await waitFor(() => logOf(id, 'plain')!.config.retentionMs === 999999, { what: `999999 on ${id}` });
  });
});

describe('ConfigSync on its own', () => {
  it("applies this broker's entries and the default only, and deletes notifications first seen longer ago than the expiration", async () => {
    const own = await ZkClient.connect(`${zookeeper.connect}/config-sync-alone`, {
      sessionTimeoutMs: 10_000,
      connectionTimeoutMs: 10_000,
    });
    for (const p of PERSISTENT_PATHS) await own.ensurePath(p);
    let now = 0;
    let applied = 0;
    const warnings: string[] = [];
    const dynamic = DynamicBrokerConfigs.detached(5);
    const noTopics = { store: { list: () => [], get: () => undefined } } as unknown as TopicManager;
    const sync = new ConfigSync({
      zk: own,
      brokerId: 5,
      topics: noTopics,
      logs: {} as LogManager,
      dynamic,
      applyDynamic: () => applied++,
      log: () => {},
      warn: (m) => warnings.push(m),
      changeExpirationMs: 15 * 60_000,
      now: () => now,
    });
    try {
      await writeEntityConfig(own, { kind: 'broker', id: 5 }, { 'log.retention.ms': '1000' }, -1);
      await sync.start();
      expect(dynamic.get('broker')).toEqual({ 'log.retention.ms': '1000' });
      expect(applied).toBe(1);
      await writeEntityConfig(own, { kind: 'broker', id: 6 }, { 'log.retention.ms': '5' }, -1);
      await updateEntityConfig(own, { kind: 'broker', id: 'default' }, () => ({
        'log.segment.bytes': 'big',
        'log.roll.ms': '60000',
      }));
      await waitFor(() => dynamic.get('default')['log.roll.ms'] === '60000', { what: 'the default applied' });
      expect(dynamic.get('default')).toEqual({ 'log.roll.ms': '60000' });
      expect(warnings.join('\n')).toContain('log.segment.bytes=big ignored');
      expect(dynamic.get('broker')).toEqual({ 'log.retention.ms': '1000' });
      expect(applied).toBe(2);
      expect(await configChanges(own)).toHaveLength(3);

      now = 15 * 60_000;
      await updateEntityConfig(own, { kind: 'broker', id: 5 }, () => ({ 'log.retention.ms': '2000' }));
      await waitFor(async () => (await configChanges(own)).length === 1, { what: 'the old ones purged' });
      expect(dynamic.get('broker')).toEqual({ 'log.retention.ms': '2000' });
      expect((await configChanges(own))[0]!.sequence).toBe(3);
    } finally {
      sync.stop();
      own.close();
    }
  });

  it('refreshTopics applies a change made while a replica was being hosted with configs read before it (the change was lost until the next one)', async () => {
    const own = await ZkClient.connect(`${zookeeper.connect}/config-sync-refresh`, {
      sessionTimeoutMs: 10_000,
      connectionTimeoutMs: 10_000,
    });
    for (const p of PERSISTENT_PATHS) await own.ensurePath(p);
    // A topic just hosted with the configs its LeaderAndIsr read: retention.ms 1000.
    let overrides: Record<string, string> = { 'retention.ms': '1000' };
    const saved: Record<string, string>[] = [];
    const topics = {
      store: {
        list: () => ['hosted'],
        get: (t: string) => (t === 'hosted' ? {} : undefined),
        setConfigs: (_t: string, c: Record<string, string>) => saved.push(c),
      },
    } as unknown as TopicManager;
    const logs = {
      topicOverrides: () => overrides,
      setTopicConfig: (_t: string, c: Record<string, string>) => (overrides = { ...c }),
    } as unknown as LogManager;
    const sync = new ConfigSync({
      zk: own,
      brokerId: 5,
      topics,
      logs,
      dynamic: DynamicBrokerConfigs.detached(5),
      applyDynamic: () => {},
      log: () => {},
      warn: () => {},
    });
    try {
      await sync.start();
      // The change was written (and its notification handled) between that read and the hosting.
      await writeEntityConfig(own, { kind: 'topic', topic: 'hosted' }, { 'retention.ms': '5000' }, -1);
      overrides = { 'retention.ms': '1000' };
      sync.refreshTopics(['hosted']);
      await waitFor(() => overrides['retention.ms'] === '5000', { what: 'the change applied' });
      expect(saved.at(-1)).toEqual({ 'retention.ms': '5000' });
    } finally {
      sync.stop();
      own.close();
    }
  });

  it('a broker joining a cluster with dynamic configs saved as a single node is told they are ignored (it said nothing)', async () => {
    const own = await ZkClient.connect(`${zookeeper.connect}/config-sync-local-file`, {
      sessionTimeoutMs: 10_000,
      connectionTimeoutMs: 10_000,
    });
    const dir = makeTempDir('kiln-local-dynamic-');
    try {
      for (const p of PERSISTENT_PATHS) await own.ensurePath(p);
      const warnings: string[] = [];
      await new ClusterConfigs(own).dynamicConfigsOf(5, (m) => warnings.push(m), dir);
      expect(warnings).toEqual([]);
      fs.writeFileSync(path.join(dir, DYNAMIC_CONFIG_FILE), '{}');
      await new ClusterConfigs(own).dynamicConfigsOf(5, (m) => warnings.push(m), dir);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain(`${DYNAMIC_CONFIG_FILE} in ${dir}`);
      expect(warnings[0]).toContain('ignored');
    } finally {
      removeTempDir(dir);
      own.close();
    }
  });
});
