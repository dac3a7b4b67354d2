/**
 * What the handlers see of the broker: its configuration, the engine's logs, the topics, and how
 * this node presents itself to clients. Handlers never touch files; they go through these.
 */
import type { LogManager } from '../engine/index.js';
import type { TopicManager } from './cluster/topic-manager.js';
import type { BrokerConfig, Endpoint } from './config.js';
import type { Logger } from './logger.js';

export interface BrokerContext {
  config: BrokerConfig;
  logs: LogManager;
  topics: TopicManager;
  clusterId: string;
  nodeId: number;
  /** The address clients are told to connect to (advertised.listeners, else listeners). */
  advertised: Endpoint;
  log: Logger;
}
