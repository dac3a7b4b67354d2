import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPartitionsHandler } from '../../../../server/handlers/admin/create-partitions.js';
import { createTopicsHandler } from '../../../../server/handlers/admin/create-topics.js';
import { deleteTopicsHandler } from '../../../../server/handlers/admin/delete-topics.js';
import { encodeMessage, decodeMessage, type Message } from '../../../../server/protocol/codec.js';
import { ErrorCode } from '../../../../server/protocol/error-codes.js';
import { decodeRequestHeaderStart, skipHeaderTaggedFields } from '../../../../server/protocol/headers.js';
import { ProtocolReader } from '../../../../server/protocol/reader.js';
import { inRange, type ApiDef } from '../../../../server/protocol/schema.js';
import { ProtocolWriter } from '../../../../server/protocol/writer.js';
import { openAdminContext, createTopic, type AdminContext } from '../../../helpers/admin-context.js';
import { goldenFrames, type GoldenFrame } from '../../../helpers/golden-frames.js';
import { batchOf } from '../../../helpers/log-fixtures.js';

const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

let ctx: AdminContext;
beforeEach(() => {
  ctx = openAdminContext();
});
afterEach(() => ctx.close());

const topic = (name: string, numPartitions = 1, replicationFactor = 1, extra: Message = {}): Message => ({
  name,
  numPartitions,
  replicationFactor,
  assignments: [],
  configs: [],
  ...extra,
});

function frame(client: string, apiName: string): GoldenFrame {
  const found = goldenFrames().find((f) => f.client === client && f.apiName === apiName);
  if (!found?.response) throw new Error(`no ${apiName} frame in ${client}`);
  return found;
}

/** A captured frame's request body (decoded) and response body bytes. */
function captured(api: ApiDef, f: GoldenFrame): { request: Message; responseBody: Buffer } {
  const flexible = inRange(f.apiVersion, api.flexible);
  const reader = new ProtocolReader(f.request);
  decodeRequestHeaderStart(reader);
  if (flexible) skipHeaderTaggedFields(reader);
  const request = decodeMessage(api.request, f.apiVersion, flexible, reader);
  const response = new ProtocolReader(f.response!);
  response.int32();
  if (flexible) skipHeaderTaggedFields(response);
  return { request, responseBody: f.response!.subarray(response.offset) };
}

function encodeBody(api: ApiDef, version: number, body: Message): Buffer {
  const writer = new ProtocolWriter();
  encodeMessage(api.response, version, inRange(version, api.flexible), body, writer);
  return writer.toBuffer();
}

describe('CreateTopics', () => {
  const handler = () => createTopicsHandler(ctx.broker);

  it('creates a topic and reports partitions, replication factor, configs and id (v7)', async () => {
    const response = await ctx.call(handler(), 7, {
      topics: [topic('orders', 3, 1, { configs: [{ name: 'retention.ms', value: '1000' }] })],
    });
    const [result] = response.topics as Message[];
    const stored = ctx.broker.topics.store.get('orders')!;
    expect(result).toMatchObject({
      name: 'orders',
      topicId: stored.id,
      errorCode: 0,
      errorMessage: null,
      numPartitions: 3,
      replicationFactor: 1,
    });
    const configs = result!.configs as Message[];
    expect(configs.find((c) => c.name === 'retention.ms')).toEqual({
      name: 'retention.ms',
      value: '1000',
      readOnly: false,
      configSource: 1,
      isSensitive: false,
    });
    expect(configs.find((c) => c.name === 'cleanup.policy')).toMatchObject({
      value: 'delete',
      configSource: 5,
    });
    expect(ctx.broker.logs.getLog('orders', 2)).toBeDefined();
    expect(ctx.broker.logs.configFor('orders').retentionMs).toBe(1000);
  });

  it('uses the broker defaults for -1 (v4+)', async () => {
    ctx.close();
    ctx = openAdminContext({ 'num.partitions': '4' });
    const response = await ctx.call(handler(), 5, { topics: [topic('dflt', -1, -1)] });
    expect(response.topics).toMatchObject([{ errorCode: 0, numPartitions: 4, replicationFactor: 1 }]);
  });

  it('validateOnly checks without creating', async () => {
    const response = await ctx.call(handler(), 7, { topics: [topic('dry', 2)], validateOnly: true });
    expect(response.topics).toMatchObject([{ errorCode: 0, numPartitions: 2, topicId: ZERO_UUID }]);
    expect(ctx.broker.topics.store.get('dry')).toBeUndefined();
  });

  it('answers TOPIC_ALREADY_EXISTS, INVALID_REPLICATION_FACTOR and INVALID_PARTITIONS byte for byte as Kafka 2.4.1', async () => {
    const api = handler().api;
    const f = frame('errors', 'CreateTopics');
    const { request, responseBody } = captured(api, f);
    createTopic(ctx, 'err-small');
    const response = await ctx.call(handler(), f.apiVersion, request);
    expect(response.topics).toMatchObject([
      { name: 'err-small', errorCode: ErrorCode.TOPIC_ALREADY_EXISTS },
      { name: 'err-rf3', errorCode: ErrorCode.INVALID_REPLICATION_FACTOR },
      { name: 'err-p0', errorCode: ErrorCode.INVALID_PARTITIONS },
    ]);
    expect(encodeBody(api, f.apiVersion, response).equals(responseBody)).toBe(true);
  });

  it("answers the Java client's v5 create like Kafka 2.4.1 (same config names and sources)", async () => {
    const api = handler().api;
    const f = frame('java-kafka-clients-2.4.1', 'CreateTopics');
    const { request } = captured(api, f);
    const kafka = decodeMessage(api.response, 5, true, bodyReader(f.response!, true));
    const ours = await ctx.call(handler(), 5, request);
    const [kafkaTopic] = kafka.topics as Message[];
    const [ourTopic] = ours.topics as Message[];
    expect(ourTopic).toMatchObject({
      name: kafkaTopic!.name,
      errorCode: 0,
      numPartitions: 2,
      replicationFactor: 1,
    });
    const kafkaConfigs = new Map((kafkaTopic!.configs as Message[]).map((c) => [c.name, c]));
    for (const config of ourTopic!.configs as Message[]) {
      const theirs = kafkaConfigs.get(config.name);
      expect(theirs, String(config.name)).toBeDefined();
      expect(Object.keys(config).sort()).toEqual(Object.keys(theirs!).sort());
    }
  });

  it('refuses a topic named twice with INVALID_REQUEST for each copy', async () => {
    const response = await ctx.call(handler(), 4, {
      topics: [topic('twice'), topic('twice'), topic('once')],
    });
    expect(response.topics).toMatchObject([
      { name: 'twice', errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Duplicate topic name.' },
      { name: 'twice', errorCode: ErrorCode.INVALID_REQUEST },
      { name: 'once', errorCode: 0 },
    ]);
    expect(ctx.broker.topics.store.get('twice')).toBeUndefined();
  });

  it('accepts a manual assignment of every partition to this node', async () => {
    const assignments = [0, 1].map((partitionIndex) => ({ partitionIndex, brokerIds: [0] }));
    const response = await ctx.call(handler(), 3, { topics: [topic('manual', -1, -1, { assignments })] });
    expect(response.topics).toMatchObject([{ errorCode: 0 }]);
    expect(ctx.broker.topics.store.get('manual')?.partitions).toBe(2);
  });

  it.each([
    ['another broker', [{ partitionIndex: 0, brokerIds: [1] }]],
    ['two replicas', [{ partitionIndex: 0, brokerIds: [0, 0] }]],
    ['no replica', [{ partitionIndex: 0, brokerIds: [] }]],
    ['a gap in the partitions', [{ partitionIndex: 1, brokerIds: [0] }]],
  ])('refuses a manual assignment with %s: INVALID_REPLICA_ASSIGNMENT', async (_label, assignments) => {
    const response = await ctx.call(handler(), 1, { topics: [topic('bad', -1, -1, { assignments })] });
    expect(response.topics).toMatchObject([{ errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT }]);
    expect((response.topics as Message[])[0]!.errorMessage).toEqual(expect.any(String));
    expect(ctx.broker.topics.store.get('bad')).toBeUndefined();
  });

  it('refuses an assignment together with a partition count', async () => {
    const assignments = [{ partitionIndex: 0, brokerIds: [0] }];
    const response = await ctx.call(handler(), 2, { topics: [topic('both', 1, 1, { assignments })] });
    expect(response.topics).toMatchObject([{ errorCode: ErrorCode.INVALID_REQUEST }]);
  });

  it('gives INVALID_CONFIG with the engine message, and INVALID_REQUEST for a null value', async () => {
    const response = await ctx.call(handler(), 1, {
      topics: [
        topic('badcfg', 1, 1, { configs: [{ name: 'retention.ms', value: 'soon' }] }),
        topic('nullcfg', 1, 1, { configs: [{ name: 'retention.ms', value: null }] }),
        topic('bad name!'),
      ],
    });
    expect(response.topics).toMatchObject([
      {
        errorCode: ErrorCode.INVALID_CONFIG,
        errorMessage: "invalid value for retention.ms: expected a whole number, got 'soon'",
      },
      { errorCode: ErrorCode.INVALID_REQUEST },
      { errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION },
    ]);
  });
});

function bodyReader(frameBytes: Buffer, flexible: boolean): ProtocolReader {
  const reader = new ProtocolReader(frameBytes);
  reader.int32();
  if (flexible) skipHeaderTaggedFields(reader);
  return reader;
}

describe('DeleteTopics', () => {
  const handler = () => deleteTopicsHandler(ctx.broker);

  it('deletes by name and removes the logs', async () => {
    createTopic(ctx, 'gone', 2);
    const id = ctx.broker.topics.store.get('gone')!.id;
    const response = await ctx.call(handler(), 5, { topicNames: ['gone'] });
    expect(response.responses).toEqual([
      { name: 'gone', topicId: ZERO_UUID, errorCode: 0, errorMessage: null },
    ]);
    expect(ctx.broker.topics.store.get('gone')).toBeUndefined();
    expect(ctx.broker.logs.getLog('gone', 0)).toBeUndefined();
    expect(id).not.toBe(ZERO_UUID);
  });

  it('deletes by id in v6 and reports the name', async () => {
    createTopic(ctx, 'byid');
    const id = ctx.broker.topics.store.get('byid')!.id;
    const response = await ctx.call(handler(), 6, { topics: [{ name: null, topicId: id }] });
    expect(response.responses).toMatchObject([{ name: 'byid', topicId: id, errorCode: 0 }]);
    expect(ctx.broker.topics.store.getById(id)).toBeUndefined();
  });

  it('answers UNKNOWN_TOPIC_OR_PARTITION byte for byte as Kafka 2.4.1', async () => {
    const api = handler().api;
    const f = frame('errors', 'DeleteTopics');
    const { request, responseBody } = captured(api, f);
    const response = await ctx.call(handler(), f.apiVersion, request);
    expect(response.responses).toMatchObject([
      { name: 'err-nosuch', errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION },
    ]);
    expect(encodeBody(api, f.apiVersion, response).equals(responseBody)).toBe(true);
  });

  it('answers UNKNOWN_TOPIC_ID for an unknown id and INVALID_REQUEST for name and id together', async () => {
    createTopic(ctx, 'named');
    const id = ctx.broker.topics.store.get('named')!.id;
    const unknown = Buffer.alloc(16, 7).toString('base64url');
    const response = await ctx.call(handler(), 6, {
      topics: [
        { name: null, topicId: unknown },
        { name: 'named', topicId: id },
      ],
    });
    expect(response.responses).toMatchObject([
      { name: null, topicId: unknown, errorCode: ErrorCode.UNKNOWN_TOPIC_ID },
      { errorCode: ErrorCode.INVALID_REQUEST },
    ]);
    expect(ctx.broker.topics.store.get('named')).toBeDefined();
  });

  it('answers TOPIC_DELETION_DISABLED (v3+) or INVALID_REQUEST (v0-2) when delete.topic.enable=false', async () => {
    ctx.close();
    ctx = openAdminContext({ 'delete.topic.enable': 'false' });
    createTopic(ctx, 'kept');
    const v5 = await ctx.call(handler(), 5, { topicNames: ['kept'] });
    expect(v5.responses).toMatchObject([
      { errorCode: ErrorCode.TOPIC_DELETION_DISABLED, errorMessage: 'Topic deletion is disabled.' },
    ]);
    const v1 = await ctx.call(handler(), 1, { topicNames: ['kept'] });
    expect(v1.responses).toMatchObject([{ errorCode: ErrorCode.INVALID_REQUEST }]);
    expect(ErrorCode.TOPIC_DELETION_DISABLED).toBe(73);
    expect(ctx.broker.topics.store.get('kept')).toBeDefined();
  });

  it('deletes a topic listed twice once', async () => {
    createTopic(ctx, 'dup');
    const response = await ctx.call(handler(), 4, { topicNames: ['dup', 'dup'] });
    expect(response.responses).toMatchObject([{ errorCode: 0 }, { errorCode: 0 }]);
  });
});

describe('CreatePartitions', () => {
  const handler = () => createPartitionsHandler(ctx.broker);
  const grow = (name: string, count: number, assignments: Message[] | null = null): Message => ({
    name,
    count,
    assignments,
  });

  it('grows a topic and opens the new logs with the topic config', async () => {
    createTopic(ctx, 'grow', 1, { 'retention.ms': '5000' });
    const response = await ctx.call(handler(), 3, {
      topics: [grow('grow', 3)],
      timeoutMs: 1000,
      validateOnly: false,
    });
    expect(response.results).toEqual([{ name: 'grow', errorCode: 0, errorMessage: null }]);
    expect(ctx.broker.topics.store.get('grow')?.partitions).toBe(3);
    expect(ctx.broker.logs.getLog('grow', 2)?.config.retentionMs).toBe(5000);
  });

  it('validateOnly changes nothing', async () => {
    createTopic(ctx, 'same');
    const response = await ctx.call(handler(), 0, {
      topics: [grow('same', 5)],
      timeoutMs: 0,
      validateOnly: true,
    });
    expect(response.results).toMatchObject([{ errorCode: 0 }]);
    expect(ctx.broker.topics.store.get('same')?.partitions).toBe(1);
  });

  it('refuses shrinking (INVALID_PARTITIONS), unknown topics, duplicates and foreign assignments', async () => {
    createTopic(ctx, 'three', 3);
    createTopic(ctx, 'one');
    const response = await ctx.call(handler(), 1, {
      topics: [
        grow('three', 2),
        grow('nosuch', 2),
        grow('one', 3, [{ brokerIds: [0] }]),
        grow('one', 2, [{ brokerIds: [5] }]),
      ],
      timeoutMs: 0,
      validateOnly: false,
    });
    expect(response.results).toMatchObject([
      { name: 'three', errorCode: ErrorCode.INVALID_PARTITIONS },
      { name: 'nosuch', errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION },
      { name: 'one', errorCode: ErrorCode.INVALID_REQUEST },
      { name: 'one', errorCode: ErrorCode.INVALID_REQUEST },
    ]);
    const assigned = await ctx.call(handler(), 2, {
      topics: [grow('one', 3, [{ brokerIds: [0] }])],
      timeoutMs: 0,
      validateOnly: false,
    });
    expect(assigned.results).toMatchObject([{ errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT }]);
    const foreign = await ctx.call(handler(), 2, {
      topics: [grow('one', 2, [{ brokerIds: [5] }])],
      timeoutMs: 0,
      validateOnly: false,
    });
    expect(foreign.results).toMatchObject([{ errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT }]);
    const good = await ctx.call(handler(), 2, {
      topics: [grow('one', 2, [{ brokerIds: [0] }])],
      timeoutMs: 0,
      validateOnly: false,
    });
    expect(good.results).toMatchObject([{ errorCode: 0 }]);
  });
});

describe('topic bounds and internal topics over the wire', () => {
  it('CreateTopics and CreatePartitions past kiln.max.partitions.per.topic answer INVALID_PARTITIONS with the reason', async () => {
    const bounded = openAdminContext({ 'kiln.max.partitions.per.topic': '4' });
    try {
      const created = await bounded.call(createTopicsHandler(bounded.broker), 4, {
        topics: [topic('huge', 2_147_483_647), topic('four', 4)],
        timeoutMs: 1000,
        validateOnly: false,
      });
      expect(created.topics).toMatchObject([
        {
          name: 'huge',
          errorCode: ErrorCode.INVALID_PARTITIONS,
          errorMessage: expect.stringMatching(/kiln\.max\.partitions\.per\.topic \(4\)/),
        },
        { name: 'four', errorCode: ErrorCode.NONE },
      ]);
      const grown = await bounded.call(createPartitionsHandler(bounded.broker), 1, {
        topics: [{ name: 'four', count: 5, assignments: null }],
        timeoutMs: 1000,
        validateOnly: false,
      });
      expect(grown.results).toEqual([
        {
          name: 'four',
          errorCode: ErrorCode.INVALID_PARTITIONS,
          errorMessage: expect.stringMatching(/kiln\.max\.partitions\.per\.topic/),
        },
      ]);
      expect(bounded.broker.topics.store.get('four')?.partitions).toBe(4);
      expect(bounded.broker.topics.store.get('huge')).toBeUndefined();
    } finally {
      bounded.close();
    }
  });

  it('DeleteTopics of __consumer_offsets answers INVALID_TOPIC_EXCEPTION, CreatePartitions INVALID_REQUEST, and it stays whole', async () => {
    expect(ctx.broker.topics.create('__consumer_offsets', 3, 1, {}).errorCode).toBe(ErrorCode.NONE);
    const deleted = await ctx.call(deleteTopicsHandler(ctx.broker), 4, {
      topicNames: ['__consumer_offsets'],
      timeoutMs: 1000,
    });
    expect(deleted.responses).toMatchObject([
      { name: '__consumer_offsets', errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION },
    ]);
    const grown = await ctx.call(createPartitionsHandler(ctx.broker), 1, {
      topics: [{ name: '__consumer_offsets', count: 6, assignments: null }],
      timeoutMs: 1000,
      validateOnly: false,
    });
    expect(grown.results).toMatchObject([
      { name: '__consumer_offsets', errorCode: ErrorCode.INVALID_REQUEST },
    ]);
    expect(ctx.broker.topics.store.get('__consumer_offsets')?.partitions).toBe(3);
    expect(ctx.broker.logs.getLog('__consumer_offsets', 2)).toBeDefined();
    expect(ctx.broker.logs.getLog('__consumer_offsets', 3)).toBeUndefined();
  });

  it('DeleteTopics of a 249-character topic removes every directory; a deletion that fails answers KAFKA_STORAGE_ERROR and a retry finishes it', async () => {
    const name = 'd'.repeat(249);
    createTopic(ctx, name, 2);
    ctx.broker.logs.getLog(name, 1)!.append(batchOf(2));
    const rename = vi.spyOn(fs, 'renameSync').mockImplementationOnce(() => {
      throw Object.assign(new Error('EIO: i/o error, rename'), { code: 'EIO' });
    });
    const failed = await ctx.call(deleteTopicsHandler(ctx.broker), 4, {
      topicNames: [name],
      timeoutMs: 1000,
    });
    rename.mockRestore();
    expect(failed.responses).toMatchObject([{ name, errorCode: ErrorCode.KAFKA_STORAGE_ERROR }]);
    expect(ctx.broker.topics.store.get(name)).toBeDefined();
    const retried = await ctx.call(deleteTopicsHandler(ctx.broker), 4, {
      topicNames: [name],
      timeoutMs: 1000,
    });
    expect(retried.responses).toMatchObject([{ name, errorCode: ErrorCode.NONE }]);
    expect(fs.readdirSync(ctx.dir).filter((d) => d.startsWith('ddd'))).toEqual([]);
    createTopic(ctx, name, 2);
    expect(ctx.broker.logs.getLog(name, 1)!.logEndOffset).toBe(0);
  });
});
