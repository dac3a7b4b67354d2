/**
 * SyncGroup (key 14): after a join, the leader hands the coordinator every member's assignment
 * and each member gets its own back. Group instance ids from v3, flexible from v4, and from v5
 * both sides state the protocol type and name so the coordinator can check them.
 */
import { arrayOf, defineApi, field, struct } from '../schema.js';

export const SyncGroupApi = defineApi({
  key: 14,
  name: 'SyncGroup',
  versions: '0-5',
  flexible: '4+',
  request: [
    field('groupId', 'string', '0+'),
    field('generationId', 'int32', '0+'),
    field('memberId', 'string', '0+'),
    field('groupInstanceId', 'string', '3+', { nullable: '3+', default: null }),
    field('protocolType', 'string', '5+', { nullable: '5+', default: null }),
    field('protocolName', 'string', '5+', { nullable: '5+', default: null }),
    field(
      'assignments',
      arrayOf(struct([field('memberId', 'string', '0+'), field('assignment', 'bytes', '0+')])),
      '0+',
    ),
  ],
  response: [
    field('throttleTimeMs', 'int32', '1+'),
    field('errorCode', 'int16', '0+'),
    field('protocolType', 'string', '5+', { nullable: '5+', default: null }),
    field('protocolName', 'string', '5+', { nullable: '5+', default: null }),
    field('assignment', 'bytes', '0+'),
  ],
});
