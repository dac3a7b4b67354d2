import { describe, expect, it } from 'vitest';
import { DescribeGroupsApi } from '../../../../server/protocol/apis/describe-groups.js';
import { checkEveryVersion, encodeBody, roundTrip, wire } from '../../../helpers/message-roundtrip.js';

const member = (groupInstanceId: string | null) => ({
  memberId: 'm-1',
  groupInstanceId,
  clientId: 'client',
  clientHost: '/127.0.0.1',
  memberMetadata: Buffer.from([0, 1, 2]),
  memberAssignment: Buffer.from([3, 4]),
});

describe('DescribeGroups schema', () => {
  it('round-trips a request in every version', () => {
    checkEveryVersion(DescribeGroupsApi, 'request', {
      groups: ['a', 'b'],
      includeAuthorizedOperations: true,
    });
  });

  it('round-trips a response in every version, instance ids null and set', () => {
    checkEveryVersion(DescribeGroupsApi, 'response', {
      throttleTimeMs: 6,
      groups: [
        {
          errorCode: 0,
          groupId: 'grp',
          groupState: 'Stable',
          protocolType: 'consumer',
          protocolData: 'range',
          members: [member(null), member('instance-2')],
          authorizedOperations: 0b1100,
        },
        {
          errorCode: 16,
          groupId: 'missing',
          groupState: 'Dead',
          protocolType: '',
          protocolData: '',
          members: [],
        },
      ],
    });
  });

  it('authorized operations default to the unknown marker before v3', () => {
    const message = { groups: [{ groupId: 'g', authorizedOperations: 8 }] };
    const groups = roundTrip(DescribeGroupsApi, 'response', 2, message).decoded.groups as Record<
      string,
      unknown
    >[];
    expect(groups[0]!.authorizedOperations).toBe(-2147483648);
  });

  it('pins the v0 and v4 layouts', () => {
    const request = { groups: ['g'], includeAuthorizedOperations: true };
    expect(encodeBody(DescribeGroupsApi, 'request', 0, request)).toEqual(
      wire((w) => w.arrayLength(1, false).string('g')),
    );
    expect(encodeBody(DescribeGroupsApi, 'request', 4, request)).toEqual(
      wire((w) => w.arrayLength(1, false).string('g').bool(true)),
    );
    const m = member('i');
    const response = {
      throttleTimeMs: 1,
      groups: [
        {
          groupId: 'g',
          groupState: 'S',
          protocolType: 'c',
          protocolData: 'r',
          members: [m],
          authorizedOperations: 2,
        },
      ],
    };
    expect(encodeBody(DescribeGroupsApi, 'response', 4, response)).toEqual(
      wire((w) =>
        w
          .int32(1)
          .arrayLength(1, false)
          .int16(0)
          .string('g')
          .string('S')
          .string('c')
          .string('r')
          .arrayLength(1, false)
          .string('m-1')
          .string('i')
          .string('client')
          .string('/127.0.0.1')
          .bytes(m.memberMetadata)
          .bytes(m.memberAssignment)
          .int32(2),
      ),
    );
  });
});
