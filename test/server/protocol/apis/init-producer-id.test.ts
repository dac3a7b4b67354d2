import { describe, expect, it } from 'vitest';
import { InitProducerIdApi } from '../../../../server/protocol/apis/init-producer-id.js';
import { roundTrip } from '../../../helpers/message-roundtrip.js';

describe('InitProducerId schema', () => {
  for (let version = 0; version <= 4; version++) {
    it(`v${version} request survives a round trip`, () => {
      for (const transactionalId of ['txn-1', null]) {
        const { decoded } = roundTrip(InitProducerIdApi, 'request', version, {
          transactionalId,
          transactionTimeoutMs: 60000,
          producerId: 4000,
          producerEpoch: 3,
        });
        expect(decoded).toEqual({
          transactionalId,
          transactionTimeoutMs: 60000,
          producerId: version >= 3 ? 4000 : -1,
          producerEpoch: version >= 3 ? 3 : -1,
        });
      }
    });

    it(`v${version} response survives a round trip`, () => {
      const response = { throttleTimeMs: 0, errorCode: 0, producerId: 4001, producerEpoch: 0 };
      expect(roundTrip(InitProducerIdApi, 'response', version, response).decoded).toEqual(response);
    });
  }

  it('writes a flexible v2 request with a compact null id and an empty tag section', () => {
    const { bytes } = roundTrip(InitProducerIdApi, 'request', 2, {
      transactionalId: null,
      transactionTimeoutMs: 1,
    });
    expect([...bytes]).toEqual([0, 0, 0, 0, 1, 0]);
  });
});
