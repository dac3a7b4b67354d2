import { describe, expect, it } from 'vitest';
import { CreatePartitionsApi } from '../../../../server/protocol/apis/create-partitions.js';
import { atVersion, roundTrip, versionsOf } from '../../../helpers/message-roundtrip.js';

const request = {
  topics: [
    { name: 'orders', count: 6, assignments: [{ brokerIds: [1, 2] }, { brokerIds: [2, 3] }] },
    { name: 'payments', count: 4, assignments: null },
  ],
  timeoutMs: 25000,
  validateOnly: true,
};

const response = {
  throttleTimeMs: 3,
  results: [
    { name: 'orders', errorCode: 0, errorMessage: null },
    { name: 'payments', errorCode: 37, errorMessage: 'Topic already has 4 partitions.' },
  ],
};

describe('CreatePartitions schema', () => {
  for (const version of versionsOf(CreatePartitionsApi)) {
    it(`v${version} request round-trips`, () => {
      const { decoded } = roundTrip(CreatePartitionsApi, 'request', version, request);
      expect(decoded).toEqual(atVersion(CreatePartitionsApi.request, version, request));
    });

    it(`v${version} response round-trips`, () => {
      const { decoded } = roundTrip(CreatePartitionsApi, 'response', version, response);
      expect(decoded).toEqual(atVersion(CreatePartitionsApi.response, version, response));
    });
  }

  it('encodes the flexible form from v2 (compact strings, tagged sections)', () => {
    const message = { topics: [], timeoutMs: 1, validateOnly: false };
    // v1: int32 array length, int32 timeout, bool. v2: varint length, int32, bool, empty tag section.
    expect(roundTrip(CreatePartitionsApi, 'request', 1, message).bytes.length).toBe(9);
    expect(roundTrip(CreatePartitionsApi, 'request', 2, message).bytes.length).toBe(7);
  });
});
