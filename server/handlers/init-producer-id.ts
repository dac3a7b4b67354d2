/**
 * InitProducerId: a new producer id (epoch 0) for an idempotent producer. Transactions are not
 * supported: a request with a transactional id is refused with TRANSACTIONAL_ID_AUTHORIZATION_FAILED
 * (a non-retriable error, so the client stops instead of retrying forever). A producer that sends
 * its current id and epoch back (v3+) gets the same id with the epoch bumped, as Kafka does for
 * idempotent producers recovering from a sequence error.
 */
import type { BrokerContext } from '../broker-context.js';
import type { ProducerIdAllocator } from '../cluster/producer-ids.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { InitProducerIdApi } from '../protocol/apis/init-producer-id.js';
import type { Handler } from './registry.js';

const MAX_EPOCH = 0x7fff;

export function initProducerIdHandler(broker: BrokerContext, ids: ProducerIdAllocator): Handler {
  return {
    api: InitProducerIdApi,
    handle(request) {
      if (request.transactionalId !== null && request.transactionalId !== '') {
        broker.log.info({ transactionalId: request.transactionalId }, 'transactions are not supported');
        return {
          throttleTimeMs: 0,
          errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
          producerId: -1,
          producerEpoch: -1,
        };
      }
      const currentId = (request.producerId as number | undefined) ?? -1;
      const currentEpoch = (request.producerEpoch as number | undefined) ?? -1;
      if (currentId >= 0 && currentEpoch >= 0 && currentEpoch < MAX_EPOCH - 1) {
        return {
          throttleTimeMs: 0,
          errorCode: ErrorCode.NONE,
          producerId: currentId,
          producerEpoch: currentEpoch + 1,
        };
      }
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId: ids.allocate(), producerEpoch: 0 };
    },
  };
}
