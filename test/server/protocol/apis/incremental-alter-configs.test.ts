import { describe, expect, it } from 'vitest';
import { IncrementalAlterConfigsApi } from '../../../../server/protocol/apis/incremental-alter-configs.js';
import { atVersion, roundTrip, versionsOf } from '../../../helpers/message-roundtrip.js';

const response = {
  throttleTimeMs: 5,
  responses: [
    { errorCode: 0, errorMessage: null, resourceType: 2, resourceName: 'orders' },
    { errorCode: 40, errorMessage: 'Invalid value -5 for retention.ms', resourceType: 4, resourceName: '1' },
  ],
};

describe('IncrementalAlterConfigs schema', () => {
  const request = {
    resources: [
      {
        resourceType: 2,
        resourceName: 'orders',
        configs: [
          { name: 'retention.ms', configOperation: 0, value: '86400000' },
          { name: 'cleanup.policy', configOperation: 1, value: null },
          { name: 'follower.replication.throttled.replicas', configOperation: 2, value: '0:1' },
        ],
      },
    ],
    validateOnly: false,
  };

  for (const version of versionsOf(IncrementalAlterConfigsApi)) {
    it(`v${version} request round-trips`, () => {
      const { decoded } = roundTrip(IncrementalAlterConfigsApi, 'request', version, request);
      expect(decoded).toEqual(atVersion(IncrementalAlterConfigsApi.request, version, request));
    });

    it(`v${version} response round-trips`, () => {
      const { decoded } = roundTrip(IncrementalAlterConfigsApi, 'response', version, response);
      expect(decoded).toEqual(atVersion(IncrementalAlterConfigsApi.response, version, response));
    });
  }

  it('is flexible from v1 only', () => {
    const empty = { resources: [], validateOnly: false };
    // v0: int32 array length + bool; v1: varint length + bool + empty tag section.
    expect(roundTrip(IncrementalAlterConfigsApi, 'request', 0, empty).bytes.length).toBe(5);
    expect(roundTrip(IncrementalAlterConfigsApi, 'request', 1, empty).bytes.length).toBe(3);
  });
});
