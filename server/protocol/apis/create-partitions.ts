/**
 * CreatePartitions (key 37): raises the partition count of existing topics, optionally placing the
 * new partitions on chosen brokers (a null assignment lets the broker choose). Flexible from v2;
 * v1 and v3 change only how throttling and quota errors are reported, not the wire format.
 */
import { arrayOf, defineApi, field, struct } from '../schema.js';

export const CreatePartitionsApi = defineApi({
  key: 37,
  name: 'CreatePartitions',
  versions: '0-3',
  flexible: '2+',
  request: [
    field(
      'topics',
      arrayOf(
        struct([
          field('name', 'string', '0+'),
          field('count', 'int32', '0+'),
          field('assignments', arrayOf(struct([field('brokerIds', arrayOf('int32'), '0+')])), '0+', {
            nullable: '0+',
          }),
        ]),
      ),
      '0+',
    ),
    field('timeoutMs', 'int32', '0+'),
    field('validateOnly', 'bool', '0+'),
  ],
  response: [
    field('throttleTimeMs', 'int32', '0+'),
    field(
      'results',
      arrayOf(
        struct([
          field('name', 'string', '0+'),
          field('errorCode', 'int16', '0+'),
          field('errorMessage', 'string', '0+', { nullable: '0+', default: null }),
        ]),
      ),
      '0+',
    ),
  ],
});
