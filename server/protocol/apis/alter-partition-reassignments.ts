/**
 * AlterPartitionReassignments (key 45, KIP-455): starts moving partitions to new replica lists,
 * or (a null replica list) cancels a partition's move in progress. Sent to the controller; any
 * other broker answers NOT_CONTROLLER. The answer says, per partition, whether the move was
 * accepted, not that it finished (ListPartitionReassignments follows it). Flexible from v0.
 */
import { arrayOf, defineApi, field, struct } from '../schema.js';

export const AlterPartitionReassignmentsApi = defineApi({
  key: 45,
  name: 'AlterPartitionReassignments',
  versions: '0',
  flexible: '0+',
  request: [
    field('timeoutMs', 'int32', '0+', { default: 60000 }),
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
                field('replicas', arrayOf('int32'), '0+', { nullable: '0+', default: null }),
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
    field('throttleTimeMs', 'int32', '0+'),
    field('errorCode', 'int16', '0+'),
    field('errorMessage', 'string', '0+', { nullable: '0+', default: null }),
    field(
      'responses',
      arrayOf(
        struct([
          field('name', 'string', '0+'),
          field(
            'partitions',
            arrayOf(
              struct([
                field('partitionIndex', 'int32', '0+'),
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
