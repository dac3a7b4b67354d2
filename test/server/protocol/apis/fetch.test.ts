import { describe, expect, it } from 'vitest';
import { FetchApi } from '../../../../server/protocol/apis/fetch.js';
import { type Message } from '../../../../server/protocol/codec.js';
import { roundTrip } from '../../../helpers/message-roundtrip.js';

const TOPIC_ID = 'AAECAwQFBgcICQoLDA0ODw';
const ZERO_ID = 'AAAAAAAAAAAAAAAAAAAAAA';
const RECORDS = Buffer.from('not really a record batch, but bytes all the same');

function request(version: number): Message {
  return {
    clusterId: version >= 12 ? 'cluster-1' : null,
    replicaId: 5,
    replicaState: version >= 15 ? { replicaId: 3, replicaEpoch: 77 } : null,
    maxWaitMs: 500,
    minBytes: 1,
    maxBytes: 52428800,
    isolationLevel: 1,
    sessionId: 42,
    sessionEpoch: 7,
    topics: [
      {
        topic: 'orders',
        topicId: TOPIC_ID,
        partitions: [
          {
            partition: 2,
            currentLeaderEpoch: 5,
            fetchOffset: 1000,
            lastFetchedEpoch: 4,
            logStartOffset: 10,
            partitionMaxBytes: 1048576,
          },
        ],
      },
    ],
    forgottenTopicsData: [{ topic: 'old', topicId: TOPIC_ID, partitions: [0, 1] }],
    rackId: 'rack-a',
  };
}

function response(version: number): Message {
  return {
    throttleTimeMs: 3,
    errorCode: 0,
    sessionId: 42,
    responses: [
      {
        topic: 'orders',
        topicId: TOPIC_ID,
        partitions: [
          {
            partitionIndex: 2,
            errorCode: 6,
            highWatermark: 2000,
            lastStableOffset: 1990,
            logStartOffset: 10,
            divergingEpoch: version >= 12 ? { epoch: 3, endOffset: 950 } : null,
            currentLeader: version >= 12 ? { leaderId: 1, leaderEpoch: 6 } : null,
            snapshotId: version >= 12 ? { endOffset: 900, epoch: 2 } : null,
            abortedTransactions: [{ producerId: 9001, firstOffset: 1500 }],
            preferredReadReplica: version >= 11 ? 1 : -1,
            records: RECORDS,
          },
          {
            partitionIndex: 3,
            errorCode: 0,
            highWatermark: 0,
            lastStableOffset: 0,
            logStartOffset: 0,
            divergingEpoch: null,
            currentLeader: null,
            snapshotId: null,
            abortedTransactions: null,
            preferredReadReplica: -1,
            records: null,
          },
        ],
      },
    ],
    nodeEndpoints: version >= 16 ? [{ nodeId: 1, host: 'broker-1', port: 9092, rack: null }] : [],
  };
}

describe('Fetch schema', () => {
  for (let version = 4; version <= 16; version++) {
    it(`v${version} request survives a round trip`, () => {
      const { decoded } = roundTrip(FetchApi, 'request', version, request(version));
      const sent = request(version);
      const topic = (decoded.topics as Message[])[0]!;
      const partition = (topic.partitions as Message[])[0]!;
      expect(partition).toMatchObject({ partition: 2, fetchOffset: 1000, partitionMaxBytes: 1048576 });
      expect(partition.logStartOffset).toBe(version >= 5 ? 10 : -1);
      expect(partition.currentLeaderEpoch).toBe(version >= 9 ? 5 : -1);
      expect(partition.lastFetchedEpoch).toBe(version >= 12 ? 4 : -1);
      expect(decoded.sessionEpoch).toBe(version >= 7 ? 7 : -1);
      expect(decoded.rackId).toBe(version >= 11 ? 'rack-a' : '');
      expect(decoded.clusterId).toBe(version >= 12 ? sent.clusterId : null);
      expect(decoded.replicaId).toBe(version >= 15 ? -1 : 5);
      expect(decoded.replicaState).toEqual(version >= 15 ? { replicaId: 3, replicaEpoch: 77 } : null);
      const forgotten = (decoded.forgottenTopicsData as Message[])[0];
      if (version >= 7) expect(forgotten?.partitions).toEqual([0, 1]);
      // Topics are named up to v12 and identified by id from v13.
      if (version >= 13) {
        expect([topic.topic, topic.topicId]).toEqual(['', TOPIC_ID]);
        expect([forgotten?.topic, forgotten?.topicId]).toEqual(['', TOPIC_ID]);
      } else {
        expect([topic.topic, topic.topicId]).toEqual(['orders', ZERO_ID]);
      }
    });

    it(`v${version} response survives a round trip`, () => {
      const { decoded } = roundTrip(FetchApi, 'response', version, response(version));
      const topic = (decoded.responses as Message[])[0]!;
      const [full, empty] = topic.partitions as Message[];
      expect(full).toMatchObject({ partitionIndex: 2, errorCode: 6, highWatermark: 2000 });
      expect(full!.lastStableOffset).toBe(1990);
      expect(full!.logStartOffset).toBe(version >= 5 ? 10 : -1);
      expect(full!.abortedTransactions).toEqual([{ producerId: 9001, firstOffset: 1500 }]);
      expect((full!.records as Buffer).equals(RECORDS)).toBe(true);
      expect(full!.preferredReadReplica).toBe(version >= 11 ? 1 : -1);
      expect(full!.divergingEpoch).toEqual(version >= 12 ? { epoch: 3, endOffset: 950 } : null);
      expect(full!.currentLeader).toEqual(version >= 12 ? { leaderId: 1, leaderEpoch: 6 } : null);
      expect(full!.snapshotId).toEqual(version >= 12 ? { endOffset: 900, epoch: 2 } : null);
      expect(empty).toMatchObject({ abortedTransactions: null, records: null, divergingEpoch: null });
      expect(decoded.nodeEndpoints).toEqual(
        version >= 16 ? [{ nodeId: 1, host: 'broker-1', port: 9092, rack: null }] : [],
      );
      if (version >= 13) expect([topic.topic, topic.topicId]).toEqual(['', TOPIC_ID]);
      else expect([topic.topic, topic.topicId]).toEqual(['orders', ZERO_ID]);
    });
  }

  it('writes the v12 cluster id as tag 0 at the end of the request', () => {
    const { bytes } = roundTrip(FetchApi, 'request', 12, { ...request(12), clusterId: 'abc' });
    // tagged fields: count 1, tag 0, size 4, compact string (length + 1 = 4) "abc"
    expect([...bytes.subarray(-7)]).toEqual([1, 0, 4, 4, 0x61, 0x62, 0x63]);
    const withoutTags = roundTrip(FetchApi, 'request', 12, { ...request(12), clusterId: null }).bytes;
    expect(withoutTags.at(-1)).toBe(0);
  });

  it('sends no tagged fields for a partition without hints', () => {
    const plain = { ...response(12), responses: [{ topic: 't', partitions: [{ records: null }] }] };
    const { bytes, decoded } = roundTrip(FetchApi, 'response', 12, plain);
    // partition tags, topic tags, top-level tags: all empty
    expect([...bytes.subarray(-3)]).toEqual([0, 0, 0]);
    const partition = ((decoded.responses as Message[])[0]!.partitions as Message[])[0]!;
    expect(partition).toMatchObject({ divergingEpoch: null, currentLeader: null, snapshotId: null });
  });
});
