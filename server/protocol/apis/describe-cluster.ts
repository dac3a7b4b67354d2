/**
 * DescribeCluster (key 60): the cluster id, the controller and the brokers, as the admin client
 * sees them. Flexible in every version; v1 lets the request choose which endpoints to describe
 * (1 brokers, 2 controllers) and echoes that choice in the response.
 */
import { arrayOf, defineApi, field, struct } from '../schema.js';

const UNKNOWN_OPERATIONS = -2147483648;

export const DescribeClusterApi = defineApi({
  key: 60,
  name: 'DescribeCluster',
  versions: '0-1',
  flexible: '0+',
  request: [
    field('includeClusterAuthorizedOperations', 'bool', '0+'),
    field('endpointType', 'int8', '1+', { default: 1 }),
  ],
  response: [
    field('throttleTimeMs', 'int32', '0+'),
    field('errorCode', 'int16', '0+'),
    field('errorMessage', 'string', '0+', { nullable: '0+', default: null }),
    field('endpointType', 'int8', '1+', { default: 1 }),
    field('clusterId', 'string', '0+'),
    field('controllerId', 'int32', '0+', { default: -1 }),
    field(
      'brokers',
      arrayOf(
        struct([
          field('brokerId', 'int32', '0+'),
          field('host', 'string', '0+'),
          field('port', 'int32', '0+'),
          field('rack', 'string', '0+', { nullable: '0+', default: null }),
        ]),
      ),
      '0+',
    ),
    field('clusterAuthorizedOperations', 'int32', '0+', { default: UNKNOWN_OPERATIONS }),
  ],
});
