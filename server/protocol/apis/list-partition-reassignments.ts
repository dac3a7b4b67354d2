/**
 * ListPartitionReassignments (key 46, KIP-455): the partition moves in progress — each one's
 * replica list (old and new replicas together while it moves), the replicas being added and
 * those being removed — for the listed partitions or (a null list) all of them. Sent to the
 * controller; any other broker answers NOT_CONTROLLER. Flexible from v0.
 */
import { arrayOf, defineApi, field, struct } from '../schema.js';

export const ListPartitionReassignmentsApi = defineApi({
  key: 46,
  name: 'ListPartitionReassignments',
  versions: '0',
  flexible: '0+',
  request: [
    field('timeoutMs', 'int32', '0+', { default: 60000 }),
    field(
      'topics',
      arrayOf(struct([field('name', 'string', '0+'), field('partitionIndexes', arrayOf('int32'), '0+')])),
      '0+',
      { nullable: '0+', default: null },
    ),
  ],
  response: [
    field('throttleTimeMs', 'int32', '0+'),
    field('errorCode', 'int16', '0+'),
    field('errorMessage', 'string', '0+', { nullable: '0+', default: null }),
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
                field('replicas', arrayOf('int32'), '0+'),
                field('addingReplicas', arrayOf('int32'), '0+'),
                field('removingReplicas', arrayOf('int32'), '0+'),
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
