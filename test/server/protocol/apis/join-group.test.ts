import { describe, expect, it } from 'vitest';
import { JoinGroupApi } from '../../../../server/protocol/apis/join-group.js';
import { checkEveryVersion, encodeBody, roundTrip, wire } from '../../../helpers/message-roundtrip.js';

const metadata = Buffer.from([0, 1, 0, 0, 0, 1, 0, 1, 0x74, 0, 0, 0, 0]);

describe('JoinGroup schema', () => {
  it('round-trips a request in every version, instance id and reason null and set', () => {
    for (const optional of [null, 'x']) {
      checkEveryVersion(JoinGroupApi, 'request', {
        groupId: 'grp',
        sessionTimeoutMs: 10_000,
        rebalanceTimeoutMs: 60_000,
        memberId: 'm-1',
        groupInstanceId: optional,
        protocolType: 'consumer',
        protocols: [
          { name: 'range', metadata },
          { name: 'roundrobin', metadata: Buffer.alloc(0) },
        ],
        reason: optional,
      });
    }
  });

  it('round-trips a response in every version, nullable protocol fields null and set', () => {
    for (const optional of [null, 'consumer']) {
      checkEveryVersion(JoinGroupApi, 'response', (version) => ({
        throttleTimeMs: 3,
        errorCode: 0,
        generationId: 4,
        protocolType: optional,
        protocolName: version >= 7 ? optional : 'range',
        leader: 'm-1',
        skipAssignment: true,
        memberId: 'm-2',
        members: [
          { memberId: 'm-1', groupInstanceId: optional, metadata },
          { memberId: 'm-2', groupInstanceId: null, metadata },
        ],
      }));
    }
  });

  it('a v0 request has no rebalance timeout; decoding gives the -1 default', () => {
    const message = {
      groupId: 'g',
      sessionTimeoutMs: 1,
      rebalanceTimeoutMs: 2,
      memberId: '',
      protocolType: 'c',
    };
    const bytes = wire((w) => w.string('g').int32(1).string('').string('c').arrayLength(0, false));
    expect(encodeBody(JoinGroupApi, 'request', 0, message)).toEqual(bytes);
    expect(roundTrip(JoinGroupApi, 'request', 0, message).decoded.rebalanceTimeoutMs).toBe(-1);
  });

  it('v8 appends the reason after the protocols', () => {
    const message = {
      groupId: 'g',
      sessionTimeoutMs: 1,
      rebalanceTimeoutMs: 2,
      memberId: 'm',
      reason: 'why',
    };
    const bytes = wire((w) =>
      w
        .compactString('g')
        .int32(1)
        .int32(2)
        .compactString('m')
        .compactString(null)
        .compactString('')
        .arrayLength(0, true)
        .compactString('why')
        .unsignedVarint(0),
    );
    expect(encodeBody(JoinGroupApi, 'request', 8, message)).toEqual(bytes);
  });

  it('v9 responses carry skipAssignment between the leader and the member id', () => {
    const message = {
      generationId: 1,
      protocolType: 'c',
      protocolName: 'r',
      leader: 'l',
      skipAssignment: true,
    };
    const bytes = wire((w) =>
      w
        .int32(0)
        .int16(0)
        .int32(1)
        .compactString('c')
        .compactString('r')
        .compactString('l')
        .bool(true)
        .compactString('')
        .arrayLength(0, true)
        .unsignedVarint(0),
    );
    expect(encodeBody(JoinGroupApi, 'response', 9, message)).toEqual(bytes);
    expect(roundTrip(JoinGroupApi, 'response', 7, message).decoded.skipAssignment).toBe(false);
  });
});
