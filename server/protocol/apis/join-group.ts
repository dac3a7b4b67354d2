/**
 * JoinGroup (key 11): a member asks to join a classic consumer group and the coordinator answers
 * with the generation, the chosen protocol, the leader and (for the leader) every member's
 * metadata. Static membership (group instance ids) from v5, flexible from v6, the protocol type
 * echoed back from v7, a join reason from v8 and the skip-assignment flag from v9.
 */
import { arrayOf, defineApi, field, struct } from '../schema.js';

export const JoinGroupApi = defineApi({
  key: 11,
  name: 'JoinGroup',
  versions: '0-9',
  flexible: '6+',
  request: [
    field('groupId', 'string', '0+'),
    field('sessionTimeoutMs', 'int32', '0+'),
    field('rebalanceTimeoutMs', 'int32', '1+', { default: -1 }),
    field('memberId', 'string', '0+'),
    field('groupInstanceId', 'string', '5+', { nullable: '5+', default: null }),
    field('protocolType', 'string', '0+'),
    field(
      'protocols',
      arrayOf(struct([field('name', 'string', '0+'), field('metadata', 'bytes', '0+')])),
      '0+',
    ),
    field('reason', 'string', '8+', { nullable: '8+', default: null }),
  ],
  response: [
    field('throttleTimeMs', 'int32', '2+'),
    field('errorCode', 'int16', '0+'),
    field('generationId', 'int32', '0+', { default: -1 }),
    field('protocolType', 'string', '7+', { nullable: '7+', default: null }),
    field('protocolName', 'string', '0+', { nullable: '7+' }),
    field('leader', 'string', '0+'),
    field('skipAssignment', 'bool', '9+', { default: false }),
    field('memberId', 'string', '0+'),
    field(
      'members',
      arrayOf(
        struct([
          field('memberId', 'string', '0+'),
          field('groupInstanceId', 'string', '5+', { nullable: '5+', default: null }),
          field('metadata', 'bytes', '0+'),
        ]),
      ),
      '0+',
    ),
  ],
});
