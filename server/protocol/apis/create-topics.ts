/**
 * CreateTopics (key 19): creates topics with a partition count and replication factor, or with an
 * explicit replica assignment, plus per-topic config overrides. `validateOnly` from v1; flexible
 * from v5, where the response also reports each new topic's partitions, replication factor and
 * configs; the response carries the new topic's id from v7.
 */
import { arrayOf, defineApi, field, struct } from '../schema.js';

export const CreateTopicsApi = defineApi({
  key: 19,
  name: 'CreateTopics',
  versions: '0-7',
  flexible: '5+',
  request: [
    field(
      'topics',
      arrayOf(
        struct([
          field('name', 'string', '0+'),
          field('numPartitions', 'int32', '0+'),
          field('replicationFactor', 'int16', '0+'),
          field(
            'assignments',
            arrayOf(
              struct([field('partitionIndex', 'int32', '0+'), field('brokerIds', arrayOf('int32'), '0+')]),
            ),
            '0+',
          ),
          field(
            'configs',
            arrayOf(
              struct([field('name', 'string', '0+'), field('value', 'string', '0+', { nullable: '0+' })]),
            ),
            '0+',
          ),
        ]),
      ),
      '0+',
    ),
    field('timeoutMs', 'int32', '0+', { default: 60000 }),
    field('validateOnly', 'bool', '1+', { default: false }),
  ],
  response: [
    field('throttleTimeMs', 'int32', '2+'),
    field(
      'topics',
      arrayOf(
        struct([
          field('name', 'string', '0+'),
          field('topicId', 'uuid', '7+'),
          field('errorCode', 'int16', '0+'),
          field('errorMessage', 'string', '1+', { nullable: '1+', default: null }),
          field('topicConfigErrorCode', 'int16', '5+', { tag: 0 }),
          field('numPartitions', 'int32', '5+', { default: -1 }),
          field('replicationFactor', 'int16', '5+', { default: -1 }),
          field(
            'configs',
            arrayOf(
              struct([
                field('name', 'string', '5+'),
                field('value', 'string', '5+', { nullable: '5+' }),
                field('readOnly', 'bool', '5+'),
                field('configSource', 'int8', '5+', { default: -1 }),
                field('isSensitive', 'bool', '5+'),
              ]),
            ),
            '5+',
            { nullable: '5+' },
          ),
        ]),
      ),
      '0+',
    ),
  ],
});
