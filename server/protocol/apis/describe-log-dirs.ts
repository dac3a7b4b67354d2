/**
 * DescribeLogDirs (key 35): the broker's log directories and the size and lag of each partition
 * replica in them, for the listed topics or (a null list) all of them. Flexible from v2; a
 * top-level error code from v3; each directory's total and usable bytes from v4.
 */
import { arrayOf, defineApi, field, struct } from '../schema.js';

export const DescribeLogDirsApi = defineApi({
  key: 35,
  name: 'DescribeLogDirs',
  versions: '0-4',
  flexible: '2+',
  request: [
    field(
      'topics',
      arrayOf(struct([field('topic', 'string', '0+'), field('partitions', arrayOf('int32'), '0+')])),
      '0+',
      { nullable: '0+' },
    ),
  ],
  response: [
    field('throttleTimeMs', 'int32', '0+'),
    field('errorCode', 'int16', '3+'),
    field(
      'results',
      arrayOf(
        struct([
          field('errorCode', 'int16', '0+'),
          field('logDir', 'string', '0+'),
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
                      field('partitionSize', 'int64', '0+'),
                      field('offsetLag', 'int64', '0+'),
                      field('isFutureKey', 'bool', '0+'),
                    ]),
                  ),
                  '0+',
                ),
              ]),
            ),
            '0+',
          ),
          field('totalBytes', 'int64', '4+', { default: -1 }),
          field('usableBytes', 'int64', '4+', { default: -1 }),
        ]),
      ),
      '0+',
    ),
  ],
});
