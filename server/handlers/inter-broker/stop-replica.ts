/**
 * StopReplica (cluster mode): the controller tells this broker to stop being a replica of some
 * partitions, deleting their data when `deletePartitions` is set (a topic being deleted, or a
 * replica a partition move removed). Refused
 * whole, as LeaderAndIsr is, with STALE_BROKER_EPOCH or STALE_CONTROLLER_EPOCH.
 */
import type { MetadataCache } from '../../cluster/metadata-cache.js';
import type { ReplicaManager } from '../../cluster/replica-manager.js';
import { StopReplicaApi } from '../../protocol/apis/stop-replica.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { reply, type Handler } from '../registry.js';
import { controllerRequestError } from './update-metadata.js';

export function stopReplicaHandler(
  replicas: ReplicaManager,
  cache: MetadataCache,
  brokerEpoch: () => number,
): Handler<typeof StopReplicaApi> {
  return {
    api: StopReplicaApi,
    async handle(request) {
      const refused = controllerRequestError(request, cache, brokerEpoch());
      if (refused !== ErrorCode.NONE)
        return reply(StopReplicaApi, { errorCode: refused, partitionErrors: [] });
      cache.heardFrom(request.controllerId, request.controllerEpoch);
      const partitions = [
        ...request.ungroupedPartitions.map((p) => ({ topic: p.topicName, partition: p.partitionIndex })),
        ...request.topics.flatMap((t) =>
          t.partitionIndexes.map((partition) => ({ topic: t.name, partition })),
        ),
      ];
      const partitionErrors = await replicas.stopReplicas(partitions, request.deletePartitions);
      return reply(StopReplicaApi, { errorCode: ErrorCode.NONE, partitionErrors });
    },
  };
}
