import { describe, expect, it } from 'vitest';
import { CreateTopicsApi } from '../../../../server/protocol/apis/create-topics.js';
import { atVersion, roundTrip, uuidOf, versionsOf } from '../../../helpers/message-roundtrip.js';

const request = {
  topics: [
    {
      name: 'orders',
      numPartitions: 3,
      replicationFactor: 2,
      assignments: [{ partitionIndex: 0, brokerIds: [1, 2] }],
      configs: [
        { name: 'cleanup.policy', value: 'compact' },
        { name: 'retention.ms', value: null },
      ],
    },
  ],
  timeoutMs: 30000,
  validateOnly: true,
};

const response = {
  throttleTimeMs: 7,
  topics: [
    {
      name: 'orders',
      topicId: uuidOf(9),
      errorCode: 36,
      errorMessage: 'Topic already exists.',
      topicConfigErrorCode: 29,
      numPartitions: 3,
      replicationFactor: 2,
      configs: [
        { name: 'cleanup.policy', value: 'compact', readOnly: false, configSource: 1, isSensitive: false },
        { name: 'ssl.key', value: null, readOnly: true, configSource: 5, isSensitive: true },
      ],
    },
    { name: 'other', topicId: uuidOf(3), errorCode: 0, errorMessage: null, configs: null },
  ],
};

describe('CreateTopics schema', () => {
  for (const version of versionsOf(CreateTopicsApi)) {
    it(`v${version} request round-trips`, () => {
      const { decoded } = roundTrip(CreateTopicsApi, 'request', version, request);
      expect(decoded).toMatchObject(atVersion(CreateTopicsApi.request, version, request));
      expect(decoded.validateOnly).toBe(version >= 1);
    });

    it(`v${version} response round-trips`, () => {
      const { decoded } = roundTrip(CreateTopicsApi, 'response', version, response);
      expect(decoded).toMatchObject(atVersion(CreateTopicsApi.response, version, response));
      const [first, second] = decoded.topics as Record<string, unknown>[];
      expect(decoded.throttleTimeMs).toBe(version >= 2 ? 7 : 0);
      expect(first!.errorMessage).toBe(version >= 1 ? 'Topic already exists.' : null);
      expect(first!.topicId).toBe(version >= 7 ? uuidOf(9) : 'AAAAAAAAAAAAAAAAAAAAAA');
      expect(first!.topicConfigErrorCode).toBe(version >= 5 ? 29 : 0);
      expect(first!.numPartitions).toBe(version >= 5 ? 3 : -1);
      expect(second!.configs).toEqual(version >= 5 ? null : []);
    });
  }

  it('sends topicConfigErrorCode as tagged field 0 only when it is not 0', () => {
    const topic = { name: 't', errorCode: 0, errorMessage: null, numPartitions: 1, replicationFactor: 1 };
    const plain = roundTrip(CreateTopicsApi, 'response', 5, { topics: [{ ...topic }] }).bytes;
    const tagged = roundTrip(CreateTopicsApi, 'response', 5, {
      topics: [{ ...topic, topicConfigErrorCode: 29 }],
    });
    // One tagged field: count 1, tag 0, size 2, int16 29 — four bytes more than the untagged form.
    expect(tagged.bytes.length).toBe(plain.length + 4);
    expect(tagged.bytes.includes(Buffer.from([0x01, 0x00, 0x02, 0x00, 29]))).toBe(true);
  });

  it('fills request defaults for fields a version lacks', () => {
    const { decoded } = roundTrip(CreateTopicsApi, 'request', 0, { topics: [] });
    expect(decoded).toEqual({ topics: [], timeoutMs: 60000, validateOnly: false });
  });
});
