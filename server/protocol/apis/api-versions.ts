/** ApiVersions (key 18): which APIs and versions the broker speaks. Flexible from v3. */
import { arrayOf, defineApi, field, struct } from '../schema.js';

export const ApiVersionsApi = defineApi({
  key: 18,
  name: 'ApiVersions',
  versions: '0-3',
  flexible: '3+',
  request: [field('clientSoftwareName', 'string', '3+'), field('clientSoftwareVersion', 'string', '3+')],
  response: [
    field('errorCode', 'int16', '0+'),
    field(
      'apiKeys',
      arrayOf(
        struct([
          field('apiKey', 'int16', '0+'),
          field('minVersion', 'int16', '0+'),
          field('maxVersion', 'int16', '0+'),
        ]),
      ),
      '0+',
    ),
    field('throttleTimeMs', 'int32', '1+'),
    field(
      'supportedFeatures',
      arrayOf(
        struct([
          field('name', 'string', '3+'),
          field('minVersion', 'int16', '3+'),
          field('maxVersion', 'int16', '3+'),
        ]),
      ),
      '3+',
      { tag: 0 },
    ),
    field('finalizedFeaturesEpoch', 'int64', '3+', { tag: 1, default: -1 }),
    field(
      'finalizedFeatures',
      arrayOf(
        struct([
          field('name', 'string', '3+'),
          field('maxVersionLevel', 'int16', '3+'),
          field('minVersionLevel', 'int16', '3+'),
        ]),
      ),
      '3+',
      { tag: 2 },
    ),
    field('zkMigrationReady', 'bool', '3+', { tag: 3, default: false }),
  ],
});
