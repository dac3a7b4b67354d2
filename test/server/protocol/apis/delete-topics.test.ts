import { describe, expect, it } from 'vitest';
import { DeleteTopicsApi } from '../../../../server/protocol/apis/delete-topics.js';
import { atVersion, roundTrip, uuidOf, versionsOf } from '../../../helpers/message-roundtrip.js';

const request = {
  topics: [
    { name: 'orders', topicId: uuidOf(1) },
    { name: null, topicId: uuidOf(2) },
  ],
  topicNames: ['orders', 'payments'],
  timeoutMs: 15000,
};

const response = {
  throttleTimeMs: 4,
  responses: [
    { name: 'orders', topicId: uuidOf(1), errorCode: 0, errorMessage: null },
    { name: 'gone', topicId: uuidOf(3), errorCode: 3, errorMessage: 'This server does not host this topic.' },
  ],
};

describe('DeleteTopics schema', () => {
  for (const version of versionsOf(DeleteTopicsApi)) {
    it(`v${version} request round-trips`, () => {
      const { decoded } = roundTrip(DeleteTopicsApi, 'request', version, request);
      expect(decoded).toMatchObject(atVersion(DeleteTopicsApi.request, version, request));
      if (version >= 6) {
        expect(decoded.topicNames).toEqual([]);
        expect(decoded.topics).toEqual(request.topics);
      } else {
        expect(decoded.topicNames).toEqual(['orders', 'payments']);
        expect(decoded.topics).toEqual([]);
      }
    });

    it(`v${version} response round-trips`, () => {
      const { decoded } = roundTrip(DeleteTopicsApi, 'response', version, response);
      expect(decoded).toMatchObject(atVersion(DeleteTopicsApi.response, version, response));
      const [, gone] = decoded.responses as Record<string, unknown>[];
      expect(decoded.throttleTimeMs).toBe(version >= 1 ? 4 : 0);
      expect(gone!.errorMessage).toBe(version >= 5 ? 'This server does not host this topic.' : null);
      expect(gone!.topicId).toBe(version >= 6 ? uuidOf(3) : 'AAAAAAAAAAAAAAAAAAAAAA');
    });
  }

  it('allows a null topic name in responses from v6 only', () => {
    const nameless = { responses: [{ name: null, topicId: uuidOf(5), errorCode: 100 }] };
    expect(roundTrip(DeleteTopicsApi, 'response', 6, nameless).decoded).toMatchObject(nameless);
    expect(() => roundTrip(DeleteTopicsApi, 'response', 5, nameless)).toThrow();
  });
});
