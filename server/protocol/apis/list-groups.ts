/**
 * ListGroups (key 16): every group this broker coordinates, with its protocol type. Flexible from
 * v3; v4 lets the request filter by group state and returns each group's state, v5 does the same
 * for the group type.
 */
import { arrayOf, defineApi, field, struct } from '../schema.js';

export const ListGroupsApi = defineApi({
  key: 16,
  name: 'ListGroups',
  versions: '0-5',
  flexible: '3+',
  request: [field('statesFilter', arrayOf('string'), '4+'), field('typesFilter', arrayOf('string'), '5+')],
  response: [
    field('throttleTimeMs', 'int32', '1+'),
    field('errorCode', 'int16', '0+'),
    field(
      'groups',
      arrayOf(
        struct([
          field('groupId', 'string', '0+'),
          field('protocolType', 'string', '0+'),
          field('groupState', 'string', '4+'),
          field('groupType', 'string', '5+'),
        ]),
      ),
      '0+',
    ),
  ],
});
