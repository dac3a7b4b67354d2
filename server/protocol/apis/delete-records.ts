/**
 * DeleteRecords (key 21): move the log start offset of partitions forward, dropping every record
 * before it; answered with each partition's new low watermark. Flexible from v2.
 */
import { arrayOf, defineApi, field, struct } from '../schema.js';

export const DeleteRecordsApi = defineApi({
  key: 21,
  name: 'DeleteRecords',
  versions: '0-2',
  flexible: '2+',
  request: [
    field(
      'topics',
      arrayOf(
        struct([
          field('name', 'string', '0+'),
          field(
            'partitions',
            arrayOf(struct([field('partitionIndex', 'int32', '0+'), field('offset', 'int64', '0+')])),
            '0+',
          ),
        ]),
      ),
      '0+',
    ),
    field('timeoutMs', 'int32', '0+'),
  ],
  response: [
    field('throttleTimeMs', 'int32', '0+'),
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
                field('lowWatermark', 'int64', '0+'),
                field('errorCode', 'int16', '0+'),
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
