/**
 * IncrementalAlterConfigs (key 44): changes individual config keys of topics or brokers, each with
 * its own operation (0 set, 1 delete, 2 append, 3 subtract), leaving other keys alone. Flexible
 * from v1, which is otherwise the same as v0.
 */
import { arrayOf, defineApi, field, struct } from '../schema.js';

export const IncrementalAlterConfigsApi = defineApi({
  key: 44,
  name: 'IncrementalAlterConfigs',
  versions: '0-1',
  flexible: '1+',
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
              struct([
                field('name', 'string', '0+'),
                field('configOperation', 'int8', '0+'),
                field('value', 'string', '0+', { nullable: '0+' }),
              ]),
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
