/**
 * AlterReplicaLogDirs (key 34): moves partition replicas on the receiving broker into the named
 * log directories (JBOD: several `log.dirs`). The answer says, per partition, whether the move
 * was accepted; DescribeLogDirs shows a replica being moved with isFutureKey until it is done.
 * v1 changes only how throttling is reported.
 */
import { arrayOf, defineApi, field, struct } from '../schema.js';

export const AlterReplicaLogDirsApi = defineApi({
  key: 34,
  name: 'AlterReplicaLogDirs',
  versions: '0-1',
  flexible: 'none',
  request: [
    field(
      'dirs',
      arrayOf(
        struct([
          field('path', 'string', '0+'),
          field(
            'topics',
            arrayOf(struct([field('name', 'string', '0+'), field('partitions', arrayOf('int32'), '0+')])),
            '0+',
          ),
        ]),
      ),
      '0+',
    ),
  ],
  response: [
    field('throttleTimeMs', 'int32', '0+'),
    field(
      'results',
      arrayOf(
        struct([
          field('topicName', 'string', '0+'),
          field(
            'partitions',
            arrayOf(struct([field('partitionIndex', 'int32', '0+'), field('errorCode', 'int16', '0+')])),
            '0+',
          ),
        ]),
      ),
      '0+',
    ),
  ],
});
