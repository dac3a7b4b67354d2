/**
 * LeaderAndIsr (key 4): the controller tells a broker, stamped with the controller's epoch, which
 * partitions it now leads or follows — each with its leader, leader epoch, ISR, replica set and
 * the znode version of that state — and where the leaders listen. Whether the replica is new from
 * v1; from v2 the broker epoch, and partition states are grouped under their topic (v0-1 list them
 * flat, each naming its topic); the replicas a reassignment adds and removes from v3; flexible
 * from v4. The response is the same in every version: an error code, and one per partition.
 */
import { arrayOf, defineApi, field, struct } from '../schema.js';

/** One partition's state; the same struct whether listed flat (v0-1) or under its topic (v2+). */
const partitionState = struct([
  field('topicName', 'string', '0-1'),
  field('partitionIndex', 'int32', '0+'),
  field('controllerEpoch', 'int32', '0+'),
  field('leader', 'int32', '0+'),
  field('leaderEpoch', 'int32', '0+'),
  field('isr', arrayOf('int32'), '0+'),
  field('zkVersion', 'int32', '0+'),
  field('replicas', arrayOf('int32'), '0+'),
  field('addingReplicas', arrayOf('int32'), '3+'),
  field('removingReplicas', arrayOf('int32'), '3+'),
  field('isNew', 'bool', '1+', { default: false }),
]);

export const LeaderAndIsrApi = defineApi({
  key: 4,
  name: 'LeaderAndIsr',
  versions: '0-4',
  flexible: '4+',
  request: [
    field('controllerId', 'int32', '0+'),
    field('controllerEpoch', 'int32', '0+'),
    field('brokerEpoch', 'int64', '2+', { default: -1 }),
    field('ungroupedPartitionStates', arrayOf(partitionState), '0-1'),
    field(
      'topicStates',
      arrayOf(
        struct([field('topicName', 'string', '2+'), field('partitionStates', arrayOf(partitionState), '2+')]),
      ),
      '2+',
    ),
    field(
      'liveLeaders',
      arrayOf(
        struct([
          field('brokerId', 'int32', '0+'),
          field('hostName', 'string', '0+'),
          field('port', 'int32', '0+'),
        ]),
      ),
      '0+',
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
