/**
 * Every request handler a broker serves, in one registry (which also answers ApiVersions from
 * them): the admin and group APIs, Produce, Fetch, ListOffsets, Metadata, InitProducerId,
 * partition moves and leader elections (the controller's in a cluster, the node's own alone),
 * and in a cluster the controller's requests to brokers (LeaderAndIsr, UpdateMetadata,
 * StopReplica, ControlledShutdown).
 */
import type { BrokerContext } from './broker-context.js';
import type { AppendWaiters } from './cluster/append-waiters.js';
import { ProducerIdAllocator } from './cluster/producer-ids.js';
import type { ClusterMembership } from './cluster/zookeeper/cluster-membership.js';
import { ZkProducerIds } from './cluster/zookeeper/zk-producer-ids.js';
import type { GroupCoordinator } from './group/group-coordinator.js';
import { alterPartitionReassignmentsHandler } from './handlers/admin/alter-partition-reassignments.js';
import { electLeadersHandler } from './handlers/admin/elect-leaders.js';
import { adminHandlers } from './handlers/admin/index.js';
import { listPartitionReassignmentsHandler } from './handlers/admin/list-partition-reassignments.js';
import { singleNodeAdmin, type PartitionAdmin } from './handlers/admin/partition-admin.js';
import { apiVersionsHandler } from './handlers/api-versions.js';
import { fetchHandler } from './handlers/fetch.js';
import { groupHandlers } from './handlers/groups/index.js';
import { initProducerIdHandler } from './handlers/init-producer-id.js';
import { controlledShutdownHandler } from './handlers/inter-broker/controlled-shutdown.js';
import { leaderAndIsrHandler } from './handlers/inter-broker/leader-and-isr.js';
import { stopReplicaHandler } from './handlers/inter-broker/stop-replica.js';
import { updateMetadataHandler } from './handlers/inter-broker/update-metadata.js';
import { listOffsetsHandler } from './handlers/list-offsets.js';
import { metadataHandler } from './handlers/metadata.js';
import { produceHandler } from './handlers/produce.js';
import { HandlerRegistry } from './handlers/registry.js';

export interface BrokerHandlerParts {
  context: BrokerContext;
  coordinator: GroupCoordinator;
  waiters: AppendWaiters;
  /** Cluster mode: this broker's membership; undefined on the single node. */
  membership: ClusterMembership | undefined;
  warn: (message: string) => void;
}

export function buildBrokerRegistry(parts: BrokerHandlerParts): HandlerRegistry {
  const { context, coordinator, waiters, membership } = parts;
  const registry = new HandlerRegistry().countErrorsIn(context.metrics?.requests);
  for (const handler of adminHandlers(context)) registry.register(handler);
  for (const handler of groupHandlers(context, coordinator)) registry.register(handler);
  // Partition moves and leader elections: the controller's in a cluster, the node's own alone.
  const single = singleNodeAdmin(context.topics, context.nodeId);
  const admin = (): PartitionAdmin | undefined => (membership ? membership.controllerWork : single);
  registry.register(electLeadersHandler(admin));
  registry.register(alterPartitionReassignmentsHandler(admin));
  registry.register(listPartitionReassignmentsHandler(admin));
  if (membership && context.replicas) {
    const brokerEpoch = (): number => membership.brokerEpoch;
    registry.register(updateMetadataHandler(membership.metadata, brokerEpoch));
    registry.register(leaderAndIsrHandler(context.replicas, membership.metadata, brokerEpoch));
    registry.register(stopReplicaHandler(context.replicas, membership.metadata, brokerEpoch));
    registry.register(controlledShutdownHandler(() => membership.controllerWork));
  }
  return registry
    .register(apiVersionsHandler(registry))
    .register(metadataHandler(context))
    .register(produceHandler(context, waiters))
    .register(fetchHandler(context, waiters))
    .register(listOffsetsHandler(context))
    .register(
      initProducerIdHandler(
        context,
        // In a cluster the ids come from ZooKeeper, so no two brokers hand out the same one.
        membership
          ? new ZkProducerIds(membership.zk, context.nodeId)
          : new ProducerIdAllocator(context.config.logDirs[0]!, parts.warn),
      ),
    );
}
