// message.format.version and its broker synonym log.message.format.version: deprecated in Kafka
// 3.0 (KIP-724) and still sent by Kafka's tools and clients' tests. They were refused as unknown
// (INVALID_CONFIG); they are accepted with a warning in the broker's log and ignored.
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { alterConfigsHandler } from '../../../../server/handlers/admin/alter-configs.js';
import { createTopicsHandler } from '../../../../server/handlers/admin/create-topics.js';
import { describeConfigsHandler } from '../../../../server/handlers/admin/describe-configs.js';
import { incrementalAlterConfigsHandler } from '../../../../server/handlers/admin/incremental-alter-configs.js';
import type { Message } from '../../../../server/protocol/codec.js';
import { ErrorCode } from '../../../../server/protocol/error-codes.js';
import { openAdminContext, type AdminContext } from '../../../helpers/admin-context.js';

const TOPIC = 2;
const BROKER = 4;

let ctx: AdminContext;
let warnings: string[];
beforeEach(() => {
  ctx = openAdminContext();
  warnings = [];
  const stream = { write: (line: string) => warnings.push((JSON.parse(line) as { msg: string }).msg) };
  (ctx.broker as { log: unknown }).log = pino({ level: 'warn' }, stream);
});
afterEach(() => ctx.close());

const createTopic = (name: string, configs: Message[]) =>
  ctx.call(createTopicsHandler(ctx.broker), 5, {
    topics: [{ name, numPartitions: 1, replicationFactor: 1, assignments: [], configs }],
    timeoutMs: 1000,
    validateOnly: false,
  });

describe('message.format.version', () => {
  it('was refused as an unknown topic configuration by CreateTopics; now created, with a warning', async () => {
    const response = await createTopic('old-format', [{ name: 'message.format.version', value: '0.10.2' }]);
    expect(response.topics).toMatchObject([{ name: 'old-format', errorCode: ErrorCode.NONE }]);
    expect(ctx.broker.topics.store.get('old-format')?.configs).toEqual({
      'message.format.version': '0.10.2',
    });
    expect(warnings).toEqual([
      'message.format.version is deprecated since Kafka 3.0 and ignored: Kiln always writes record format v2',
    ]);
  });

  it.each(['v2 please', '9.9', '2.4-IV7'])(
    "still refuses '%s', not a Kafka version, naming the property",
    async (value) => {
      const response = await createTopic('bad-format', [{ name: 'message.format.version', value }]);
      expect(response.topics).toMatchObject([
        {
          errorCode: ErrorCode.INVALID_CONFIG,
          errorMessage: expect.stringMatching(/message\.format\.version/),
        },
      ]);
      expect(ctx.broker.topics.store.get('bad-format')).toBeUndefined();
    },
  );

  it('is described for every topic with Kafka 2.4’s default, and as an override when set', async () => {
    await createTopic('plain', []);
    await ctx.call(alterConfigsHandler(ctx.broker), 1, {
      resources: [
        {
          resourceType: TOPIC,
          resourceName: 'plain',
          configs: [{ name: 'message.format.version', value: '2.1' }],
        },
      ],
      validateOnly: false,
    });
    expect(warnings).toHaveLength(1);
    await createTopic('other', []);
    const described = await ctx.call(describeConfigsHandler(ctx.broker), 1, {
      resources: [
        { resourceType: TOPIC, resourceName: 'plain', configurationKeys: ['message.format.version'] },
        { resourceType: TOPIC, resourceName: 'other', configurationKeys: ['message.format.version'] },
      ],
      includeSynonyms: false,
    });
    const values = (described.results as Message[]).map((r) => (r.configs as Message[])[0]);
    expect(values).toMatchObject([
      { name: 'message.format.version', value: '2.1', configSource: 1 },
      { name: 'message.format.version', value: '2.4-IV1', configSource: 5 },
    ]);
  });

  it('is accepted by IncrementalAlterConfigs on a topic and, as log.message.format.version, on the broker', async () => {
    await createTopic('inc', []);
    const response = await ctx.call(incrementalAlterConfigsHandler(ctx.broker), 1, {
      resources: [
        {
          resourceType: TOPIC,
          resourceName: 'inc',
          configs: [{ name: 'message.format.version', configOperation: 0, value: '2.4-IV1' }],
        },
        {
          resourceType: BROKER,
          resourceName: '',
          configs: [{ name: 'log.message.format.version', configOperation: 0, value: '2.4-IV1' }],
        },
      ],
      validateOnly: false,
    });
    expect(response.responses).toMatchObject([{ errorCode: ErrorCode.NONE }, { errorCode: ErrorCode.NONE }]);
    expect(warnings).toEqual([
      expect.stringMatching(/^message\.format\.version is deprecated/),
      expect.stringMatching(/^log\.message\.format\.version is deprecated/),
    ]);
    // Deleting it is no use of it: no warning.
    await ctx.call(incrementalAlterConfigsHandler(ctx.broker), 1, {
      resources: [
        {
          resourceType: TOPIC,
          resourceName: 'inc',
          configs: [{ name: 'message.format.version', configOperation: 1, value: null }],
        },
      ],
      validateOnly: false,
    });
    expect(warnings).toHaveLength(2);
    expect(ctx.broker.topics.store.get('inc')?.configs).toEqual({});
  });
});
