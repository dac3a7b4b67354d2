import { describe, expect, it } from 'vitest';
import { ListOffsetsApi } from '../../../../server/protocol/apis/list-offsets.js';
import { type Message } from '../../../../server/protocol/codec.js';
import { roundTrip } from '../../../helpers/message-roundtrip.js';

describe('ListOffsets schema', () => {
  for (let version = 1; version <= 8; version++) {
    it(`v${version} request survives a round trip`, () => {
      const { decoded } = roundTrip(ListOffsetsApi, 'request', version, {
        replicaId: -1,
        isolationLevel: 1,
        topics: [
          {
            name: 'orders',
            partitions: [
              { partitionIndex: 0, currentLeaderEpoch: 4, timestamp: -2 },
              { partitionIndex: 1, currentLeaderEpoch: 4, timestamp: 1700000000000 },
            ],
          },
        ],
      });
      expect(decoded.replicaId).toBe(-1);
      expect(decoded.isolationLevel).toBe(version >= 2 ? 1 : 0);
      const topic = (decoded.topics as Message[])[0]!;
      expect(topic.name).toBe('orders');
      const leaderEpoch = version >= 4 ? 4 : -1;
      expect(topic.partitions).toEqual([
        { partitionIndex: 0, currentLeaderEpoch: leaderEpoch, timestamp: -2, maxNumOffsets: 1 },
        { partitionIndex: 1, currentLeaderEpoch: leaderEpoch, timestamp: 1700000000000, maxNumOffsets: 1 },
      ]);
    });

    it(`v${version} response survives a round trip`, () => {
      const { decoded } = roundTrip(ListOffsetsApi, 'response', version, {
        throttleTimeMs: 7,
        topics: [
          {
            name: 'orders',
            partitions: [
              { partitionIndex: 0, errorCode: 0, timestamp: 1700000000000, offset: 42, leaderEpoch: 4 },
              { partitionIndex: 1, errorCode: 3 },
            ],
          },
        ],
      });
      expect(decoded.throttleTimeMs).toBe(version >= 2 ? 7 : 0);
      const [found, missing] = (decoded.topics as Message[])[0]!.partitions as Message[];
      expect(found).toEqual({
        partitionIndex: 0,
        errorCode: 0,
        oldStyleOffsets: [],
        timestamp: 1700000000000,
        offset: 42,
        leaderEpoch: version >= 4 ? 4 : -1,
      });
      expect(missing).toMatchObject({
        partitionIndex: 1,
        errorCode: 3,
        timestamp: -1,
        offset: -1,
        leaderEpoch: -1,
      });
    });
  }
});
