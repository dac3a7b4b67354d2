/**
 * DeleteTopics (key 20): deletes topics. Up to v5 the request lists topic names; from v6 it lists
 * topics by name or by id (a null name), and the response gives each topic's id too. Flexible from
 * v4; per-topic error messages from v5.
 */
import { arrayOf, defineApi, field, struct } from '../schema.js';

export const DeleteTopicsApi = defineApi({
  key: 20,
  name: 'DeleteTopics',
  versions: '0-6',
  flexible: '4+',
  request: [
    field(
      'topics',
      arrayOf(
        struct([
          field('name', 'string', '6+', { nullable: '6+', default: null }),
          field('topicId', 'uuid', '6+'),
        ]),
      ),
      '6+',
    ),
    field('topicNames', arrayOf('string'), '0-5'),
    field('timeoutMs', 'int32', '0+'),
  ],
  response: [
    field('throttleTimeMs', 'int32', '1+'),
    field(
      'responses',
      arrayOf(
        struct([
          field('name', 'string', '0+', { nullable: '6+' }),
          field('topicId', 'uuid', '6+'),
          field('errorCode', 'int16', '0+'),
          field('errorMessage', 'string', '5+', { nullable: '5+', default: null }),
        ]),
      ),
      '0+',
    ),
  ],
});
