/**
 * DescribeGroups (key 15): the state, protocol and members (with their metadata and assignments)
 * of named classic groups. Throttle time from v1, authorized operations from v3, member group
 * instance ids from v4, flexible from v5.
 */
import { arrayOf, defineApi, field, struct } from '../schema.js';

const UNKNOWN_OPERATIONS = -2147483648;

export const DescribeGroupsApi = defineApi({
  key: 15,
  name: 'DescribeGroups',
  versions: '0-5',
  flexible: '5+',
  request: [field('groups', arrayOf('string'), '0+'), field('includeAuthorizedOperations', 'bool', '3+')],
  response: [
    field('throttleTimeMs', 'int32', '1+'),
    field(
      'groups',
      arrayOf(
        struct([
          field('errorCode', 'int16', '0+'),
          field('groupId', 'string', '0+'),
          field('groupState', 'string', '0+'),
          field('protocolType', 'string', '0+'),
          field('protocolData', 'string', '0+'),
          field(
            'members',
            arrayOf(
              struct([
                field('memberId', 'string', '0+'),
                field('groupInstanceId', 'string', '4+', { nullable: '4+', default: null }),
                field('clientId', 'string', '0+'),
                field('clientHost', 'string', '0+'),
                field('memberMetadata', 'bytes', '0+'),
                field('memberAssignment', 'bytes', '0+'),
              ]),
            ),
            '0+',
          ),
          field('authorizedOperations', 'int32', '3+', { default: UNKNOWN_OPERATIONS }),
        ]),
      ),
      '0+',
    ),
  ],
});
