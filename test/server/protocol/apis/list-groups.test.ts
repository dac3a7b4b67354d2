import { describe, expect, it } from 'vitest';
import { ListGroupsApi } from '../../../../server/protocol/apis/list-groups.js';
import { checkEveryVersion, encodeBody, wire } from '../../../helpers/message-roundtrip.js';

describe('ListGroups schema', () => {
  it('round-trips a request in every version', () => {
    checkEveryVersion(ListGroupsApi, 'request', {
      statesFilter: ['Stable', 'Empty'],
      typesFilter: ['classic'],
    });
  });

  it('round-trips a response in every version', () => {
    checkEveryVersion(ListGroupsApi, 'response', {
      throttleTimeMs: 0,
      errorCode: 0,
      groups: [
        { groupId: 'grp', protocolType: 'consumer', groupState: 'Stable', groupType: 'classic' },
        { groupId: 'connect', protocolType: '', groupState: 'Empty', groupType: 'classic' },
      ],
    });
  });

  it('pins the v0, v3, v4 and v5 layouts', () => {
    const request = { statesFilter: ['Stable'], typesFilter: ['classic'] };
    expect(encodeBody(ListGroupsApi, 'request', 0, request).length).toBe(0);
    expect(encodeBody(ListGroupsApi, 'request', 3, request)).toEqual(wire((w) => w.unsignedVarint(0)));
    expect(encodeBody(ListGroupsApi, 'request', 4, request)).toEqual(
      wire((w) => w.arrayLength(1, true).compactString('Stable').unsignedVarint(0)),
    );
    expect(encodeBody(ListGroupsApi, 'request', 5, request)).toEqual(
      wire((w) =>
        w
          .arrayLength(1, true)
          .compactString('Stable')
          .arrayLength(1, true)
          .compactString('classic')
          .unsignedVarint(0),
      ),
    );
    const group = { groupId: 'g', protocolType: 'consumer', groupState: 'Stable', groupType: 'classic' };
    expect(encodeBody(ListGroupsApi, 'response', 0, { errorCode: 0, groups: [group] })).toEqual(
      wire((w) => w.int16(0).arrayLength(1, false).string('g').string('consumer')),
    );
    expect(
      encodeBody(ListGroupsApi, 'response', 5, { throttleTimeMs: 2, errorCode: 0, groups: [group] }),
    ).toEqual(
      wire((w) =>
        w
          .int32(2)
          .int16(0)
          .arrayLength(1, true)
          .compactString('g')
          .compactString('consumer')
          .compactString('Stable')
          .compactString('classic')
          .unsignedVarint(0)
          .unsignedVarint(0),
      ),
    );
  });
});
