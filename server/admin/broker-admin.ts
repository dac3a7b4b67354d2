/**
 * The admin listener of one broker: its metrics registry and readiness read from the broker's
 * parts through getters (they come and go as the broker starts and stops, and a cluster's
 * replicas change under it).
 */
import type { LogManager } from '../../engine/index.js';
import type { MetadataCache } from '../cluster/metadata-cache.js';
import type { ReplicaManager } from '../cluster/replica-manager.js';
import type { ClusterMembership } from '../cluster/zookeeper/cluster-membership.js';
import type { GroupCoordinator } from '../group/group-coordinator.js';
import type { BrokerMetrics } from '../metrics/broker-metrics.js';
import { buildMetricsRegistry } from '../metrics/metrics-registry.js';
import { AdminListener } from './admin-listener.js';

export interface BrokerParts {
  brokerId: number;
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

export function startBrokerAdmin(host: string, port: number, parts: BrokerParts): Promise<AdminListener> {
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
  return AdminListener.start(host, port, {
    metrics: registry,
    warn: parts.warn,
    readiness: {
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
    },
  });
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
