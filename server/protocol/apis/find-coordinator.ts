/**
 * FindCoordinator (key 10): which broker coordinates a consumer group or a transactional id.
 * Flexible from v3; from v4 a request asks about several keys at once and the response answers
 * with one coordinator entry per key instead of the single top-level node.
 */
import { arrayOf, defineApi, field, struct } from '../schema.js';

export const FindCoordinatorApi = defineApi({
  key: 10,
  name: 'FindCoordinator',
  versions: '0-5',
  flexible: '3+',
  request: [
    field('key', 'string', '0-3'),
    field('keyType', 'int8', '1+', { default: 0 }),
    field('coordinatorKeys', arrayOf('string'), '4+'),
  ],
  response: [
    field('throttleTimeMs', 'int32', '1+'),
    field('errorCode', 'int16', '0-3'),
    field('errorMessage', 'string', '1-3', { nullable: '1-3', default: null }),
    field('nodeId', 'int32', '0-3'),
    field('host', 'string', '0-3'),
    field('port', 'int32', '0-3'),
    field(
      'coordinators',
      arrayOf(
        struct([
          field('key', 'string', '4+'),
          field('nodeId', 'int32', '4+'),
          field('host', 'string', '4+'),
          field('port', 'int32', '4+'),
          field('errorCode', 'int16', '4+'),
          field('errorMessage', 'string', '4+', { nullable: '4+', default: null }),
        ]),
      ),
      '4+',
    ),
  ],
});
