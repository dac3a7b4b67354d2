import { describe, expect, it } from 'vitest';
import { DescribeClusterApi } from '../../../../server/protocol/apis/describe-cluster.js';
import { atVersion, roundTrip, versionsOf } from '../../../helpers/message-roundtrip.js';

const request = { includeClusterAuthorizedOperations: true, endpointType: 2 };

const response = {
  throttleTimeMs: 1,
  errorCode: 0,
  errorMessage: null,
  endpointType: 2,
  clusterId: 'F7fC3tN6Qty04efI35AM4w',
  controllerId: 0,
  brokers: [
    { brokerId: 0, host: '127.0.0.1', port: 9092, rack: null },
    { brokerId: 1, host: '127.0.0.2', port: 9092, rack: 'rack-b' },
  ],
  clusterAuthorizedOperations: 3072,
};

describe('DescribeCluster schema', () => {
  for (const version of versionsOf(DescribeClusterApi)) {
    it(`v${version} request round-trips`, () => {
      const { decoded } = roundTrip(DescribeClusterApi, 'request', version, request);
      expect(decoded).toEqual({
        includeClusterAuthorizedOperations: true,
        endpointType: version >= 1 ? 2 : 1,
      });
    });

    it(`v${version} response round-trips`, () => {
      const { decoded } = roundTrip(DescribeClusterApi, 'response', version, response);
      expect(decoded).toMatchObject(atVersion(DescribeClusterApi.response, version, response));
      expect(decoded.endpointType).toBe(version >= 1 ? 2 : 1);
    });

    it(`v${version} error response keeps its message`, () => {
      const error = { errorCode: 41, errorMessage: 'Not the controller.', clusterId: 'c', brokers: [] };
      const { decoded } = roundTrip(DescribeClusterApi, 'response', version, error);
      expect(decoded).toMatchObject(error);
      expect(decoded.controllerId).toBe(-1);
      expect(decoded.clusterAuthorizedOperations).toBe(-2147483648);
    });
  }
});
