/**
 * InitProducerId: a new producer id (epoch 0) for an idempotent producer. Transactions are not
 * supported: a request with a transactional id is refused with TRANSACTIONAL_ID_AUTHORIZATION_FAILED
 * (a non-retriable error, so the client stops instead of retrying forever).
 *
 * Without a transactional id every request gets a fresh id with epoch 0, whatever id and epoch it
 * carries (v3+ fields), as Kafka does: the id a client sends is not proof that it owns it. Some
 * clients send 0/0 when they start, and handing that back (bumped) would give two producers one id
 * — the second one's first records would be taken for the first one's duplicates and dropped.
 */
import type { BrokerContext } from '../broker-context.js';
import type { ProducerIdAllocator } from '../cluster/producer-ids.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { InitProducerIdApi } from '../protocol/apis/init-producer-id.js';
import type { Handler } from './registry.js';

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
      try {
        return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId: ids.allocate(), producerEpoch: 0 };
      } catch (err) {
        // The next block could not be recorded (a full disk): no id is handed out unrecorded. The
        // error is retriable; the client asks again.
        broker.log.error({ err }, 'cannot record a block of producer ids');
        return {
          throttleTimeMs: 0,
          errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE,
          producerId: -1,
          producerEpoch: -1,
        };
      }
    },
  };
}
