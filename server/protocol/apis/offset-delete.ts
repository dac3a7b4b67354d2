/**
 * OffsetDelete (key 47): removes a group's committed offsets for the given partitions, with a
 * group-level error code and one per partition. A single version, never flexible.
 */
import { arrayOf, defineApi, field, struct } from '../schema.js';

export const OffsetDeleteApi = defineApi({
  key: 47,
  name: 'OffsetDelete',
  versions: '0',
  flexible: 'none',
  request: [
    field('groupId', 'string', '0+'),
    field(
      'topics',
      arrayOf(
        struct([
          field('name', 'string', '0+'),
          field('partitions', arrayOf(struct([field('partitionIndex', 'int32', '0+')])), '0+'),
        ]),
      ),
      '0+',
    ),
  ],
  response: [
    field('errorCode', 'int16', '0+'),
    field('throttleTimeMs', 'int32', '0+'),
    field(
      'topics',
      arrayOf(
        struct([
          field('name', 'string', '0+'),
          field(
            'partitions',
            arrayOf(struct([field('partitionIndex', 'int32', '0+'), field('errorCode', 'int16', '0+')])),
            '0+',
          ),
        ]),
      ),
      '0+',
    ),
  ],
});
