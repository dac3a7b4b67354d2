import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TOPIC_PROPERTIES } from '../../../../engine/index.js';
import { BROKER_PROPERTY } from '../../../../server/config/broker-properties.js';
import { alterConfigsHandler } from '../../../../server/handlers/admin/alter-configs.js';
import { describeConfigsHandler } from '../../../../server/handlers/admin/describe-configs.js';
import { incrementalAlterConfigsHandler } from '../../../../server/handlers/admin/incremental-alter-configs.js';
import { DescribeConfigsApi } from '../../../../server/protocol/apis/describe-configs.js';
import { decodeMessage, type Message } from '../../../../server/protocol/codec.js';
import { ErrorCode } from '../../../../server/protocol/error-codes.js';
import { ProtocolReader } from '../../../../server/protocol/reader.js';
import { TopicStore } from '../../../../server/cluster/topic-store.js';
import { openAdminContext, createTopic, type AdminContext } from '../../../helpers/admin-context.js';
import { goldenFrames } from '../../../helpers/golden-frames.js';

let ctx: AdminContext;
beforeEach(() => {
  ctx = openAdminContext();
});
afterEach(() => ctx.close());

const TOPIC = 2;
const BROKER = 4;

const describeRequest = (resources: Message[], includeSynonyms = false): Message => ({
  resources,
  includeSynonyms,
  includeDocumentation: false,
});
const resource = (resourceType: number, resourceName: string, configurationKeys: string[] | null = null) => ({
  resourceType,
  resourceName,
  configurationKeys,
});

async function describeTopic(name: string, version = 1): Promise<Map<string, Message>> {
  const response = await ctx.call(
    describeConfigsHandler(ctx.broker),
    version,
    describeRequest([resource(TOPIC, name)], true),
  );
  const [result] = response.results as Message[];
  expect(result!.errorCode).toBe(0);
  return new Map((result!.configs as Message[]).map((c) => [c.name as string, c]));
}

describe('DescribeConfigs', () => {
  it('shows every topic config with source 1 for overrides and 5 for defaults', async () => {
    createTopic(ctx, 'cfg', 1, { 'retention.ms': '1000' });
    const configs = await describeTopic('cfg');
    expect([...configs.keys()].sort()).toEqual(TOPIC_PROPERTIES.map((p) => p.name).sort());
    expect(configs.get('retention.ms')).toMatchObject({
      value: '1000',
      configSource: 1,
      readOnly: false,
      isSensitive: false,
      // Kafka writes the built-in default under log.retention.hours.
      synonyms: [
        { name: 'retention.ms', value: '1000', source: 1 },
        { name: 'log.retention.hours', value: '168', source: 5 },
      ],
    });
    expect(configs.get('flush.ms')).toMatchObject({ value: '9223372036854775807', configSource: 5 });
  });

  it('shows a broker default set in the config as source 4, with documentation null and a type (v3)', async () => {
    ctx.close();
    ctx = openAdminContext({ 'log.segment.bytes': '1048576' });
    createTopic(ctx, 'seg');
    const configs = await describeTopic('seg', 3);
    expect(configs.get('segment.bytes')).toMatchObject({
      value: '1048576',
      configSource: 4,
      documentation: null,
      configType: 3,
      synonyms: [
        { name: 'log.segment.bytes', value: '1048576', source: 4 },
        { name: 'log.segment.bytes', value: '1073741824', source: 5 },
      ],
    });
    expect(configs.get('cleanup.policy')?.configType).toBe(7);
  });

  it('v0 flags defaults with isDefault; synonyms only when asked for', async () => {
    createTopic(ctx, 'v0', 1, { 'cleanup.policy': 'compact' });
    const response = await ctx.call(
      describeConfigsHandler(ctx.broker),
      0,
      describeRequest([resource(TOPIC, 'v0')]),
    );
    const configs = new Map(
      ((response.results as Message[])[0]!.configs as Message[]).map((c) => [c.name, c]),
    );
    expect(configs.get('cleanup.policy')).toMatchObject({ value: 'compact', isDefault: false });
    expect(configs.get('retention.ms')).toMatchObject({ isDefault: true });
    const v2 = await ctx.call(
      describeConfigsHandler(ctx.broker),
      2,
      describeRequest([resource(TOPIC, 'v0')]),
    );
    expect(
      ((v2.results as Message[])[0]!.configs as Message[]).every(
        (c) => (c.synonyms as unknown[]).length === 0,
      ),
    ).toBe(true);
  });

  it('filters by configurationKeys and reports unknown topics and bad names', async () => {
    createTopic(ctx, 'keys');
    const response = await ctx.call(
      describeConfigsHandler(ctx.broker),
      4,
      describeRequest([
        resource(TOPIC, 'keys', ['retention.ms', 'no.such.key']),
        resource(TOPIC, 'missing'),
        resource(TOPIC, 'bad/name'),
        resource(8, 'root'),
      ]),
    );
    const [keys, missing, bad, logger] = response.results as Message[];
    expect((keys!.configs as Message[]).map((c) => c.name)).toEqual(['retention.ms']);
    expect(missing).toMatchObject({
      errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      resourceName: 'missing',
      configs: [],
    });
    expect(missing!.errorMessage).toContain('missing');
    expect(bad).toMatchObject({ errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION });
    expect(logger).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST });
  });

  it('describes the broker: its settings and log.* defaults, 4 where set, read-only', async () => {
    ctx.close();
    ctx = openAdminContext({ 'num.partitions': '6' });
    const response = await ctx.call(
      describeConfigsHandler(ctx.broker),
      1,
      describeRequest([resource(BROKER, '0'), resource(BROKER, '7'), resource(BROKER, '', null)], true),
    );
    const [mine, other, defaults] = response.results as Message[];
    const configs = new Map((mine!.configs as Message[]).map((c) => [c.name, c]));
    expect(configs.get('num.partitions')).toMatchObject({
      value: '6',
      configSource: 4,
      readOnly: true,
      synonyms: [
        { name: 'num.partitions', value: '6', source: 4 },
        { name: 'num.partitions', value: '1', source: 5 },
      ],
    });
    expect(configs.get('log.retention.ms')).toMatchObject({ value: '604800000', configSource: 5 });
    expect(configs.get('delete.topic.enable')).toMatchObject({ value: 'true' });
    // Given at start (the context passes it), so source 4 even though it equals the default.
    expect(configs.get('listeners')).toMatchObject({ value: 'PLAINTEXT://127.0.0.1:9092', configSource: 4 });
    expect(configs.get('auto.create.topics.enable')).toMatchObject({ value: 'true', configSource: 5 });
    expect(configs.get('log.dirs')).toMatchObject({ value: ctx.dir, configSource: 4 });
    // log.dir was shown as null: it has its own default, shown as Kafka shows /tmp/kafka-logs there.
    expect(configs.get('log.dir')).toMatchObject({
      value: './data',
      configSource: 4,
      synonyms: [
        { name: 'log.dirs', value: ctx.dir, source: 4 },
        { name: 'log.dir', value: './data', source: 5 },
      ],
    });
    for (const synonym of TOPIC_PROPERTIES.flatMap((p) => p.synonyms))
      expect(configs.has(synonym.name), synonym.name).toBe(true);
    expect(other).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST, configs: [] });
    expect(defaults).toMatchObject({ errorCode: 0, configs: [] });
  });

  it('has the shape of Kafka 2.4.1 answering confluent-kafka-python (v1, topic + broker)', async () => {
    const f = goldenFrames().find(
      (g) => g.client === 'confluent-kafka-python' && g.apiName === 'DescribeConfigs',
    )!;
    const reader = new ProtocolReader(f.response!);
    reader.int32();
    const kafka = decodeMessage(DescribeConfigsApi.response, 1, false, reader);
    const [kafkaTopic, kafkaBroker] = kafka.results as Message[];
    createTopic(ctx, 'cfk-admin', 3);
    const ours = await ctx.call(
      describeConfigsHandler(ctx.broker),
      1,
      describeRequest([resource(TOPIC, 'cfk-admin'), resource(BROKER, '0')], true),
    );
    const [ourTopic, ourBroker] = ours.results as Message[];
    expect(Object.keys(ourTopic!).sort()).toEqual(Object.keys(kafkaTopic!).sort());
    const theirs = new Map((kafkaTopic!.configs as Message[]).map((c) => [c.name, c]));
    // Kafka 2.4.1 differs on purpose here: its max.message.bytes default was 1000012, and that
    // broker's server.properties set log.segment.bytes.
    const differing = new Set(['max.message.bytes', 'segment.bytes']);
    for (const config of ourTopic!.configs as Message[]) {
      const kafkaConfig = theirs.get(config.name);
      expect(kafkaConfig, String(config.name)).toBeDefined();
      expect(Object.keys(config).sort()).toEqual(Object.keys(kafkaConfig!).sort());
      if (differing.has(config.name as string)) continue;
      expect(config, String(config.name)).toMatchObject({
        value: kafkaConfig!.value,
        readOnly: kafkaConfig!.readOnly,
        configSource: kafkaConfig!.configSource,
        isSensitive: kafkaConfig!.isSensitive,
      });
      const kafkaSynonyms = kafkaConfig!.synonyms as Message[];
      if (kafkaSynonyms.length > 0) expect(config.synonyms).toEqual(kafkaSynonyms);
    }
    const brokerNames = new Set((kafkaBroker!.configs as Message[]).map((c) => c.name));
    // Every broker property Kafka has is named as Kafka names it; Kiln's own are kiln.* or marked
    // as extensions in the registry (node.id, cluster.id, offsets.retention.ms).
    for (const config of ourBroker!.configs as Message[])
      if (!String(config.name).startsWith('kiln.') && !BROKER_PROPERTY.get(String(config.name))?.extension)
        expect(brokerNames.has(config.name), String(config.name)).toBe(true);
  });
});

const alter = (name: string, configs: Message[], resourceType = TOPIC) => ({
  resourceType,
  resourceName: name,
  configs,
});

describe('AlterConfigs', () => {
  const handler = () => alterConfigsHandler(ctx.broker);

  it('replaces the whole override set, persists it and applies it to the open logs', async () => {
    createTopic(ctx, 'alt', 2, { 'retention.ms': '1000', 'cleanup.policy': 'compact' });
    const response = await ctx.call(handler(), 1, {
      resources: [
        alter('alt', [
          { name: 'segment.bytes', value: '1048576' },
          { name: 'retention.bytes', value: null },
        ]),
      ],
      validateOnly: false,
    });
    expect(response.responses).toEqual([
      { errorCode: 0, errorMessage: null, resourceType: TOPIC, resourceName: 'alt' },
    ]);
    expect(ctx.broker.topics.store.get('alt')?.configs).toEqual({ 'segment.bytes': '1048576' });
    expect(ctx.broker.logs.getLog('alt', 1)?.config).toMatchObject({
      segmentBytes: 1048576,
      retentionMs: 604800000,
    });
    expect(TopicStore.open(ctx.dir).get('alt')?.configs).toEqual({ 'segment.bytes': '1048576' });
    const reopened = ctx.reopen();
    ctx = reopened;
    expect(ctx.broker.logs.getLog('alt', 0)?.config.segmentBytes).toBe(1048576);
  });

  it('validateOnly and invalid values change nothing; INVALID_CONFIG carries the engine message', async () => {
    createTopic(ctx, 'keep', 1, { 'retention.ms': '1000' });
    const dry = await ctx.call(handler(), 2, {
      resources: [alter('keep', [{ name: 'retention.ms', value: '5' }])],
      validateOnly: true,
    });
    expect(dry.responses).toMatchObject([{ errorCode: 0 }]);
    const bad = await ctx.call(handler(), 0, {
      resources: [alter('keep', [{ name: 'retention.ms', value: '-7' }])],
      validateOnly: false,
    });
    expect(bad.responses).toMatchObject([
      {
        errorCode: ErrorCode.INVALID_CONFIG,
        errorMessage: 'invalid value for retention.ms: -7 is below the minimum -1',
      },
    ]);
    expect(ctx.broker.topics.store.get('keep')?.configs).toEqual({ 'retention.ms': '1000' });
    expect(ctx.broker.logs.configFor('keep').retentionMs).toBe(1000);
  });

  it('refuses read-only broker properties, unknown topics, other resource types and duplicate keys', async () => {
    createTopic(ctx, 'x');
    const response = await ctx.call(handler(), 2, {
      resources: [
        alter('0', [{ name: 'num.partitions', value: '3' }], BROKER),
        alter('nosuch', []),
        alter('g', [], 3),
        alter('x', [
          { name: 'retention.ms', value: '1' },
          { name: 'retention.ms', value: '2' },
        ]),
      ],
      validateOnly: false,
    });
    const [brokerResult, unknown, other, dupes] = response.responses as Message[];
    expect(brokerResult).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST, resourceType: BROKER });
    expect(brokerResult!.errorMessage).toMatch(/^Cannot update these configs dynamically: num\.partitions/);
    expect(unknown).toMatchObject({ errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION });
    expect(other).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST });
    expect(dupes).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST });
  });
});

describe('IncrementalAlterConfigs', () => {
  const handler = () => incrementalAlterConfigsHandler(ctx.broker);
  const op = (name: string, configOperation: number, value: string | null = null) => ({
    name,
    configOperation,
    value,
  });
  const run = (resources: Message[], version = 1, validateOnly = false) =>
    ctx.call(handler(), version, { resources, validateOnly });

  it('SET and DELETE change single keys and keep the rest', async () => {
    createTopic(ctx, 'inc', 1, { 'retention.ms': '1000', 'segment.bytes': '1048576' });
    const response = await run([alter('inc', [op('retention.ms', 1), op('max.message.bytes', 0, '2048')])]);
    expect(response.responses).toMatchObject([{ errorCode: 0, errorMessage: null }]);
    expect(ctx.broker.topics.store.get('inc')?.configs).toEqual({
      'segment.bytes': '1048576',
      'max.message.bytes': '2048',
    });
    expect(ctx.broker.logs.getLog('inc', 0)?.config).toMatchObject({
      maxMessageBytes: 2048,
      retentionMs: 604800000,
    });
  });

  it('APPEND and SUBTRACT edit cleanup.policy from its effective value', async () => {
    createTopic(ctx, 'pol');
    await run([alter('pol', [op('cleanup.policy', 2, 'compact')])], 0);
    expect(ctx.broker.topics.store.get('pol')?.configs).toEqual({ 'cleanup.policy': 'delete,compact' });
    expect(ctx.broker.logs.configFor('pol').cleanupPolicy).toBe('compact,delete');
    await run([alter('pol', [op('cleanup.policy', 3, 'delete')])]);
    expect(ctx.broker.topics.store.get('pol')?.configs).toEqual({ 'cleanup.policy': 'compact' });
    expect(ctx.broker.logs.configFor('pol').cleanupPolicy).toBe('compact');
    const emptied = await run([alter('pol', [op('cleanup.policy', 3, 'compact')])]);
    expect(emptied.responses).toMatchObject([{ errorCode: ErrorCode.INVALID_CONFIG }]);
    expect(ctx.broker.topics.store.get('pol')?.configs).toEqual({ 'cleanup.policy': 'compact' });
  });

  it('refuses APPEND on a non-list config, null SET values, unknown operations and keys', async () => {
    createTopic(ctx, 'r');
    const response = await run([
      alter('r', [op('retention.ms', 2, '5')]),
      alter('r', [op('retention.ms', 0, null)]),
      alter('r', [op('retention.ms', 9, '5')]),
      alter('r', [op('no.such.config', 0, '5')]),
      alter('r', [op('retention.ms', 0, 'x')]),
      alter('r', [op('retention.ms', 0, '1'), op('retention.ms', 1)]),
    ]);
    expect((response.responses as Message[]).map((r) => r.errorCode)).toEqual([
      ErrorCode.INVALID_REQUEST,
      ErrorCode.INVALID_REQUEST,
      ErrorCode.INVALID_REQUEST,
      ErrorCode.INVALID_CONFIG,
      ErrorCode.INVALID_CONFIG,
      ErrorCode.INVALID_REQUEST,
    ]);
    expect((response.responses as Message[])[0]!.errorMessage).toBe(
      'Config value append is not allowed for config key: retention.ms',
    );
    expect((response.responses as Message[])[4]!.errorMessage).toBe(
      "invalid value for retention.ms: expected a whole number, got 'x'",
    );
    expect(ctx.broker.topics.store.get('r')?.configs).toEqual({});
  });

  it('validateOnly changes nothing; other brokers and unknown topics are refused', async () => {
    createTopic(ctx, 'v');
    const response = await run(
      [
        alter('v', [op('retention.ms', 0, '5')]),
        alter('0', [op('log.retention.ms', 0, '5')], BROKER),
        alter('7', [op('log.retention.ms', 0, '5')], BROKER),
        alter('gone', [op('retention.ms', 0, '5')]),
      ],
      0,
      true,
    );
    expect((response.responses as Message[]).map((r) => r.errorCode)).toEqual([
      0,
      0,
      ErrorCode.INVALID_REQUEST,
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    ]);
    expect(ctx.broker.topics.store.get('v')?.configs).toEqual({});
    expect(ctx.broker.logs.configFor('v').retentionMs).toBe(604800000);
  });
});
