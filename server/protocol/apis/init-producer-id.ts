/**
 * InitProducerId (key 22): a producer id and epoch for an idempotent or transactional producer.
 * Flexible from v2; from v3 a producer may send its current id and epoch to have the epoch bumped
 * instead of getting a new id.
 */
import { defineApi, field } from '../schema.js';

export const InitProducerIdApi = defineApi({
  key: 22,
  name: 'InitProducerId',
  versions: '0-4',
  flexible: '2+',
  request: [
    field('transactionalId', 'string', '0+', { nullable: '0+', default: null }),
    field('transactionTimeoutMs', 'int32', '0+'),
    field('producerId', 'int64', '3+', { default: -1 }),
    field('producerEpoch', 'int16', '3+', { default: -1 }),
  ],
  response: [
    field('throttleTimeMs', 'int32', '0+'),
    field('errorCode', 'int16', '0+'),
    field('producerId', 'int64', '0+', { default: -1 }),
    field('producerEpoch', 'int16', '0+'),
  ],
});
