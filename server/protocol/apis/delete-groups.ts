/**
 * DeleteGroups (key 42): deletes empty consumer groups by id, with an error code per group.
 * Flexible from v2.
 */
import { arrayOf, defineApi, field, struct } from '../schema.js';

export const DeleteGroupsApi = defineApi({
  key: 42,
  name: 'DeleteGroups',
  versions: '0-2',
  flexible: '2+',
  request: [field('groupsNames', arrayOf('string'), '0+')],
  response: [
    field('throttleTimeMs', 'int32', '0+'),
    field(
      'results',
      arrayOf(struct([field('groupId', 'string', '0+'), field('errorCode', 'int16', '0+')])),
      '0+',
    ),
  ],
});
