/**
 * What the admin JSON API reads from the broker, and the one moment it is read: `runningParts`
 * takes the parts that come and go with the broker (logs, the group coordinator, the cluster)
 * once per request, so a view is built from one set of them, or the request is answered 503.
 * Nothing here is kept between requests: the API costs nothing until one arrives.
 */
import type { LogManager } from '../../../engine/index.js';
import type { ClusterConfigs } from '../../cluster/cluster-configs.js';
import type { MetadataCache } from '../../cluster/metadata-cache.js';
import type { ReplicaManager } from '../../cluster/replica-manager.js';
import type { TopicStore } from '../../cluster/topic-store.js';
import type { ClusterMembership } from '../../cluster/zookeeper/cluster-membership.js';
import type { GroupCoordinator } from '../../group/group-coordinator.js';
import type { BrokerMetrics } from '../../metrics/broker-metrics.js';

export interface ApiSources {
  brokerId: number;
  clusterId: string;
  version: string;
  startedMs: number;
  /** This broker's Kafka listener as clients are told it, and its rack. */
  advertised: { host: string; port: number };
  rack: string | null;
  /** This broker's admin listener (`http://host:port`). */
  adminUrl: () => string | null;
  /** The topics this broker holds (every topic on a single node). */
  topics: TopicStore;
  /** Cluster mode: the topics' overrides in ZooKeeper (read for a topic not held here). */
  clusterConfigs: ClusterConfigs | undefined;
  metrics: BrokerMetrics;
  logs: () => LogManager | undefined;
  replicas: () => ReplicaManager | undefined;
  membership: () => ClusterMembership | undefined;
  coordinator: () => GroupCoordinator | undefined;
  /** The same answer as /readyz. */
  ready: () => boolean;
  now?: () => number;
}

/** The parts of a running broker, read once for one request. */
export interface RunningParts {
  sources: ApiSources;
  logs: LogManager;
  coordinator: GroupCoordinator;
  topics: TopicStore;
  /** Cluster mode only. */
  replicas: ReplicaManager | undefined;
  membership: ClusterMembership | undefined;
  metadata: MetadataCache | undefined;
  now: number;
}

/** The broker's parts, or undefined while it does not run them (starting or stopping: a 503). */
export function runningParts(sources: ApiSources): RunningParts | undefined {
  const logs = sources.logs();
  const coordinator = sources.coordinator();
  if (!logs || !coordinator) return undefined;
  const membership = sources.membership();
  const replicas = sources.replicas();
  // A cluster broker without its replica manager is stopping.
  if (membership && !replicas) return undefined;
  return {
    sources,
    logs,
    coordinator,
    topics: sources.topics,
    replicas,
    membership,
    metadata: membership?.metadata,
    now: sources.now?.() ?? Date.now(),
  };
}
