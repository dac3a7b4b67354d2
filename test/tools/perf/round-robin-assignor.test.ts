// The assignors a Kiln group member offers: range first, round robin under Java's and kafkajs's names.
import { describe, expect, it } from 'vitest';
import { ASSIGNORS, assignPartitions, assignRoundRobin } from '../../../server/group/consumer-protocol.js';

describe('round-robin assignor', () => {
  it('deals partitions to members in member id order, skipping members not subscribed', () => {
    const members = [
      { memberId: 'b', topics: ['t', 'u'] },
      { memberId: 'a', topics: ['t'] },
    ];
    const result = assignRoundRobin(
      members,
      new Map([
        ['t', 3],
        ['u', 2],
      ]),
    );
    expect(result.get('a')).toEqual(new Map([['t', [0, 2]]]));
    expect(result.get('b')).toEqual(
      new Map([
        ['t', [1]],
        ['u', [0, 1]],
      ]),
    );
  });

  it('is what the group gets under either round-robin name; range otherwise', () => {
    expect(ASSIGNORS).toEqual(['range', 'roundrobin', 'RoundRobinAssigner']);
    const members = [
      { memberId: 'a', topics: ['t'] },
      { memberId: 'b', topics: ['t'] },
    ];
    const counts = new Map([['t', 4]]);
    const roundRobin = new Map([
      ['a', new Map([['t', [0, 2]]])],
      ['b', new Map([['t', [1, 3]]])],
    ]);
    expect(assignPartitions('RoundRobinAssigner', members, counts)).toEqual(roundRobin);
    expect(assignPartitions('roundrobin', members, counts)).toEqual(roundRobin);
    expect(assignPartitions('range', members, counts)).toEqual(
      new Map([
        ['a', new Map([['t', [0, 1]]])],
        ['b', new Map([['t', [2, 3]]])],
      ]),
    );
  });
});
