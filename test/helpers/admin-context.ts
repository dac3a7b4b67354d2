// A BrokerContext built by hand for the admin handler tests: a LogManager on a temp dir, the topic
// store and manager, and a config from buildBrokerConfig — what broker.ts builds, without the
// listener, so a handler can be called directly. `call` also sends the request and the answer
// through the codec at the version used, so every test proves the shapes fit the schema.
import { pino } from 'pino';
import { LogManager } from '../../engine/index.js';
import type { BrokerContext } from '../../server/broker-context.js';
import { TopicManager } from '../../server/cluster/topic-manager.js';
import { TopicStore } from '../../server/cluster/topic-store.js';
import { buildBrokerConfig } from '../../server/config.js';
import type { AnyHandler } from '../../server/handlers/registry.js';
import { decodeMessage, encodeMessage, type Message } from '../../server/protocol/codec.js';
import { ProtocolReader } from '../../server/protocol/reader.js';
import { inRange, type ApiDef, type FieldDef } from '../../server/protocol/schema.js';
import { ProtocolWriter } from '../../server/protocol/writer.js';
import { makeTempDir, removeTempDir } from './temp-dir.js';

export interface AdminContext {
  broker: BrokerContext;
  dir: string;
  /** Encodes `request` at `version`, decodes it, handles it, and returns the response as decoded from its bytes. */
  call(handler: AnyHandler, version: number, request: Message): Promise<Message>;
  /** Closes the logs (keeping the files) and reopens everything from the same directory. */
  reopen(): AdminContext;
  close(): void;
}

export const CLUSTER_ID = 'kiln-test-cluster-id0';

export function openAdminContext(
  properties: Record<string, string> = {},
  dir = makeTempDir('kiln-admin-'),
): AdminContext {
  const config = buildBrokerConfig({
    listeners: 'PLAINTEXT://127.0.0.1:9092',
    'log.dirs': dir,
    ...properties,
  });
  const logs = LogManager.open({
    dirs: config.logDirs,
    defaults: config.logDefaults,
    retentionCheckIntervalMs: 0,
    flushCheckIntervalMs: 0,
    checkpointIntervalMs: 0,
  });
  const store = TopicStore.open(config.logDirs[0]!);
  const topics = new TopicManager(store, logs, {
    numPartitions: config.numPartitions,
    defaultReplicationFactor: config.defaultReplicationFactor,
    brokerCount: 1,
    maxPartitionsPerTopic: config.maxPartitionsPerTopic,
    maxPartitions: config.maxPartitions,
  });
  const broker: BrokerContext = {
    config,
    logs,
    topics,
    clusterId: CLUSTER_ID,
    nodeId: config.brokerId,
    advertised: { name: 'PLAINTEXT', host: '127.0.0.1', port: 9092 },
    log: pino({ level: 'silent' }),
  };
  return {
    broker,
    dir,
    async call(handler, version, request) {
      const api = handler.api;
      const decoded = throughCodec(api, api.request, version, request);
      const response = await handler.handle(decoded, version, {
        header: header(api, version),
        connection: undefined,
      });
      if (response === null) throw new Error(`${api.name} gave no response`);
      return throughCodec(api, api.response, version, response);
    },
    reopen() {
      logs.close();
      return openAdminContext(properties, dir);
    },
    close() {
      logs.close();
      removeTempDir(dir);
    },
  };
}

function header(api: ApiDef, version: number) {
  return { apiKey: api.key, apiVersion: version, correlationId: 1, clientId: 'test' };
}

function throughCodec(api: ApiDef, fields: readonly FieldDef[], version: number, message: Message): Message {
  const flexible = inRange(version, api.flexible);
  const writer = new ProtocolWriter();
  encodeMessage(fields, version, flexible, message, writer);
  const reader = new ProtocolReader(writer.toBuffer());
  const decoded = decodeMessage(fields, version, flexible, reader);
  if (reader.remaining !== 0) throw new Error(`${api.name} v${version}: ${reader.remaining} bytes left over`);
  return decoded;
}

/** Creates a topic through the manager (not the handler under test). */
export function createTopic(
  ctx: AdminContext,
  name: string,
  partitions = 1,
  configs: Record<string, string> = {},
): void {
  const result = ctx.broker.topics.create(name, partitions, 1, configs);
  if (result.errorCode !== 0) throw new Error(`cannot create ${name}: ${result.errorMessage}`);
}
