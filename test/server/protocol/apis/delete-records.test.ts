import { describe, expect, it } from 'vitest';
import { DeleteRecordsApi } from '../../../../server/protocol/apis/delete-records.js';
import { roundTrip } from '../../../helpers/message-roundtrip.js';

describe('DeleteRecords schema', () => {
  for (let version = 0; version <= 2; version++) {
    it(`v${version} request survives a round trip`, () => {
      const request = {
        topics: [
          {
            name: 'orders',
            partitions: [
              { partitionIndex: 0, offset: 100 },
              { partitionIndex: 1, offset: -1 },
            ],
          },
        ],
        timeoutMs: 30000,
      };
      expect(roundTrip(DeleteRecordsApi, 'request', version, request).decoded).toEqual(request);
    });

    it(`v${version} response survives a round trip`, () => {
      const response = {
        throttleTimeMs: 0,
        topics: [
          {
            name: 'orders',
            partitions: [
              { partitionIndex: 0, lowWatermark: 100, errorCode: 0 },
              { partitionIndex: 1, lowWatermark: -1, errorCode: 1 },
            ],
          },
        ],
      };
      expect(roundTrip(DeleteRecordsApi, 'response', version, response).decoded).toEqual(response);
    });
  }
});
