import { describe, expect, it } from 'vitest';
import { LeaveGroupApi } from '../../../../server/protocol/apis/leave-group.js';
import { checkEveryVersion, encodeBody, wire } from '../../../helpers/message-roundtrip.js';

describe('LeaveGroup schema', () => {
  it('round-trips a request in every version, nullable fields null and set', () => {
    for (const optional of [null, 'set']) {
      checkEveryVersion(LeaveGroupApi, 'request', {
        groupId: 'grp',
        memberId: 'm-1',
        members: [
          { memberId: 'm-1', groupInstanceId: optional, reason: optional },
          { memberId: 'm-2', groupInstanceId: 'i-2', reason: 'shutting down' },
        ],
      });
    }
  });

  it('round-trips a response in every version', () => {
    checkEveryVersion(LeaveGroupApi, 'response', {
      throttleTimeMs: 2,
      errorCode: 0,
      members: [
        { memberId: 'm-1', groupInstanceId: null, errorCode: 0 },
        { memberId: '', groupInstanceId: 'i-2', errorCode: 25 },
      ],
    });
  });

  it('v2 names one member; v5 batches members with a reason each', () => {
    const message = {
      groupId: 'g',
      memberId: 'm',
      members: [{ memberId: 'm', groupInstanceId: null, reason: 'r' }],
    };
    expect(encodeBody(LeaveGroupApi, 'request', 2, message)).toEqual(wire((w) => w.string('g').string('m')));
    expect(encodeBody(LeaveGroupApi, 'request', 5, message)).toEqual(
      wire((w) =>
        w
          .compactString('g')
          .arrayLength(1, true)
          .compactString('m')
          .compactString(null)
          .compactString('r')
          .unsignedVarint(0)
          .unsignedVarint(0),
      ),
    );
  });
});
