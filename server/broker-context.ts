/**
 * What the handlers see of the broker: its configuration, the engine's logs, the topics, and how
 * this node presents itself to clients. Handlers never touch files; they go through these.
 */
import type { LogManager } from '../engine/index.js';
import type { ClusterConfigs } from './cluster/cluster-configs.js';
import type { ClusterTopics } from './cluster/cluster-topics.js';
import type { MetadataCache } from './cluster/metadata-cache.js';
import type { ReplicaManager } from './cluster/replica-manager.js';
import type { TopicManager } from './cluster/topic-manager.js';
import type { BrokerConfig, Endpoint } from './config.js';
import type { DynamicBrokerConfigs } from './config/dynamic-broker-configs.js';
import type { Logger } from './logger.js';
import type { BrokerMetrics } from './metrics/broker-metrics.js';
import type { MemoryBudget } from './network/memory-budget.js';

export interface BrokerContext {
  config: BrokerConfig;
  logs: LogManager;
  topics: TopicManager;
  clusterId: string;
  nodeId: number;
  /** The address clients are told to connect to (advertised.listeners, else listeners). */
  advertised: Endpoint;
  log: Logger;
  /**
   * Response bytes not yet sent, shared by all connections (kiln.queued.max.response.bytes): a
   * fetch reads no more than what is left of it (one batch at least).
   */
  responseMemory?: MemoryBudget;
  /**
   * Dynamic broker configs (AlterConfigs on a broker resource). The broker opens them at start;
   * a context built without them loads them on first use (see dynamicConfigsOf).
   */
  dynamic?: DynamicBrokerConfigs;
  /** Cluster mode only: the cluster as the controller last described it (UpdateMetadata). */
  metadata?: MetadataCache;
  /** Cluster mode only: the partitions this broker holds, and which of them it leads. */
  replicas?: ReplicaManager;
  /** Cluster mode only: topics are created in ZooKeeper, for the whole cluster. */
  clusterTopics?: ClusterTopics;
  /**
   * Cluster mode only: topic configs and dynamic broker configs live in ZooKeeper; handlers read
   * and change them there (every broker applies changes through its ConfigSync).
   */
  clusterConfigs?: ClusterConfigs;
  /** The counters /metrics reads; absent when the admin listener is off (kiln.admin.listener=none). */
  metrics?: BrokerMetrics;
}
