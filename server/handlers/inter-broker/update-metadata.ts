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

/** Whether a request's broker epoch is one this broker has outlived (-1: not given, old versions). */
export function isBrokerEpochStale(requestEpoch: number, current: number): boolean {
  return requestEpoch !== -1 && requestEpoch < current;
}

export function updateMetadataHandler(
  cache: MetadataCache,
  brokerEpoch: () => number,
): Handler<typeof UpdateMetadataApi> {
  return {
    api: UpdateMetadataApi,
    handle(request) {
      if (isBrokerEpochStale(request.brokerEpoch, brokerEpoch())) {
        return reply(UpdateMetadataApi, { errorCode: ErrorCode.STALE_BROKER_EPOCH });
      }
      if (cache.isStale(request.controllerEpoch)) {
        return reply(UpdateMetadataApi, { errorCode: ErrorCode.STALE_CONTROLLER_EPOCH });
      }
      cache.update(request);
      return reply(UpdateMetadataApi, { errorCode: ErrorCode.NONE });
    },
  };
}
