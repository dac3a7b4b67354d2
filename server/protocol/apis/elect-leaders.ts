/**
 * ElectLeaders (key 43): asks the controller to elect leaders for partitions — their preferred
 * replica (election type 0), or with unclean election allowed for partitions without a live
 * in-sync replica (type 1, v1+). A null partition list means every partition (preferred
 * elections only). Sent to the controller; any other broker answers NOT_CONTROLLER. A top-level
 * error code from v1; flexible from v2.
 */
import { arrayOf, defineApi, field, struct } from '../schema.js';

export const ElectLeadersApi = defineApi({
  key: 43,
  name: 'ElectLeaders',
  versions: '0-2',
  flexible: '2+',
  request: [
    field('electionType', 'int8', '1+'),
    field(
      'topicPartitions',
      arrayOf(struct([field('topic', 'string', '0+'), field('partitions', arrayOf('int32'), '0+')])),
      '0+',
      { nullable: '0+' },
    ),
    field('timeoutMs', 'int32', '0+', { default: 60000 }),
  ],
  response: [
    field('throttleTimeMs', 'int32', '0+'),
    field('errorCode', 'int16', '1+'),
    field(
      'replicaElectionResults',
      arrayOf(
        struct([
          field('topic', 'string', '0+'),
          field(
            'partitionResult',
            arrayOf(
              struct([
                field('partitionId', 'int32', '0+'),
                field('errorCode', 'int16', '0+'),
                field('errorMessage', 'string', '0+', { nullable: '0+', default: null }),
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
