import { describe, expect, it } from 'vitest';
import { DescribeConfigsApi } from '../../../../server/protocol/apis/describe-configs.js';
import { atVersion, roundTrip, versionsOf } from '../../../helpers/message-roundtrip.js';

const request = {
  resources: [
    { resourceType: 2, resourceName: 'orders', configurationKeys: ['cleanup.policy', 'retention.ms'] },
    { resourceType: 4, resourceName: '0', configurationKeys: null },
  ],
  includeSynonyms: true,
  includeDocumentation: true,
};

const response = {
  throttleTimeMs: 2,
  results: [
    {
      errorCode: 0,
      errorMessage: null,
      resourceType: 2,
      resourceName: 'orders',
      configs: [
        {
          name: 'cleanup.policy',
          value: 'compact',
          readOnly: false,
          isDefault: true,
          configSource: 1,
          isSensitive: false,
          synonyms: [
            { name: 'cleanup.policy', value: 'compact', source: 1 },
            { name: 'log.cleanup.policy', value: null, source: 5 },
          ],
          configType: 7,
          documentation: 'How old segments are discarded.',
        },
        {
          name: 'ssl.key.password',
          value: null,
          readOnly: true,
          isDefault: false,
          configSource: 4,
          isSensitive: true,
          synonyms: [],
          configType: 9,
          documentation: null,
        },
      ],
    },
    { errorCode: 3, errorMessage: 'Unknown topic.', resourceType: 2, resourceName: 'gone', configs: [] },
  ],
};

describe('DescribeConfigs schema', () => {
  for (const version of versionsOf(DescribeConfigsApi)) {
    it(`v${version} request round-trips`, () => {
      const { decoded } = roundTrip(DescribeConfigsApi, 'request', version, request);
      expect(decoded).toMatchObject(atVersion(DescribeConfigsApi.request, version, request));
      expect(decoded.includeSynonyms).toBe(version >= 1);
      expect(decoded.includeDocumentation).toBe(version >= 3);
    });

    it(`v${version} response round-trips`, () => {
      const { decoded } = roundTrip(DescribeConfigsApi, 'response', version, response);
      expect(decoded).toMatchObject(atVersion(DescribeConfigsApi.response, version, response));
      const [first] = decoded.results as Record<string, unknown>[];
      const [entry] = first!.configs as Record<string, unknown>[];
      expect(entry!.isDefault).toBe(version === 0);
      expect(entry!.configSource).toBe(version >= 1 ? 1 : -1);
      expect((entry!.synonyms as unknown[]).length).toBe(version >= 1 ? 2 : 0);
      expect(entry!.configType).toBe(version >= 3 ? 7 : 0);
      expect(entry!.documentation).toBe(version >= 3 ? 'How old segments are discarded.' : null);
    });
  }
});
