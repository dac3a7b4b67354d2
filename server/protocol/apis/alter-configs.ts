/**
 * AlterConfigs (key 33): replaces the whole set of config overrides of topics or brokers (keys not
 * listed revert to their defaults). v1 only changes when throttling happens; flexible from v2.
 */
import { arrayOf, defineApi, field, struct } from '../schema.js';

export const AlterConfigsApi = defineApi({
  key: 33,
  name: 'AlterConfigs',
  versions: '0-2',
  flexible: '2+',
  request: [
    field(
      'resources',
      arrayOf(
        struct([
          field('resourceType', 'int8', '0+'),
          field('resourceName', 'string', '0+'),
          field(
            'configs',
            arrayOf(
              struct([field('name', 'string', '0+'), field('value', 'string', '0+', { nullable: '0+' })]),
            ),
            '0+',
          ),
        ]),
      ),
      '0+',
    ),
    field('validateOnly', 'bool', '0+'),
  ],
  response: [
    field('throttleTimeMs', 'int32', '0+'),
    field(
      'responses',
      arrayOf(
        struct([
          field('errorCode', 'int16', '0+'),
          field('errorMessage', 'string', '0+', { nullable: '0+', default: null }),
          field('resourceType', 'int8', '0+'),
          field('resourceName', 'string', '0+'),
        ]),
      ),
      '0+',
    ),
  ],
});
