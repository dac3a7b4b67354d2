/**
 * OffsetCommit (key 8): a group member stores consumed offsets (with optional metadata) per
 * partition. v1 carries a per-partition commit timestamp, v2-4 a retention time instead, v6 the
 * leader epoch, v7 the group instance id; flexible from v8. v9 is unchanged on the wire: the
 * generation field then carries a member epoch when the new consumer protocol is in use.
 */
import { arrayOf, defineApi, field, struct } from '../schema.js';

export const OffsetCommitApi = defineApi({
  key: 8,
  name: 'OffsetCommit',
  versions: '0-9',
  flexible: '8+',
  request: [
    field('groupId', 'string', '0+'),
    field('generationIdOrMemberEpoch', 'int32', '1+', { default: -1 }),
    field('memberId', 'string', '1+'),
    field('groupInstanceId', 'string', '7+', { nullable: '7+', default: null }),
    field('retentionTimeMs', 'int64', '2-4', { default: -1 }),
    field(
      'topics',
      arrayOf(
        struct([
          field('name', 'string', '0+'),
          field(
            'partitions',
            arrayOf(
              struct([
                field('partitionIndex', 'int32', '0+'),
                field('committedOffset', 'int64', '0+'),
                field('committedLeaderEpoch', 'int32', '6+', { default: -1 }),
                field('commitTimestamp', 'int64', '1', { default: -1 }),
                field('committedMetadata', 'string', '0+', { nullable: '0+' }),
              ]),
            ),
            '0+',
          ),
        ]),
      ),
      '0+',
    ),
  ],
  response: [
    field('throttleTimeMs', 'int32', '3+'),
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
