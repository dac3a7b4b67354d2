import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DYNAMIC_CONFIG_FILE } from '../../../../server/config/dynamic-broker-configs.js';
import { alterConfigsHandler } from '../../../../server/handlers/admin/alter-configs.js';
import { describeConfigsHandler } from '../../../../server/handlers/admin/describe-configs.js';
import { incrementalAlterConfigsHandler } from '../../../../server/handlers/admin/incremental-alter-configs.js';
import type { Message } from '../../../../server/protocol/codec.js';
import { ErrorCode } from '../../../../server/protocol/error-codes.js';
import { createTopic, openAdminContext, type AdminContext } from '../../../helpers/admin-context.js';

const TOPIC = 2;
const BROKER = 4;
const SET = 0;
const DELETE = 1;
const APPEND = 2;

let ctx: AdminContext;
beforeEach(() => {
  ctx = openAdminContext();
});
afterEach(() => ctx.close());

const resource = (resourceType: number, resourceName: string, configs: Message[]) => ({
  resourceType,
  resourceName,
  configs,
});

async function alter(name: string, configs: Record<string, string>, validateOnly = false): Promise<Message> {
  const entries = Object.entries(configs).map(([key, value]) => ({ name: key, value }));
  const response = await ctx.call(alterConfigsHandler(ctx.broker), 1, {
    resources: [resource(BROKER, name, entries)],
    validateOnly,
  });
  return (response.responses as Message[])[0]!;
}

async function incremental(name: string, ops: [string, number, string | null][]): Promise<Message> {
  const configs = ops.map(([key, configOperation, value]) => ({ name: key, configOperation, value }));
  const response = await ctx.call(incrementalAlterConfigsHandler(ctx.broker), 1, {
    resources: [resource(BROKER, name, configs)],
    validateOnly: false,
  });
  return (response.responses as Message[])[0]!;
}

async function describe_(resourceType: number, name: string): Promise<Map<string, Message>> {
  const response = await ctx.call(describeConfigsHandler(ctx.broker), 4, {
    resources: [{ resourceType, resourceName: name, configurationKeys: null }],
    includeSynonyms: true,
    includeDocumentation: true,
  });
  const [result] = response.results as Message[];
  expect(result!.errorCode).toBe(0);
  return new Map((result!.configs as Message[]).map((c) => [c.name as string, c]));
}

describe('dynamic broker configs', () => {
  it('AlterConfigs on this broker applies a new default at once to topics without an override', async () => {
    createTopic(ctx, 'plain', 2);
    createTopic(ctx, 'own', 1, { 'retention.ms': '1000' });
    expect(await alter('0', { 'log.retention.ms': '3600000', 'log.segment.bytes': '1048576' })).toMatchObject(
      {
        errorCode: 0,
        errorMessage: null,
        resourceType: BROKER,
        resourceName: '0',
      },
    );
    expect(ctx.broker.logs.getLog('plain', 1)!.config).toMatchObject({
      retentionMs: 3_600_000,
      segmentBytes: 1_048_576,
    });
    expect(ctx.broker.logs.getLog('own', 0)!.config).toMatchObject({
      retentionMs: 1000,
      segmentBytes: 1_048_576,
    });
    // A topic created afterwards starts with the new defaults too.
    createTopic(ctx, 'later');
    expect(ctx.broker.logs.getLog('later', 0)!.config.retentionMs).toBe(3_600_000);
  });

  it('DescribeConfigs shows sources 2 and 3 and the synonyms in Kafka order', async () => {
    ctx.close();
    ctx = openAdminContext({ 'log.retention.hours': '24' });
    createTopic(ctx, 't');
    await alter('', { 'log.retention.ms': '7200000' });
    await alter('0', { 'log.retention.ms': '3600000' });
    const topic = await describe_(TOPIC, 't');
    expect(topic.get('retention.ms')).toMatchObject({
      value: '3600000',
      configSource: 2,
      synonyms: [
        { name: 'log.retention.ms', value: '3600000', source: 2 },
        { name: 'log.retention.ms', value: '7200000', source: 3 },
        { name: 'log.retention.hours', value: '24', source: 4 },
        { name: 'log.retention.hours', value: '168', source: 5 },
      ],
    });
    const broker = await describe_(BROKER, '0');
    expect(broker.get('log.retention.ms')).toMatchObject({
      value: '3600000',
      configSource: 2,
      readOnly: false,
    });
    expect(broker.get('log.retention.hours')).toMatchObject({ value: '24', configSource: 2, readOnly: true });
    expect(broker.get('num.partitions')).toMatchObject({ readOnly: true, configSource: 5 });
    expect(String(broker.get('log.retention.ms')!.documentation)).toMatch(/retention\.ms/);
    // The cluster-wide resource lists only what is set there, without this broker's level.
    const clusterDefault = await describe_(BROKER, '');
    expect([...clusterDefault.keys()]).toEqual(['log.retention.ms']);
    expect(clusterDefault.get('log.retention.ms')).toMatchObject({
      value: '7200000',
      configSource: 3,
      synonyms: [
        { name: 'log.retention.ms', value: '7200000', source: 3 },
        { name: 'log.retention.hours', value: '24', source: 4 },
        { name: 'log.retention.hours', value: '168', source: 5 },
      ],
    });
    // This broker's value goes: the cluster default takes over.
    await alter('0', {});
    expect(ctx.broker.logs.configFor('t').retentionMs).toBe(7_200_000);
    expect((await describe_(TOPIC, 't')).get('retention.ms')).toMatchObject({
      value: '7200000',
      configSource: 3,
    });
  });

  it('a property that cannot change at run time refuses the whole resource with INVALID_REQUEST', async () => {
    createTopic(ctx, 't');
    const refused = await alter('0', {
      'log.retention.ms': '1000',
      'log.retention.hours': '1',
      'num.partitions': '3',
    });
    expect(refused).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST });
    expect(refused.errorMessage).toMatch(
      /^Cannot update these configs dynamically: log\.retention\.hours, num\.partitions/,
    );
    expect(ctx.broker.logs.configFor('t').retentionMs).toBe(604_800_000);
    expect(fs.existsSync(path.join(ctx.dir, DYNAMIC_CONFIG_FILE))).toBe(false);
    expect((await alter('', { 'log.dirs': '/elsewhere' })).errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect((await alter('1', { 'log.retention.ms': '1000' })).errorMessage).toMatch(/Unexpected broker id/);
  });

  it('a bad value or an unknown property is INVALID_CONFIG naming it; nothing changes', async () => {
    createTopic(ctx, 't');
    await alter('0', { 'log.segment.bytes': '2000000' });
    const bad = await alter('0', { 'log.segment.bytes': '5' });
    expect(bad).toMatchObject({
      errorCode: ErrorCode.INVALID_CONFIG,
      errorMessage: 'log.segment.bytes: 5 is below the minimum 14',
    });
    const unknown = await alter('0', { 'log.segment.bites': '5' });
    expect(unknown).toMatchObject({ errorCode: ErrorCode.INVALID_CONFIG });
    expect(unknown.errorMessage).toContain('log.segment.bites');
    expect(ctx.broker.logs.configFor('t').segmentBytes).toBe(2_000_000);
  });

  it('validateOnly checks and changes nothing', async () => {
    createTopic(ctx, 't');
    expect(await alter('0', { 'log.retention.ms': '1000' }, true)).toMatchObject({ errorCode: 0 });
    expect((await alter('0', { 'num.partitions': '2' }, true)).errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect(ctx.broker.logs.configFor('t').retentionMs).toBe(604_800_000);
    expect(fs.existsSync(path.join(ctx.dir, DYNAMIC_CONFIG_FILE))).toBe(false);
  });

  it('IncrementalAlterConfigs SETs, DELETEs and APPENDs to log.cleanup.policy from its effective value', async () => {
    createTopic(ctx, 't');
    expect(
      await incremental('', [
        ['log.cleanup.policy', APPEND, 'compact'],
        ['message.max.bytes', SET, '2000000'],
      ]),
    ).toMatchObject({ errorCode: 0 });
    expect(ctx.broker.logs.configFor('t')).toMatchObject({
      cleanupPolicy: 'compact,delete',
      maxMessageBytes: 2_000_000,
    });
    expect(await incremental('', [['message.max.bytes', DELETE, null]])).toMatchObject({ errorCode: 0 });
    expect(ctx.broker.logs.configFor('t').maxMessageBytes).toBe(1_048_588);
    const refused = await incremental('0', [['log.retention.ms', APPEND, '5']]);
    expect(refused).toMatchObject({
      errorCode: ErrorCode.INVALID_REQUEST,
      errorMessage: 'Config value append is not allowed for config key: log.retention.ms',
    });
    expect((await incremental('0', [['zookeeper.connect', SET, 'zk:2181']])).errorCode).toBe(
      ErrorCode.INVALID_REQUEST,
    );
  });

  it('is kept across a restart, in a file in the data directory', async () => {
    createTopic(ctx, 't');
    await alter('', { 'log.cleanup.policy': 'compact' });
    await alter('0', { 'log.retention.ms': '60000' });
    const saved = JSON.parse(fs.readFileSync(path.join(ctx.dir, DYNAMIC_CONFIG_FILE), 'utf8')) as unknown;
    expect(saved).toEqual({
      version: 1,
      brokerId: 0,
      broker: { 'log.retention.ms': '60000' },
      default: { 'log.cleanup.policy': 'compact' },
    });
    ctx = ctx.reopen();
    const topic = await describe_(TOPIC, 't');
    expect(topic.get('cleanup.policy')).toMatchObject({ value: 'compact', configSource: 3 });
    expect(ctx.broker.logs.configFor('t')).toMatchObject({ cleanupPolicy: 'compact', retentionMs: 60_000 });
  });

  it("Kiln's partition limits can change at run time too", async () => {
    expect(await alter('', { 'kiln.max.partitions.per.topic': '4' })).toMatchObject({ errorCode: 0 });
    const refused = ctx.broker.topics.create('wide', 5, 1, {});
    expect(refused.errorMessage).toMatch(/more than kiln\.max\.partitions\.per\.topic \(4\)/);
    expect((await alter('', { 'kiln.max.partitions.per.topic': '0' })).errorCode).toBe(
      ErrorCode.INVALID_CONFIG,
    );
    await alter('', {});
    expect(ctx.broker.topics.create('wide', 5, 1, {}).errorCode).toBe(0);
  });

  it("unused properties Kafka lets change are accepted as Kafka accepts them (librdkafka's admin test)", async () => {
    // librdkafka's 0081-admin sets this one on a broker and expects success.
    expect(await incremental('0', [['sasl.kerberos.min.time.before.relogin', SET, '58000']])).toMatchObject({
      errorCode: 0,
    });
    const perBroker = await incremental('', [['sasl.kerberos.min.time.before.relogin', SET, '58000']]);
    expect(perBroker).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST });
    expect(perBroker.errorMessage).toMatch(/at default cluster level, broker id must be specified/);
    expect(await incremental('', [['num.io.threads', SET, '4']])).toMatchObject({ errorCode: 0 });
    expect((await incremental('', [['num.io.threads', SET, 'many']])).errorCode).toBe(
      ErrorCode.INVALID_CONFIG,
    );
    const broker = await describe_(BROKER, '0');
    expect(broker.get('sasl.kerberos.min.time.before.relogin')).toMatchObject({
      value: '58000',
      configSource: 2,
    });
    expect(broker.get('num.io.threads')).toMatchObject({ value: '4', configSource: 3, readOnly: false });
    expect(broker.has('inter.broker.listener.name')).toBe(false);
  });
});
