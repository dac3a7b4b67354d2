import { describe, expect, it } from 'vitest';
import { OffsetForLeaderEpochApi } from '../../../../server/protocol/apis/offset-for-leader-epoch.js';
import { roundTrip } from '../../../helpers/message-roundtrip.js';

describe('OffsetForLeaderEpoch schema', () => {
  for (let version = 0; version <= 4; version++) {
    it(`v${version} request survives a round trip`, () => {
      const { decoded } = roundTrip(OffsetForLeaderEpochApi, 'request', version, {
        replicaId: 1,
        topics: [{ topic: 'orders', partitions: [{ partition: 2, currentLeaderEpoch: 6, leaderEpoch: 5 }] }],
      });
      expect(decoded).toEqual({
        replicaId: version >= 3 ? 1 : -2,
        topics: [
          {
            topic: 'orders',
            partitions: [{ partition: 2, currentLeaderEpoch: version >= 2 ? 6 : -1, leaderEpoch: 5 }],
          },
        ],
      });
    });

    it(`v${version} response survives a round trip`, () => {
      const { decoded } = roundTrip(OffsetForLeaderEpochApi, 'response', version, {
        throttleTimeMs: 4,
        topics: [
          {
            topic: 'orders',
            partitions: [
              { errorCode: 0, partition: 2, leaderEpoch: 5, endOffset: 900 },
              { errorCode: 75, partition: 3 },
            ],
          },
        ],
      });
      expect(decoded).toEqual({
        throttleTimeMs: version >= 2 ? 4 : 0,
        topics: [
          {
            topic: 'orders',
            partitions: [
              { errorCode: 0, partition: 2, leaderEpoch: version >= 1 ? 5 : -1, endOffset: 900 },
              { errorCode: 75, partition: 3, leaderEpoch: -1, endOffset: -1 },
            ],
          },
        ],
      });
    });
  }
});
