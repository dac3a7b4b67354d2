/**
 * Metadata (key 3): brokers, the controller and the topics with their partitions. Flexible from
 * v9; topic ids from v10 (a request may name topics by id, with a null name).
 */
import { arrayOf, defineApi, field, struct } from '../schema.js';

const UNKNOWN_OPERATIONS = -2147483648;

export const MetadataApi = defineApi({
  key: 3,
  name: 'Metadata',
  versions: '0-12',
  flexible: '9+',
  request: [
    field(
      'topics',
      arrayOf(struct([field('topicId', 'uuid', '10+'), field('name', 'string', '0+', { nullable: '10+' })])),
      '0+',
      { nullable: '1+' },
    ),
    field('allowAutoTopicCreation', 'bool', '4+', { default: true }),
    field('includeClusterAuthorizedOperations', 'bool', '8-10'),
    field('includeTopicAuthorizedOperations', 'bool', '8+'),
  ],
  response: [
    field('throttleTimeMs', 'int32', '3+'),
    field(
      'brokers',
      arrayOf(
        struct([
          field('nodeId', 'int32', '0+'),
          field('host', 'string', '0+'),
          field('port', 'int32', '0+'),
          field('rack', 'string', '1+', { nullable: '1+', default: null }),
        ]),
      ),
      '0+',
    ),
    field('clusterId', 'string', '2+', { nullable: '2+', default: null }),
    field('controllerId', 'int32', '1+', { default: -1 }),
    field(
      'topics',
      arrayOf(
        struct([
          field('errorCode', 'int16', '0+'),
          field('name', 'string', '0+', { nullable: '12+' }),
          field('topicId', 'uuid', '10+'),
          field('isInternal', 'bool', '1+', { default: false }),
          field(
            'partitions',
            arrayOf(
              struct([
                field('errorCode', 'int16', '0+'),
                field('partitionIndex', 'int32', '0+'),
                field('leaderId', 'int32', '0+'),
                field('leaderEpoch', 'int32', '7+', { default: -1 }),
                field('replicaNodes', arrayOf('int32'), '0+'),
                field('isrNodes', arrayOf('int32'), '0+'),
                field('offlineReplicas', arrayOf('int32'), '5+'),
              ]),
            ),
            '0+',
          ),
          field('topicAuthorizedOperations', 'int32', '8+', { default: UNKNOWN_OPERATIONS }),
        ]),
      ),
      '0+',
    ),
    field('clusterAuthorizedOperations', 'int32', '8-10', { default: UNKNOWN_OPERATIONS }),
  ],
});
