import { describe, expect, it } from 'vitest';
import { OffsetCommitApi } from '../../../../server/protocol/apis/offset-commit.js';
import { checkEveryVersion, encodeBody, roundTrip, wire } from '../../../helpers/message-roundtrip.js';

const request = (groupInstanceId: string | null, committedMetadata: string | null) => ({
  groupId: 'grp',
  generationIdOrMemberEpoch: 3,
  memberId: 'm-1',
  groupInstanceId,
  retentionTimeMs: 86_400_000,
  topics: [
    {
      name: 'orders',
      partitions: [
        {
          partitionIndex: 0,
          committedOffset: 42,
          committedLeaderEpoch: 2,
          commitTimestamp: 1_790_000_000_000,
          committedMetadata,
        },
        { partitionIndex: 1, committedOffset: 2 ** 40, committedLeaderEpoch: -1, committedMetadata: '' },
      ],
    },
  ],
});

describe('OffsetCommit schema', () => {
  it('round-trips a request in every version, nullable fields null and set', () => {
    checkEveryVersion(OffsetCommitApi, 'request', request(null, null));
    checkEveryVersion(OffsetCommitApi, 'request', request('instance', 'meta'));
  });

  it('round-trips a response in every version', () => {
    checkEveryVersion(OffsetCommitApi, 'response', {
      throttleTimeMs: 4,
      topics: [
        { name: 'orders', partitions: [{ partitionIndex: 0, errorCode: 0 }] },
        { name: 'other', partitions: [{ partitionIndex: 3, errorCode: 22 }] },
      ],
    });
  });

  it('v1 carries a commit timestamp per partition, v2-4 a retention time instead', () => {
    const v1 = roundTrip(OffsetCommitApi, 'request', 1, request(null, 'm'));
    expect(v1.bytes).toEqual(
      wire((w) =>
        w
          .string('grp')
          .int32(3)
          .string('m-1')
          .arrayLength(1, false)
          .string('orders')
          .arrayLength(2, false)
          .int32(0)
          .int64(42)
          .int64(1_790_000_000_000)
          .string('m')
          .int32(1)
          .int64(2 ** 40)
          .int64(-1)
          .string(''),
      ),
    );
    const v4 = roundTrip(OffsetCommitApi, 'request', 4, request(null, 'm'));
    expect(v4.decoded.retentionTimeMs).toBe(86_400_000);
    expect(v4.bytes.subarray(0, 2 + 3 + 4 + 2 + 3 + 8)).toEqual(
      wire((w) => w.string('grp').int32(3).string('m-1').int64(86_400_000)),
    );
    expect(roundTrip(OffsetCommitApi, 'request', 5, request(null, 'm')).decoded.retentionTimeMs).toBe(-1);
  });

  it('v9 has the same layout as v8', () => {
    const message = request('instance', null);
    expect(encodeBody(OffsetCommitApi, 'request', 9, message)).toEqual(
      encodeBody(OffsetCommitApi, 'request', 8, message),
    );
  });
});
