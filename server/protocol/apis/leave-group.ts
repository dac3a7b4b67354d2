/**
 * LeaveGroup (key 13): members leave a classic group. Up to v2 one member id; from v3 a batch of
 * members (each with an optional group instance id) with a result per member. Flexible from v4;
 * a per-member leave reason from v5.
 */
import { arrayOf, defineApi, field, struct } from '../schema.js';

export const LeaveGroupApi = defineApi({
  key: 13,
  name: 'LeaveGroup',
  versions: '0-5',
  flexible: '4+',
  request: [
    field('groupId', 'string', '0+'),
    field('memberId', 'string', '0-2'),
    field(
      'members',
      arrayOf(
        struct([
          field('memberId', 'string', '3+'),
          field('groupInstanceId', 'string', '3+', { nullable: '3+', default: null }),
          field('reason', 'string', '5+', { nullable: '5+', default: null }),
        ]),
      ),
      '3+',
    ),
  ],
  response: [
    field('throttleTimeMs', 'int32', '1+'),
    field('errorCode', 'int16', '0+'),
    field(
      'members',
      arrayOf(
        struct([
          field('memberId', 'string', '3+'),
          field('groupInstanceId', 'string', '3+', { nullable: '3+' }),
          field('errorCode', 'int16', '3+'),
        ]),
      ),
      '3+',
    ),
  ],
});
