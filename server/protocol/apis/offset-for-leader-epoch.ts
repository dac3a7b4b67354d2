/**
 * OffsetForLeaderEpoch (key 23): for each partition, the end offset of a given leader epoch, so a
 * follower or consumer can find where its log diverged. Current leader epochs from v2, the asking
 * replica's id from v3, flexible from v4.
 */
import { arrayOf, defineApi, field, struct } from '../schema.js';

export const OffsetForLeaderEpochApi = defineApi({
  key: 23,
  name: 'OffsetForLeaderEpoch',
  versions: '0-4',
  flexible: '4+',
  request: [
    field('replicaId', 'int32', '3+', { default: -2 }),
    field(
      'topics',
      arrayOf(
        struct([
          field('topic', 'string', '0+'),
          field(
            'partitions',
            arrayOf(
              struct([
                field('partition', 'int32', '0+'),
                field('currentLeaderEpoch', 'int32', '2+', { default: -1 }),
                field('leaderEpoch', 'int32', '0+'),
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
    field('throttleTimeMs', 'int32', '2+'),
    field(
      'topics',
      arrayOf(
        struct([
          field('topic', 'string', '0+'),
          field(
            'partitions',
            arrayOf(
              struct([
                field('errorCode', 'int16', '0+'),
                field('partition', 'int32', '0+'),
                field('leaderEpoch', 'int32', '1+', { default: -1 }),
                field('endOffset', 'int64', '0+', { default: -1 }),
              ]),
            ),
            '0+',
          ),
        ]),
      ),
      '0+',
    ),
  ],
});
