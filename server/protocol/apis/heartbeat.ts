/**
 * Heartbeat (key 12): a classic group member tells the coordinator it is alive; the error code
 * says whether a rebalance is under way. Group instance ids from v3, flexible from v4.
 */
import { defineApi, field } from '../schema.js';

export const HeartbeatApi = defineApi({
  key: 12,
  name: 'Heartbeat',
  versions: '0-4',
  flexible: '4+',
  request: [
    field('groupId', 'string', '0+'),
    field('generationId', 'int32', '0+'),
    field('memberId', 'string', '0+'),
    field('groupInstanceId', 'string', '3+', { nullable: '3+', default: null }),
  ],
  response: [field('throttleTimeMs', 'int32', '1+'), field('errorCode', 'int16', '0+')],
});
