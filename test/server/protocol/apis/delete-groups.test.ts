import { describe, expect, it } from 'vitest';
import { DeleteGroupsApi } from '../../../../server/protocol/apis/delete-groups.js';
import { checkEveryVersion, encodeBody, wire } from '../../../helpers/message-roundtrip.js';

describe('DeleteGroups schema', () => {
  it('round-trips a request and a response in every version', () => {
    checkEveryVersion(DeleteGroupsApi, 'request', { groupsNames: ['a', 'b'] });
    checkEveryVersion(DeleteGroupsApi, 'response', {
      throttleTimeMs: 3,
      results: [
        { groupId: 'a', errorCode: 0 },
        { groupId: 'b', errorCode: 68 },
      ],
    });
  });

  it('pins the v0 and v2 layouts', () => {
    expect(encodeBody(DeleteGroupsApi, 'request', 0, { groupsNames: ['a'] })).toEqual(
      wire((w) => w.arrayLength(1, false).string('a')),
    );
    expect(encodeBody(DeleteGroupsApi, 'request', 2, { groupsNames: ['a'] })).toEqual(
      wire((w) => w.arrayLength(1, true).compactString('a').unsignedVarint(0)),
    );
    const response = { throttleTimeMs: 0, results: [{ groupId: 'a', errorCode: 69 }] };
    expect(encodeBody(DeleteGroupsApi, 'response', 1, response)).toEqual(
      wire((w) => w.int32(0).arrayLength(1, false).string('a').int16(69)),
    );
    expect(encodeBody(DeleteGroupsApi, 'response', 2, response)).toEqual(
      wire((w) =>
        w.int32(0).arrayLength(1, true).compactString('a').int16(69).unsignedVarint(0).unsignedVarint(0),
      ),
    );
  });
});
