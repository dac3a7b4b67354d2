/**
 * ControlledShutdown (cluster mode): a broker about to stop asks the controller to move its
 * leaderships first (server/cluster/controller/controller.ts controlledShutdown); the answer
 * lists the partitions it still leads, and the broker asks again until none is left or it gives
 * up. Only the active controller answers: any other broker says NOT_CONTROLLER, and the asking
 * broker looks the controller up again. A brokerEpoch (v2+) older than the broker's registration
 * is STALE_BROKER_EPOCH: the request comes from an earlier life of that broker.
 *
 * Served from v1: a v0 request comes with a request header without a client id (Kafka's only
 * exception to header v1), which the registry does not read; brokers since Kafka 0.9 send v1+.
 */
import type { ControlledShutdownResult } from '../../cluster/controller/controller.js';
import { ControlledShutdownApi } from '../../protocol/apis/controlled-shutdown.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { reply, type Handler } from '../registry.js';

/** What the handler needs of the controller (controller/controller.ts Controller). */
export interface ShutdownController {
  readonly isActive: boolean;
  controlledShutdown(brokerId: number, brokerEpoch: number): Promise<ControlledShutdownResult>;
}

/** ControlledShutdown's schema, served from v1 (see above). */
const SERVED: typeof ControlledShutdownApi = {
  ...ControlledShutdownApi,
  versions: { min: 1, max: ControlledShutdownApi.versions.max },
};

/** `controller` gives this broker's controller work (undefined before the broker registered). */
export function controlledShutdownHandler(
  controller: () => ShutdownController | undefined,
): Handler<typeof ControlledShutdownApi> {
  return {
    api: SERVED,
    async handle(request) {
      const c = controller();
      const result =
        c && c.isActive
          ? await c.controlledShutdown(request.brokerId, request.brokerEpoch)
          : { errorCode: ErrorCode.NOT_CONTROLLER, remaining: [] };
      return reply(ControlledShutdownApi, {
        errorCode: result.errorCode,
        remainingPartitions: result.remaining.map((p) => ({
          topicName: p.topic,
          partitionIndex: p.partition,
        })),
      });
    },
  };
}
