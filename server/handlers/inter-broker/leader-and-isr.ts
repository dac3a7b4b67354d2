/**
 * LeaderAndIsr (cluster mode): the controller tells this broker which partitions it holds, and
 * for each the leader, leader epoch, ISR and replicas; the replica manager makes the logs and
 * takes the roles (server/cluster/replica-manager.ts). Refused whole with STALE_BROKER_EPOCH
 * (meant for an earlier life of this broker) or STALE_CONTROLLER_EPOCH (from a controller older
 * than one already heard from); otherwise one error code per partition.
 */
import type { MetadataCache } from '../../cluster/metadata-cache.js';
import type { ReplicaManager } from '../../cluster/replica-manager.js';
import { LeaderAndIsrApi } from '../../protocol/apis/leader-and-isr.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { reply, type Handler } from '../registry.js';
import { controllerRequestError } from './update-metadata.js';

export function leaderAndIsrHandler(
  replicas: ReplicaManager,
  cache: MetadataCache,
  brokerEpoch: () => number,
): Handler<typeof LeaderAndIsrApi> {
  return {
    api: LeaderAndIsrApi,
    async handle(request) {
      const refused = controllerRequestError(request, cache, brokerEpoch());
      if (refused !== ErrorCode.NONE)
        return reply(LeaderAndIsrApi, { errorCode: refused, partitionErrors: [] });
      cache.heardFrom(request.controllerId, request.controllerEpoch);
      const partitionErrors = await replicas.becomeLeaderOrFollower(request);
      return reply(LeaderAndIsrApi, { errorCode: ErrorCode.NONE, partitionErrors });
    },
  };
}
