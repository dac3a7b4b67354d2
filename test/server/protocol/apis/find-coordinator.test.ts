import { describe, expect, it } from 'vitest';
import { FindCoordinatorApi } from '../../../../server/protocol/apis/find-coordinator.js';
import { checkEveryVersion, encodeBody, roundTrip, wire } from '../../../helpers/message-roundtrip.js';

describe('FindCoordinator schema', () => {
  it('round-trips a request in every version', () => {
    checkEveryVersion(FindCoordinatorApi, 'request', {
      key: 'grp',
      keyType: 1,
      coordinatorKeys: ['grp', 'txn'],
    });
  });

  it('round-trips a response in every version, error messages null and set', () => {
    for (const errorMessage of [null, 'loading']) {
      checkEveryVersion(FindCoordinatorApi, 'response', {
        throttleTimeMs: 7,
        errorCode: 15,
        errorMessage,
        nodeId: 3,
        host: 'broker-3',
        port: 9092,
        coordinators: [
          { key: 'grp', nodeId: 3, host: 'broker-3', port: 9092, errorCode: 0, errorMessage: null },
          { key: 'txn', nodeId: -1, host: '', port: -1, errorCode: 15, errorMessage },
        ],
      });
    }
  });

  it('v0 sends only the key; v1 adds the key type', () => {
    expect(encodeBody(FindCoordinatorApi, 'request', 0, { key: 'g', keyType: 1 })).toEqual(
      wire((w) => w.string('g')),
    );
    expect(encodeBody(FindCoordinatorApi, 'request', 1, { key: 'g', keyType: 1 })).toEqual(
      wire((w) => w.string('g').int8(1)),
    );
  });

  it('v4 batches keys and answers with one coordinator per key', () => {
    const request = { key: 'ignored', keyType: 0, coordinatorKeys: ['a', 'b'] };
    expect(encodeBody(FindCoordinatorApi, 'request', 4, request)).toEqual(
      wire((w) => w.int8(0).arrayLength(2, true).compactString('a').compactString('b').unsignedVarint(0)),
    );
    const response = {
      throttleTimeMs: 0,
      coordinators: [{ key: 'a', nodeId: 1, host: 'h', port: 2, errorCode: 0, errorMessage: null }],
    };
    const expected = wire((w) =>
      w
        .int32(0)
        .arrayLength(1, true)
        .compactString('a')
        .int32(1)
        .compactString('h')
        .int32(2)
        .int16(0)
        .compactString(null)
        .unsignedVarint(0)
        .unsignedVarint(0),
    );
    expect(roundTrip(FindCoordinatorApi, 'response', 5, response).bytes).toEqual(expected);
  });
});
