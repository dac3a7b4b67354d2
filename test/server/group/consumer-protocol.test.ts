// Consumer protocol v0 encodings and the range assignor.
import { describe, expect, it } from 'vitest';
import {
  assignRange,
  decodeAssignment,
  decodeSubscription,
  encodeAssignment,
  encodeSubscription,
} from '../../../server/group/consumer-protocol.js';

describe('consumer protocol', () => {
  it('encodes a v0 subscription as Kafka does and reads it back', () => {
    const bytes = encodeSubscription(['ab']);
    // version 0, one topic "ab", null user data
    expect(bytes.toString('hex')).toBe('0000' + '00000001' + '0002' + '6162' + 'ffffffff');
    expect(decodeSubscription(bytes)).toEqual(['ab']);
    // A v1 subscription (owned partitions appended) still reads as its topics.
    const v1 = Buffer.concat([Buffer.from('0001', 'hex'), bytes.subarray(2), Buffer.from('00000000', 'hex')]);
    expect(decodeSubscription(v1)).toEqual(['ab']);
  });

  it('round-trips an assignment and reads an empty one', () => {
    const assignment = new Map([
      ['t', [0, 1, 2]],
      ['u', [5]],
    ]);
    expect(decodeAssignment(encodeAssignment(assignment))).toEqual(assignment);
    expect(decodeAssignment(Buffer.alloc(0)).size).toBe(0);
    expect(decodeAssignment(null).size).toBe(0);
  });

  it('assigns ranges in member id order, the first members one extra', () => {
    const members = [
      { memberId: 'c', topics: ['t'] },
      { memberId: 'a', topics: ['t', 'u'] },
      { memberId: 'b', topics: ['t'] },
    ];
    const result = assignRange(
      members,
      new Map([
        ['t', 7],
        ['u', 2],
      ]),
    );
    expect(result.get('a')).toEqual(
      new Map([
        ['t', [0, 1, 2]],
        ['u', [0, 1]],
      ]),
    );
    expect(result.get('b')).toEqual(new Map([['t', [3, 4]]]));
    expect(result.get('c')).toEqual(new Map([['t', [5, 6]]]));
    // More members than partitions: the last ones get nothing.
    const few = assignRange(members, new Map([['t', 1]]));
    expect(few.get('a')).toEqual(new Map([['t', [0]]]));
    expect(few.get('c')!.size).toBe(0);
  });
});
