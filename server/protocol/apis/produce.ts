/**
 * Produce (key 2): record batches appended to topic partitions, answered with the base offset each
 * batch got. A transactional id from v3, per-batch record errors from v8, flexible from v9, and from
 * v10 tagged leader hints (the current leader of a refused partition, with that node's endpoint).
 */
import { arrayOf, defineApi, field, struct } from '../schema.js';

export const ProduceApi = defineApi({
  key: 0,
  name: 'Produce',
  versions: '3-11',
  flexible: '9+',
  request: [
    field('transactionalId', 'string', '3+', { nullable: '3+', default: null }),
    field('acks', 'int16', '0+'),
    field('timeoutMs', 'int32', '0+'),
    field(
      'topicData',
      arrayOf(
        struct([
          field('name', 'string', '0+'),
          field(
            'partitionData',
            arrayOf(
              struct([field('index', 'int32', '0+'), field('records', 'records', '0+', { nullable: '0+' })]),
            ),
            '0+',
          ),
        ]),
      ),
      '0+',
    ),
  ],
  response: [
    field(
      'responses',
      arrayOf(
        struct([
          field('name', 'string', '0+'),
          field(
            'partitionResponses',
            arrayOf(
              struct([
                field('index', 'int32', '0+'),
                field('errorCode', 'int16', '0+'),
                field('baseOffset', 'int64', '0+'),
                field('logAppendTimeMs', 'int64', '2+', { default: -1 }),
                field('logStartOffset', 'int64', '5+', { default: -1 }),
                field(
                  'recordErrors',
                  arrayOf(
                    struct([
                      field('batchIndex', 'int32', '8+'),
                      field('batchIndexErrorMessage', 'string', '8+', { nullable: '8+', default: null }),
                    ]),
                  ),
                  '8+',
                ),
                field('errorMessage', 'string', '8+', { nullable: '8+', default: null }),
                // A tagged struct defaults to null ("not sent") so that an absent one is not re-sent.
                field(
                  'currentLeader',
                  struct([
                    field('leaderId', 'int32', '10+', { default: -1 }),
                    field('leaderEpoch', 'int32', '10+', { default: -1 }),
                  ]),
                  '10+',
                  { tag: 0, default: null },
                ),
              ]),
            ),
            '0+',
          ),
        ]),
      ),
      '0+',
    ),
    field('throttleTimeMs', 'int32', '1+'),
    field(
      'nodeEndpoints',
      arrayOf(
        struct([
          field('nodeId', 'int32', '10+'),
          field('host', 'string', '10+'),
          field('port', 'int32', '10+'),
          field('rack', 'string', '10+', { nullable: '10+', default: null }),
        ]),
      ),
      '10+',
      { tag: 0 },
    ),
  ],
});
