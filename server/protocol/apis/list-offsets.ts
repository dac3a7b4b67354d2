/**
 * ListOffsets (key 2): the offset of each partition for a timestamp, or the earliest or latest offset
 * (timestamps -2 and -1). Isolation level from v2, leader epochs from v4, flexible from v6; later
 * versions only add new special timestamps, not fields.
 */
import { arrayOf, defineApi, field, struct } from '../schema.js';

export const ListOffsetsApi = defineApi({
  key: 2,
  name: 'ListOffsets',
  versions: '1-8',
  flexible: '6+',
  request: [
    field('replicaId', 'int32', '0+'),
    field('isolationLevel', 'int8', '2+'),
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
                field('currentLeaderEpoch', 'int32', '4+', { default: -1 }),
                field('timestamp', 'int64', '0+'),
                field('maxNumOffsets', 'int32', '0', { default: 1 }),
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
          field('name', 'string', '0+'),
          field(
            'partitions',
            arrayOf(
              struct([
                field('partitionIndex', 'int32', '0+'),
                field('errorCode', 'int16', '0+'),
                field('oldStyleOffsets', arrayOf('int64'), '0'),
                field('timestamp', 'int64', '1+', { default: -1 }),
                field('offset', 'int64', '1+', { default: -1 }),
                field('leaderEpoch', 'int32', '4+', { default: -1 }),
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
