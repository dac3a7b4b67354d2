/**
 * UpdateMetadata (cluster mode): the controller tells this broker the live brokers and every
 * partition's leader, replicas and ISR; the metadata cache (server/cluster/metadata-cache.ts)
 * takes it all, and Metadata requests are answered from it. Refused, as Kafka refuses them:
 * - STALE_BROKER_EPOCH: the request names a broker epoch older than this broker's registration
 *   (it was meant for an earlier life of this broker, before a restart or a new session);
 * - STALE_CONTROLLER_EPOCH: it comes from a controller older than one already heard from.
 */
import type { MetadataCache } from '../../cluster/metadata-cache.js';
import { UpdateMetadataApi } from '../../protocol/apis/update-metadata.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { reply, type Handler } from '../registry.js';

/**
 * Why a controller's request must be refused whole, or NONE: STALE_BROKER_EPOCH when it names a
 * broker epoch this broker has outlived (-1: not given, old versions), STALE_CONTROLLER_EPOCH when
 * it comes from a controller older than one already heard from. The same for LeaderAndIsr,
 * UpdateMetadata and StopReplica.
 */
export function controllerRequestError(
  request: { brokerEpoch: number; controllerEpoch: number },
  cache: MetadataCache,
  brokerEpoch: number,
): number {
  if (request.brokerEpoch !== -1 && request.brokerEpoch < brokerEpoch) return ErrorCode.STALE_BROKER_EPOCH;
  if (cache.isStale(request.controllerEpoch)) return ErrorCode.STALE_CONTROLLER_EPOCH;
  return ErrorCode.NONE;
}

export function updateMetadataHandler(
  cache: MetadataCache,
  brokerEpoch: () => number,
): Handler<typeof UpdateMetadataApi> {
  return {
    api: UpdateMetadataApi,
    handle(request) {
      const refused = controllerRequestError(request, cache, brokerEpoch());
      if (refused !== ErrorCode.NONE) return reply(UpdateMetadataApi, { errorCode: refused });
      cache.update(request);
      return reply(UpdateMetadataApi, { errorCode: ErrorCode.NONE });
    },
  };
}
