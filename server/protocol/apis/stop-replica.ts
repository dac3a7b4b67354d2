/**
 * StopReplica (key 5): the controller tells a broker to stop replicating some partitions, and
 * whether to delete them as well (a topic being deleted, or a replica moved away). From v1 the
 * broker epoch, and the partitions are grouped by topic (v0 lists topic-partition pairs); flexible
 * from v2. The response is the same in every version: an error code, and one per partition.
 */
import { arrayOf, defineApi, field, struct } from '../schema.js';

export const StopReplicaApi = defineApi({
  key: 5,
  name: 'StopReplica',
  versions: '0-2',
  flexible: '2+',
  request: [
    field('controllerId', 'int32', '0+'),
    field('controllerEpoch', 'int32', '0+'),
    field('brokerEpoch', 'int64', '1+', { default: -1 }),
    field('deletePartitions', 'bool', '0+'),
    field(
      'ungroupedPartitions',
      arrayOf(struct([field('topicName', 'string', '0'), field('partitionIndex', 'int32', '0')])),
      '0',
    ),
    field(
      'topics',
      arrayOf(struct([field('name', 'string', '1+'), field('partitionIndexes', arrayOf('int32'), '1+')])),
      '1+',
    ),
  ],
  response: [
    field('errorCode', 'int16', '0+'),
    field(
      'partitionErrors',
      arrayOf(
        struct([
          field('topicName', 'string', '0+'),
          field('partitionIndex', 'int32', '0+'),
          field('errorCode', 'int16', '0+'),
        ]),
      ),
      '0+',
    ),
  ],
});
