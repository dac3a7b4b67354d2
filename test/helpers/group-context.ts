// A BrokerContext built by hand over a temporary data directory, for the group coordinator tests:
// the engine's logs, the topic store and manager, a silent logger, and no network.
import { pino } from 'pino';
import { LogManager } from '../../engine/index.js';
import type { BrokerContext } from '../../server/broker-context.js';
import type { JoinRequest } from '../../server/group/group-results.js';
import { TopicManager } from '../../server/cluster/topic-manager.js';
import { TopicStore } from '../../server/cluster/topic-store.js';
import { buildBrokerConfig } from '../../server/config.js';

export interface TestBroker {
  context: BrokerContext;
  /** Closes the logs (as a broker stop would). */
  close(): void;
}

/** Opens a broker context on `dir`; few offsets partitions and no initial delay unless overridden. */
export function openTestBroker(dir: string, properties: Record<string, string> = {}): TestBroker {
  const config = buildBrokerConfig({
    'log.dirs': dir,
    'offsets.topic.num.partitions': '4',
    'group.initial.rebalance.delay.ms': '0',
    ...properties,
  });
  const logs = LogManager.open({
    dirs: config.logDirs,
    defaults: config.logDefaults,
    retentionCheckIntervalMs: 0,
    flushCheckIntervalMs: 0,
    checkpointIntervalMs: 0,
  });
  const topics = new TopicManager(TopicStore.open(dir), logs, {
    numPartitions: 1,
    defaultReplicationFactor: 1,
    brokerCount: 1,
  });
  const context: BrokerContext = {
    config,
    logs,
    topics,
    clusterId: 'kiln-test-cluster',
    nodeId: config.brokerId,
    advertised: { name: 'PLAINTEXT', host: '127.0.0.1', port: 19092 },
    log: pino({ level: 'silent' }),
  };
  return { context, close: () => logs.close() };
}

/** An answer of the coordinator that a single node gives at once (a cluster's waits for replicas). */
export function atOnce<T>(answer: T | Promise<T>): T {
  if (answer instanceof Promise) throw new Error('a single node answers at once');
  return answer;
}

/** The metadata of the one protocol a `joinRequest` offers. */
export const subscription = Buffer.from('subscription');

/** The JoinGroup of a new dynamic consumer member offering `range`, with `overrides`. */
export function joinRequest(overrides: Partial<JoinRequest> = {}): JoinRequest {
  return {
    memberId: '',
    groupInstanceId: null,
    clientId: 'client',
    clientHost: '/127.0.0.1',
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 30_000,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: subscription }],
    requireKnownMemberId: false,
    ...overrides,
  };
}
