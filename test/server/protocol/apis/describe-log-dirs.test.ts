import { describe, expect, it } from 'vitest';
import { DescribeLogDirsApi } from '../../../../server/protocol/apis/describe-log-dirs.js';
import { atVersion, roundTrip, versionsOf } from '../../../helpers/message-roundtrip.js';

const request = {
  topics: [
    { topic: 'orders', partitions: [0, 1, 2] },
    { topic: 'payments', partitions: [] },
  ],
};

const response = {
  throttleTimeMs: 6,
  errorCode: 31,
  results: [
    {
      errorCode: 0,
      logDir: '/var/lib/kiln/data',
      topics: [
        {
          name: 'orders',
          partitions: [
            { partitionIndex: 0, partitionSize: 5_000_000_000, offsetLag: 0, isFutureKey: false },
            { partitionIndex: 1, partitionSize: 1024, offsetLag: 12, isFutureKey: true },
          ],
        },
      ],
      totalBytes: 500_000_000_000,
      usableBytes: 123_456_789_012,
    },
    { errorCode: 57, logDir: '/mnt/broken', topics: [], totalBytes: -1, usableBytes: -1 },
  ],
};

describe('DescribeLogDirs schema', () => {
  for (const version of versionsOf(DescribeLogDirsApi)) {
    it(`v${version} request round-trips`, () => {
      const { decoded } = roundTrip(DescribeLogDirsApi, 'request', version, request);
      expect(decoded).toEqual(request);
    });

    it(`v${version} request for all topics (null) round-trips`, () => {
      const { decoded } = roundTrip(DescribeLogDirsApi, 'request', version, { topics: null });
      expect(decoded).toEqual({ topics: null });
    });

    it(`v${version} response round-trips`, () => {
      const { decoded } = roundTrip(DescribeLogDirsApi, 'response', version, response);
      expect(decoded).toMatchObject(atVersion(DescribeLogDirsApi.response, version, response));
      const [first] = decoded.results as Record<string, unknown>[];
      expect(decoded.errorCode).toBe(version >= 3 ? 31 : 0);
      expect(first!.totalBytes).toBe(version >= 4 ? 500_000_000_000 : -1);
      expect(first!.usableBytes).toBe(version >= 4 ? 123_456_789_012 : -1);
    });
  }
});
