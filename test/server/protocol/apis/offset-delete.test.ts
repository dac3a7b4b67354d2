import { describe, expect, it } from 'vitest';
import { OffsetDeleteApi } from '../../../../server/protocol/apis/offset-delete.js';
import { checkEveryVersion, encodeBody, wire } from '../../../helpers/message-roundtrip.js';

describe('OffsetDelete schema', () => {
  it('round-trips a request and a response in v0', () => {
    checkEveryVersion(OffsetDeleteApi, 'request', {
      groupId: 'grp',
      topics: [{ name: 'orders', partitions: [{ partitionIndex: 0 }, { partitionIndex: 2 }] }],
    });
    checkEveryVersion(OffsetDeleteApi, 'response', {
      errorCode: 0,
      throttleTimeMs: 5,
      topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, errorCode: 86 }] }],
    });
  });

  it('is never flexible and pins the v0 layout (error code before throttle time)', () => {
    expect(OffsetDeleteApi.flexible.min > OffsetDeleteApi.flexible.max).toBe(true);
    const request = { groupId: 'g', topics: [{ name: 't', partitions: [{ partitionIndex: 1 }] }] };
    expect(encodeBody(OffsetDeleteApi, 'request', 0, request)).toEqual(
      wire((w) => w.string('g').arrayLength(1, false).string('t').arrayLength(1, false).int32(1)),
    );
    const response = {
      errorCode: 30,
      throttleTimeMs: 7,
      topics: [{ name: 't', partitions: [{ partitionIndex: 1, errorCode: 0 }] }],
    };
    expect(encodeBody(OffsetDeleteApi, 'response', 0, response)).toEqual(
      wire((w) =>
        w.int16(30).int32(7).arrayLength(1, false).string('t').arrayLength(1, false).int32(1).int16(0),
      ),
    );
  });
});
