/**
 * The admin listener of one broker: its metrics registry, readiness and JSON API read from the
 * broker's parts through getters (they come and go as the broker starts and stops, and a cluster's
 * replicas change under it).
 */
import type { LogManager } from '../../engine/index.js';
import type { BrokerContext } from '../broker-context.js';
import type { MetadataCache } from '../cluster/metadata-cache.js';
import type { ReplicaManager } from '../cluster/replica-manager.js';
import { kilnVersion } from '../config/kiln-version.js';
import type { ClusterMembership } from '../cluster/zookeeper/cluster-membership.js';
import type { GroupCoordinator } from '../group/group-coordinator.js';
import type { BrokerMetrics } from '../metrics/broker-metrics.js';
import { buildMetricsRegistry } from '../metrics/metrics-registry.js';
import { AdminListener } from './admin-listener.js';
import type { ApiSources } from './api/api-sources.js';
import { readiness, type ReadinessSources } from './readiness.js';

export interface BrokerParts {
  brokerId: number;
  /** What the handlers share: the cluster id, the advertised listener, the topics, the configs. */
  context: BrokerContext;
  metrics: BrokerMetrics;
  logs: () => LogManager | undefined;
  replicas: () => ReplicaManager | undefined;
  membership: () => ClusterMembership | undefined;
  coordinator: () => GroupCoordinator | undefined;
  /** The Kafka listener's open connections, or undefined while it is not open. */
  connections: () => number | undefined;
  apiName: (apiKey: number) => string | undefined;
  warn: (message: string) => void;
}

export async function startBrokerAdmin(
  host: string,
  port: number,
  parts: BrokerParts,
): Promise<AdminListener> {
  const registry = buildMetricsRegistry({
    metrics: parts.metrics,
    apiName: parts.apiName,
    connections: () => parts.connections() ?? 0,
    logs: parts.logs,
    replicas: parts.replicas,
    metadata: () => parts.membership()?.metadata,
    // A single node is its own controller.
    isController: () => {
      const membership = parts.membership();
      return membership ? membership.isController : parts.logs() !== undefined;
    },
    offsets: () => parts.coordinator()?.store,
  });
  const readinessSources = brokerReadiness(parts);
  // When the broker began serving (its admin listener opens right after its Kafka listener).
  const startedMs = Date.now();
  // Known once it listens (port 0 binds any free port).
  const bound: { listener?: AdminListener } = {};
  const api: ApiSources = {
    brokerId: parts.brokerId,
    clusterId: parts.context.clusterId,
    version: kilnVersion(),
    startedMs,
    advertised: parts.context.advertised,
    rack: parts.context.config.rack,
    adminUrl: () =>
      bound.listener ? `http://${host.includes(':') ? `[${host}]` : host}:${bound.listener.port}` : null,
    topics: parts.context.topics.store,
    clusterConfigs: parts.context.clusterConfigs,
    metrics: parts.metrics,
    logs: parts.logs,
    replicas: parts.replicas,
    membership: parts.membership,
    coordinator: parts.coordinator,
    ready: () => readiness(readinessSources).ready,
  };
  bound.listener = await AdminListener.start(host, port, {
    metrics: registry,
    warn: parts.warn,
    readiness: readinessSources,
    api,
  });
  return bound.listener;
}

function brokerReadiness(parts: BrokerParts): ReadinessSources {
  return {
    dataLoaded: () => {
      const coordinator = parts.coordinator();
      return parts.logs() !== undefined && coordinator !== undefined && !coordinator.isLoading;
    },
    listenerOpen: () => parts.connections() !== undefined,
    cluster: () => {
      const membership = parts.membership();
      if (!membership) return undefined;
      return {
        brokerId: parts.brokerId,
        registered: membership.brokerEpoch >= 0,
        connected: membership.zk.isConnected,
        described: membership.metadata.hasBeenDescribed,
        partitions: followedPartitions(parts.replicas(), membership.metadata),
      };
    },
  };
}

/**
 * The partitions held here with their leader and ISR. A follower's own state is what the
 * controller last said in LeaderAndIsr; the ISR a leader grows or shrinks reaches the other brokers
 * through UpdateMetadata, so the metadata cache has the newer ISR.
 */
function* followedPartitions(
  replicas: ReplicaManager | undefined,
  metadata: MetadataCache,
): Generator<[string, { leader: number; isr: readonly number[] }]> {
  if (!replicas) return;
  for (const [key, state] of replicas.held()) {
    const dash = key.lastIndexOf('-');
    const cached = metadata.partition(key.slice(0, dash), Number(key.slice(dash + 1)));
    yield [key, { leader: state.leader, isr: cached?.isr ?? state.isr }];
  }
}
