/**
 * InitProducerId: a new producer id (epoch 0) for an idempotent producer.
 *
 * Transactions are not supported: a request with a transactional id is refused with
 * TRANSACTIONAL_ID_AUTHORIZATION_FAILED, the one refusal every client treats as fatal at once —
 * kafkajs, librdkafka and @platformatic/kafka fail the producer's start with "Transactional Id
 * authorization failed" instead of retrying (COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR or a
 * load in progress would be retried until the client's own timeout). Kafka answers the same when
 * a producer may not use its transactional id. The broker says why in a warning, once a minute
 * per transactional id at most, because clients that restart do ask again (and at most 50 lines a
 * minute in all, whatever the ids).
 *
 * Without a transactional id every request gets a fresh id with epoch 0, whatever id and epoch it
 * carries (v3+ fields), as Kafka does: the id a client sends is not proof that it owns it. Some
 * clients send 0/0 when they start, and handing that back (bumped) would give two producers one id
 * — the second one's first records would be taken for the first one's duplicates and dropped.
 */
import type { BrokerContext } from '../broker-context.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { InitProducerIdApi } from '../protocol/apis/init-producer-id.js';
import { HELD, LogThrottle } from '../log-throttle.js';
import { reply, type Handler } from './registry.js';

/** How long a transactional id's refusal is not logged again. */
export const TRANSACTION_WARNING_INTERVAL_MS = 60_000;

/** Hands out producer ids: from a local file on a single node, from ZooKeeper in a cluster. */
export interface ProducerIds {
  allocate(): number | Promise<number>;
}

export function initProducerIdHandler(
  broker: BrokerContext,
  ids: ProducerIds,
): Handler<typeof InitProducerIdApi> {
  // A client naming ever new transactional ids gets at most 50 lines a minute (log-throttle.ts).
  const warnings = new LogThrottle({
    intervalMs: TRANSACTION_WARNING_INTERVAL_MS,
    onHeld: (held) => broker.log.warn({ held }, `${held} more transactional producer(s) refused, not logged`),
  });
  const warnOnce = (transactionalId: string, clientId: string | null): void => {
    if (warnings.admit(transactionalId) === HELD) return;
    broker.log.warn(
      { clientId, transactionalId },
      'transactions are not supported: a transactional producer is refused with TRANSACTIONAL_ID_AUTHORIZATION_FAILED; idempotent producers (no transactional.id) work',
    );
  };
  return {
    api: InitProducerIdApi,
    async handle(request, _version, context) {
      const { transactionalId } = request;
      if (transactionalId !== null && transactionalId !== '') {
        warnOnce(transactionalId, context.header.clientId);
        return reply(InitProducerIdApi, {
          throttleTimeMs: 0,
          errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
          producerId: -1,
          producerEpoch: -1,
        });
      }
      try {
        return reply(InitProducerIdApi, {
          throttleTimeMs: 0,
          errorCode: ErrorCode.NONE,
          producerId: await ids.allocate(),
          producerEpoch: 0,
        });
      } catch (err) {
        // The next block could not be recorded (a full disk): no id is handed out unrecorded. The
        // error is retriable; the client asks again.
        broker.log.error({ err }, 'cannot record a block of producer ids');
        return reply(InitProducerIdApi, {
          throttleTimeMs: 0,
          errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE,
          producerId: -1,
          producerEpoch: -1,
        });
      }
    },
  };
}
