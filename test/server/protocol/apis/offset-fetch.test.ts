import { describe, expect, it } from 'vitest';
import { OffsetFetchApi } from '../../../../server/protocol/apis/offset-fetch.js';
import { checkEveryVersion, encodeBody, roundTrip, wire } from '../../../helpers/message-roundtrip.js';

const partitions = [
  { partitionIndex: 0, committedOffset: 42, committedLeaderEpoch: 3, metadata: null, errorCode: 0 },
  { partitionIndex: 1, committedOffset: -1, committedLeaderEpoch: -1, metadata: 'm', errorCode: 0 },
];

describe('OffsetFetch schema', () => {
  it('round-trips a request in every version', () => {
    checkEveryVersion(OffsetFetchApi, 'request', {
      groupId: 'grp',
      topics: [{ name: 'orders', partitionIndexes: [0, 1, 2] }],
      groups: [
        {
          groupId: 'grp',
          memberId: 'm-1',
          memberEpoch: 7,
          topics: [{ name: 'orders', partitionIndexes: [0] }],
        },
        { groupId: 'all', memberId: null, memberEpoch: -1, topics: null },
      ],
      requireStable: true,
    });
  });

  it('a null topic list (all topics) is allowed from v2 and refused before', () => {
    for (let version = 2; version <= 7; version++) {
      expect(
        roundTrip(OffsetFetchApi, 'request', version, { groupId: 'g', topics: null }).decoded.topics,
      ).toBe(null);
    }
    expect(() => encodeBody(OffsetFetchApi, 'request', 1, { groupId: 'g', topics: null })).toThrow();
  });

  it('round-trips a response in every version', () => {
    checkEveryVersion(OffsetFetchApi, 'response', {
      throttleTimeMs: 1,
      topics: [{ name: 'orders', partitions }],
      errorCode: 16,
      groups: [
        { groupId: 'grp', topics: [{ name: 'orders', partitions }], errorCode: 0 },
        { groupId: 'gone', topics: [], errorCode: 69 },
      ],
    });
  });

  it('v8 batches groups and drops the single-group fields', () => {
    const message = { groupId: 'ignored', groups: [{ groupId: 'g', topics: null }], requireStable: true };
    expect(encodeBody(OffsetFetchApi, 'request', 8, message)).toEqual(
      wire((w) =>
        w
          .arrayLength(1, true)
          .compactString('g')
          .arrayLength(null, true)
          .unsignedVarint(0)
          .bool(true)
          .unsignedVarint(0),
      ),
    );
    expect(encodeBody(OffsetFetchApi, 'request', 9, message)).toEqual(
      wire((w) =>
        w
          .arrayLength(1, true)
          .compactString('g')
          .compactString(null)
          .int32(-1)
          .arrayLength(null, true)
          .unsignedVarint(0)
          .bool(true)
          .unsignedVarint(0),
      ),
    );
  });

  it('v5 responses add the leader epoch and keep the top-level error after the topics', () => {
    const message = { throttleTimeMs: 0, topics: [{ name: 't', partitions: [partitions[0]] }], errorCode: 9 };
    expect(encodeBody(OffsetFetchApi, 'response', 5, message)).toEqual(
      wire((w) =>
        w
          .int32(0)
          .arrayLength(1, false)
          .string('t')
          .arrayLength(1, false)
          .int32(0)
          .int64(42)
          .int32(3)
          .string(null)
          .int16(0)
          .int16(9),
      ),
    );
  });
});
