/**
 * Fetch (key 1): read record batches from topic partitions, for consumers and followers alike.
 * Fetch sessions from v7, flexible from v12 (with tagged divergence, leader and snapshot hints in
 * each partition's answer), topics named by id instead of name from v13, the follower's state as a
 * tagged struct from v15, and from v16 the endpoints of the leaders it points clients to.
 */
import { arrayOf, defineApi, field, struct } from '../schema.js';

export const FetchApi = defineApi({
  key: 1,
  name: 'Fetch',
  versions: '4-16',
  flexible: '12+',
  request: [
    field('clusterId', 'string', '12+', { nullable: '12+', default: null, tag: 0 }),
    field('replicaId', 'int32', '0-14', { default: -1 }),
    // A tagged struct defaults to null ("not sent") so that an absent one is not re-sent.
    field(
      'replicaState',
      struct([
        field('replicaId', 'int32', '15+', { default: -1 }),
        field('replicaEpoch', 'int64', '15+', { default: -1 }),
      ]),
      '15+',
      { tag: 1, default: null },
    ),
    field('maxWaitMs', 'int32', '0+'),
    field('minBytes', 'int32', '0+'),
    field('maxBytes', 'int32', '3+', { default: 0x7fffffff }),
    field('isolationLevel', 'int8', '4+'),
    field('sessionId', 'int32', '7+'),
    field('sessionEpoch', 'int32', '7+', { default: -1 }),
    field(
      'topics',
      arrayOf(
        struct([
          field('topic', 'string', '0-12'),
          field('topicId', 'uuid', '13+'),
          field(
            'partitions',
            arrayOf(
              struct([
                field('partition', 'int32', '0+'),
                field('currentLeaderEpoch', 'int32', '9+', { default: -1 }),
                field('fetchOffset', 'int64', '0+'),
                field('lastFetchedEpoch', 'int32', '12+', { default: -1 }),
                field('logStartOffset', 'int64', '5+', { default: -1 }),
                field('partitionMaxBytes', 'int32', '0+'),
              ]),
            ),
            '0+',
          ),
        ]),
      ),
      '0+',
    ),
    field(
      'forgottenTopicsData',
      arrayOf(
        struct([
          field('topic', 'string', '7-12'),
          field('topicId', 'uuid', '13+'),
          field('partitions', arrayOf('int32'), '7+'),
        ]),
      ),
      '7+',
    ),
    field('rackId', 'string', '11+'),
  ],
  response: [
    field('throttleTimeMs', 'int32', '1+'),
    field('errorCode', 'int16', '7+'),
    field('sessionId', 'int32', '7+'),
    field(
      'responses',
      arrayOf(
        struct([
          field('topic', 'string', '0-12'),
          field('topicId', 'uuid', '13+'),
          field(
            'partitions',
            arrayOf(
              struct([
                field('partitionIndex', 'int32', '0+'),
                field('errorCode', 'int16', '0+'),
                field('highWatermark', 'int64', '0+'),
                field('lastStableOffset', 'int64', '4+', { default: -1 }),
                field('logStartOffset', 'int64', '5+', { default: -1 }),
                field(
                  'divergingEpoch',
                  struct([
                    field('epoch', 'int32', '12+', { default: -1 }),
                    field('endOffset', 'int64', '12+', { default: -1 }),
                  ]),
                  '12+',
                  { tag: 0, default: null },
                ),
                field(
                  'currentLeader',
                  struct([
                    field('leaderId', 'int32', '12+', { default: -1 }),
                    field('leaderEpoch', 'int32', '12+', { default: -1 }),
                  ]),
                  '12+',
                  { tag: 1, default: null },
                ),
                field(
                  'snapshotId',
                  struct([
                    field('endOffset', 'int64', '12+', { default: -1 }),
                    field('epoch', 'int32', '12+', { default: -1 }),
                  ]),
                  '12+',
                  { tag: 2, default: null },
                ),
                field(
                  'abortedTransactions',
                  arrayOf(struct([field('producerId', 'int64', '4+'), field('firstOffset', 'int64', '4+')])),
                  '4+',
                  { nullable: '4+' },
                ),
                field('preferredReadReplica', 'int32', '11+', { default: -1 }),
                field('records', 'records', '0+', { nullable: '0+' }),
              ]),
            ),
            '0+',
          ),
        ]),
      ),
      '0+',
    ),
    field(
      'nodeEndpoints',
      arrayOf(
        struct([
          field('nodeId', 'int32', '16+'),
          field('host', 'string', '16+'),
          field('port', 'int32', '16+'),
          field('rack', 'string', '16+', { nullable: '16+', default: null }),
        ]),
      ),
      '16+',
      { tag: 0 },
    ),
  ],
});
