import { describe, expect, it } from 'vitest';
import { ProduceApi } from '../../../../server/protocol/apis/produce.js';
import { type Message } from '../../../../server/protocol/codec.js';
import { roundTrip } from '../../../helpers/message-roundtrip.js';

const RECORDS = Buffer.from('a record batch stand-in');

function request(transactionalId: string | null): Message {
  return {
    transactionalId,
    acks: -1,
    timeoutMs: 30000,
    topicData: [
      {
        name: 'orders',
        partitionData: [
          { index: 0, records: RECORDS },
          { index: 1, records: null },
        ],
      },
    ],
  };
}

function response(version: number): Message {
  return {
    responses: [
      {
        name: 'orders',
        partitionResponses: [
          {
            index: 0,
            errorCode: 0,
            baseOffset: 1234,
            logAppendTimeMs: 1700000000000,
            logStartOffset: 5,
            recordErrors: [
              { batchIndex: 2, batchIndexErrorMessage: 'bad record' },
              { batchIndex: 3, batchIndexErrorMessage: null },
            ],
            errorMessage: 'partly refused',
            currentLeader: null,
          },
          {
            index: 1,
            errorCode: 6,
            baseOffset: -1,
            logAppendTimeMs: -1,
            logStartOffset: -1,
            recordErrors: [],
            errorMessage: null,
            currentLeader: version >= 10 ? { leaderId: 2, leaderEpoch: 9 } : null,
          },
        ],
      },
    ],
    throttleTimeMs: 12,
    nodeEndpoints: version >= 10 ? [{ nodeId: 2, host: 'broker-2', port: 9093, rack: 'rack-b' }] : [],
  };
}

describe('Produce schema', () => {
  for (let version = 3; version <= 11; version++) {
    it(`v${version} request survives a round trip`, () => {
      for (const transactionalId of ['txn-1', null]) {
        const { decoded } = roundTrip(ProduceApi, 'request', version, request(transactionalId));
        expect(decoded.transactionalId).toBe(transactionalId);
        expect([decoded.acks, decoded.timeoutMs]).toEqual([-1, 30000]);
        const topic = (decoded.topicData as Message[])[0]!;
        expect(topic.name).toBe('orders');
        const [first, second] = topic.partitionData as Message[];
        expect(first!.index).toBe(0);
        expect((first!.records as Buffer).equals(RECORDS)).toBe(true);
        expect(second).toEqual({ index: 1, records: null });
      }
    });

    it(`v${version} response survives a round trip`, () => {
      const { decoded } = roundTrip(ProduceApi, 'response', version, response(version));
      expect(decoded.throttleTimeMs).toBe(12);
      const [ok, refused] = (decoded.responses as Message[])[0]!.partitionResponses as Message[];
      expect(ok).toMatchObject({ index: 0, errorCode: 0, baseOffset: 1234, logAppendTimeMs: 1700000000000 });
      expect(ok!.logStartOffset).toBe(version >= 5 ? 5 : -1);
      expect(ok!.recordErrors).toEqual(
        version >= 8
          ? [
              { batchIndex: 2, batchIndexErrorMessage: 'bad record' },
              { batchIndex: 3, batchIndexErrorMessage: null },
            ]
          : [],
      );
      expect(ok!.errorMessage).toBe(version >= 8 ? 'partly refused' : null);
      expect(ok!.currentLeader).toBeNull();
      expect(refused!.errorMessage).toBeNull();
      expect(refused!.currentLeader).toEqual(version >= 10 ? { leaderId: 2, leaderEpoch: 9 } : null);
      expect(decoded.nodeEndpoints).toEqual(
        version >= 10 ? [{ nodeId: 2, host: 'broker-2', port: 9093, rack: 'rack-b' }] : [],
      );
    });
  }

  it('writes v10 node endpoints as tag 0 of the response, and nothing when there are none', () => {
    const { bytes } = roundTrip(ProduceApi, 'response', 10, {
      responses: [],
      throttleTimeMs: 0,
      nodeEndpoints: [{ nodeId: 1, host: 'h', port: 1, rack: null }],
    });
    // responses: empty compact array (1); throttle 0; tags: count 1, tag 0, size 13, then the array
    // of one endpoint: length 2, nodeId, host "h", port, rack null, no tags.
    expect([...bytes]).toEqual([1, 0, 0, 0, 0, 1, 0, 13, 2, 0, 0, 0, 1, 2, 0x68, 0, 0, 0, 1, 0, 0]);
    const plain = roundTrip(ProduceApi, 'response', 10, { responses: [], throttleTimeMs: 0 }).bytes;
    expect([...plain]).toEqual([1, 0, 0, 0, 0, 0]);
  });
});
