/**
 * DescribeConfigs (key 32): the configuration entries of topics and brokers, all of them or the
 * named keys only. v0 flags defaults with `isDefault`; from v1 each entry has a `configSource` and
 * may list its synonyms; from v3 the data type and documentation. Flexible from v4.
 */
import { arrayOf, defineApi, field, struct } from '../schema.js';

export const DescribeConfigsApi = defineApi({
  key: 32,
  name: 'DescribeConfigs',
  versions: '0-4',
  flexible: '4+',
  request: [
    field(
      'resources',
      arrayOf(
        struct([
          field('resourceType', 'int8', '0+'),
          field('resourceName', 'string', '0+'),
          field('configurationKeys', arrayOf('string'), '0+', { nullable: '0+' }),
        ]),
      ),
      '0+',
    ),
    field('includeSynonyms', 'bool', '1+', { default: false }),
    field('includeDocumentation', 'bool', '3+', { default: false }),
  ],
  response: [
    field('throttleTimeMs', 'int32', '0+'),
    field(
      'results',
      arrayOf(
        struct([
          field('errorCode', 'int16', '0+'),
          field('errorMessage', 'string', '0+', { nullable: '0+', default: null }),
          field('resourceType', 'int8', '0+'),
          field('resourceName', 'string', '0+'),
          field(
            'configs',
            arrayOf(
              struct([
                field('name', 'string', '0+'),
                field('value', 'string', '0+', { nullable: '0+' }),
                field('readOnly', 'bool', '0+'),
                field('isDefault', 'bool', '0'),
                field('configSource', 'int8', '1+', { default: -1 }),
                field('isSensitive', 'bool', '0+'),
                field(
                  'synonyms',
                  arrayOf(
                    struct([
                      field('name', 'string', '1+'),
                      field('value', 'string', '1+', { nullable: '1+' }),
                      field('source', 'int8', '1+'),
                    ]),
                  ),
                  '1+',
                ),
                field('configType', 'int8', '3+', { default: 0 }),
                field('documentation', 'string', '3+', { nullable: '3+', default: null }),
              ]),
            ),
            '0+',
          ),
        ]),
      ),
      '0+',
    ),
  ],
});
