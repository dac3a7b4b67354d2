/**
 * OffsetFetch (key 9): the committed offsets of a group, for the named partitions or (from v2, with
 * a null topic list) for all of them. A top-level error code from v2, throttle time from v3, the
 * leader epoch from v5, flexible from v6, the require-stable flag from v7; from v8 one request
 * covers several groups, and v9 adds the member id and epoch of the new consumer protocol.
 */
import { arrayOf, defineApi, field, struct } from '../schema.js';

export const OffsetFetchApi = defineApi({
  key: 9,
  name: 'OffsetFetch',
  versions: '0-9',
  flexible: '6+',
  request: [
    field('groupId', 'string', '0-7'),
    field(
      'topics',
      arrayOf(struct([field('name', 'string', '0-7'), field('partitionIndexes', arrayOf('int32'), '0-7')])),
      '0-7',
      { nullable: '2-7' },
    ),
    field(
      'groups',
      arrayOf(
        struct([
          field('groupId', 'string', '8+'),
          field('memberId', 'string', '9+', { nullable: '9+', default: null }),
          field('memberEpoch', 'int32', '9+', { default: -1 }),
          field(
            'topics',
            arrayOf(
              struct([field('name', 'string', '8+'), field('partitionIndexes', arrayOf('int32'), '8+')]),
            ),
            '8+',
            { nullable: '8+' },
          ),
        ]),
      ),
      '8+',
    ),
    field('requireStable', 'bool', '7+', { default: false }),
  ],
  response: [
    field('throttleTimeMs', 'int32', '3+'),
    field(
      'topics',
      arrayOf(
        struct([
          field('name', 'string', '0-7'),
          field(
            'partitions',
            arrayOf(
              struct([
                field('partitionIndex', 'int32', '0-7'),
                field('committedOffset', 'int64', '0-7'),
                field('committedLeaderEpoch', 'int32', '5-7', { default: -1 }),
                field('metadata', 'string', '0-7', { nullable: '0-7' }),
                field('errorCode', 'int16', '0-7'),
              ]),
            ),
            '0-7',
          ),
        ]),
      ),
      '0-7',
    ),
    field('errorCode', 'int16', '2-7', { default: 0 }),
    field(
      'groups',
      arrayOf(
        struct([
          field('groupId', 'string', '8+'),
          field(
            'topics',
            arrayOf(
              struct([
                field('name', 'string', '8+'),
                field(
                  'partitions',
                  arrayOf(
                    struct([
                      field('partitionIndex', 'int32', '8+'),
                      field('committedOffset', 'int64', '8+'),
                      field('committedLeaderEpoch', 'int32', '8+', { default: -1 }),
                      field('metadata', 'string', '8+', { nullable: '8+' }),
                      field('errorCode', 'int16', '8+'),
                    ]),
                  ),
                  '8+',
                ),
              ]),
            ),
            '8+',
          ),
          field('errorCode', 'int16', '8+', { default: 0 }),
        ]),
      ),
      '8+',
    ),
  ],
});
