import { describe, expect, it } from 'vitest';
import { AlterConfigsApi } from '../../../../server/protocol/apis/alter-configs.js';
import { atVersion, roundTrip, versionsOf } from '../../../helpers/message-roundtrip.js';

const response = {
  throttleTimeMs: 5,
  responses: [
    { errorCode: 0, errorMessage: null, resourceType: 2, resourceName: 'orders' },
    { errorCode: 40, errorMessage: 'Invalid value -5 for retention.ms', resourceType: 4, resourceName: '1' },
  ],
};

describe('AlterConfigs schema', () => {
  const request = {
    resources: [
      {
        resourceType: 2,
        resourceName: 'orders',
        configs: [
          { name: 'retention.ms', value: '86400000' },
          { name: 'cleanup.policy', value: null },
        ],
      },
      { resourceType: 4, resourceName: '1', configs: [] },
    ],
    validateOnly: true,
  };

  for (const version of versionsOf(AlterConfigsApi)) {
    it(`v${version} request round-trips`, () => {
      const { decoded } = roundTrip(AlterConfigsApi, 'request', version, request);
      expect(decoded).toEqual(atVersion(AlterConfigsApi.request, version, request));
    });

    it(`v${version} response round-trips`, () => {
      const { decoded } = roundTrip(AlterConfigsApi, 'response', version, response);
      expect(decoded).toEqual(atVersion(AlterConfigsApi.response, version, response));
    });
  }
});
