/**
 * UpdateMetadata (key 6): the controller sends every broker, stamped with the controller's epoch,
 * the state of partitions (leader, epoch, ISR, replicas) and the live brokers, so that each can
 * answer Metadata requests. A v0 broker is one host and port; from v1 a list of endpoints, each
 * with its security protocol; the rack from v2; each endpoint's listener name from v3; the offline
 * replicas of each partition from v4; from v5 the broker epoch, and partition states are grouped
 * under their topic (v0-4 list them flat, each naming its topic); flexible from v6; from v7 each
 * topic carries its id, so a broker holding no replica of a topic still answers Metadata with the
 * id the cluster gave it. The response is an error code in every version.
 */
import { arrayOf, defineApi, field, struct } from '../schema.js';

/** One partition's state; the same struct whether listed flat (v0-4) or under its topic (v5+). */
const partitionState = struct([
  field('topicName', 'string', '0-4'),
  field('partitionIndex', 'int32', '0+'),
  field('controllerEpoch', 'int32', '0+'),
  field('leader', 'int32', '0+'),
  field('leaderEpoch', 'int32', '0+'),
  field('isr', arrayOf('int32'), '0+'),
  field('zkVersion', 'int32', '0+'),
  field('replicas', arrayOf('int32'), '0+'),
  field('offlineReplicas', arrayOf('int32'), '4+'),
]);

export const UpdateMetadataApi = defineApi({
  key: 6,
  name: 'UpdateMetadata',
  versions: '0-7',
  flexible: '6+',
  request: [
    field('controllerId', 'int32', '0+'),
    field('controllerEpoch', 'int32', '0+'),
    field('brokerEpoch', 'int64', '5+', { default: -1 }),
    field('ungroupedPartitionStates', arrayOf(partitionState), '0-4'),
    field(
      'topicStates',
      arrayOf(
        struct([
          field('topicName', 'string', '5+'),
          field('topicId', 'uuid', '7+'),
          field('partitionStates', arrayOf(partitionState), '5+'),
        ]),
      ),
      '5+',
    ),
    field(
      'liveBrokers',
      arrayOf(
        struct([
          field('id', 'int32', '0+'),
          field('v0Host', 'string', '0'),
          field('v0Port', 'int32', '0'),
          field(
            'endpoints',
            arrayOf(
              struct([
                field('port', 'int32', '1+'),
                field('host', 'string', '1+'),
                field('listener', 'string', '3+'),
                field('securityProtocol', 'int16', '1+'),
              ]),
            ),
            '1+',
          ),
          field('rack', 'string', '2+', { nullable: '2+' }),
        ]),
      ),
      '0+',
    ),
  ],
  response: [field('errorCode', 'int16', '0+')],
});
