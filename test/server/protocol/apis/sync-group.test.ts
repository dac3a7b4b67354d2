import { describe, expect, it } from 'vitest';
import { SyncGroupApi } from '../../../../server/protocol/apis/sync-group.js';
import { checkEveryVersion, encodeBody, wire } from '../../../helpers/message-roundtrip.js';

const assignment = Buffer.from([0, 1, 0, 0, 0, 1, 0, 1, 0x74, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]);

describe('SyncGroup schema', () => {
  it('round-trips a request in every version, nullable fields null and set', () => {
    for (const optional of [null, 'set']) {
      checkEveryVersion(SyncGroupApi, 'request', {
        groupId: 'grp',
        generationId: 2,
        memberId: 'm-1',
        groupInstanceId: optional,
        protocolType: optional,
        protocolName: optional,
        assignments: [
          { memberId: 'm-1', assignment },
          { memberId: 'm-2', assignment: Buffer.alloc(0) },
        ],
      });
    }
  });

  it('round-trips a response in every version, nullable fields null and set', () => {
    for (const optional of [null, 'set']) {
      checkEveryVersion(SyncGroupApi, 'response', {
        throttleTimeMs: 1,
        errorCode: 27,
        protocolType: optional,
        protocolName: optional,
        assignment,
      });
    }
  });

  it('v0 has no throttle time; v5 names the protocol type and name before the assignment', () => {
    expect(encodeBody(SyncGroupApi, 'response', 0, { errorCode: 0, assignment })).toEqual(
      wire((w) => w.int16(0).bytes(assignment)),
    );
    const v5 = {
      throttleTimeMs: 0,
      errorCode: 0,
      protocolType: 'consumer',
      protocolName: 'range',
      assignment,
    };
    expect(encodeBody(SyncGroupApi, 'response', 5, v5)).toEqual(
      wire((w) =>
        w
          .int32(0)
          .int16(0)
          .compactString('consumer')
          .compactString('range')
          .compactBytes(assignment)
          .unsignedVarint(0),
      ),
    );
  });
});
