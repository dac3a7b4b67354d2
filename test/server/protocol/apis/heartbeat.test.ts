import { describe, expect, it } from 'vitest';
import { HeartbeatApi } from '../../../../server/protocol/apis/heartbeat.js';
import { checkEveryVersion, encodeBody, wire } from '../../../helpers/message-roundtrip.js';

describe('Heartbeat schema', () => {
  it('round-trips a request in every version, instance id null and set', () => {
    for (const groupInstanceId of [null, 'instance-1']) {
      checkEveryVersion(HeartbeatApi, 'request', {
        groupId: 'grp',
        generationId: 5,
        memberId: 'm',
        groupInstanceId,
      });
    }
  });

  it('round-trips a response in every version', () => {
    checkEveryVersion(HeartbeatApi, 'response', { throttleTimeMs: 9, errorCode: 27 });
  });

  it('pins the v0 and v4 layouts', () => {
    const request = { groupId: 'g', generationId: 1, memberId: 'm', groupInstanceId: 'i' };
    expect(encodeBody(HeartbeatApi, 'request', 0, request)).toEqual(
      wire((w) => w.string('g').int32(1).string('m')),
    );
    expect(encodeBody(HeartbeatApi, 'request', 4, request)).toEqual(
      wire((w) => w.compactString('g').int32(1).compactString('m').compactString('i').unsignedVarint(0)),
    );
    expect(encodeBody(HeartbeatApi, 'response', 0, { throttleTimeMs: 5, errorCode: 27 })).toEqual(
      wire((w) => w.int16(27)),
    );
    expect(encodeBody(HeartbeatApi, 'response', 4, { throttleTimeMs: 5, errorCode: 27 })).toEqual(
      wire((w) => w.int32(5).int16(27).unsignedVarint(0)),
    );
  });
});
