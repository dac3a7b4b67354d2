import { describe, expect, it } from 'vitest';
import { Group, Member, subscribedTopics } from '../../../server/group/group-state.js';
import type { Protocol } from '../../../server/group/group-results.js';

const proto = (name: string, metadata: Buffer = Buffer.alloc(0)): Protocol => ({ name, metadata });

function member(id: string, protocols: Protocol[], groupInstanceId: string | null = null): Member {
  return new Member({
    memberId: id,
    groupInstanceId,
    clientId: 'c',
    clientHost: '/127.0.0.1',
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 30_000,
    protocolType: 'consumer',
    protocols,
  });
}

/** A consumer protocol subscription (v0): version, topics, user data. */
function subscription(topics: string[]): Buffer {
  const parts: Buffer[] = [Buffer.from([0, 0]), Buffer.alloc(4)];
  parts[1]!.writeInt32BE(topics.length);
  for (const t of topics) {
    const len = Buffer.alloc(2);
    len.writeInt16BE(Buffer.byteLength(t));
    parts.push(len, Buffer.from(t));
  }
  parts.push(Buffer.from([0xff, 0xff, 0xff, 0xff]));
  return Buffer.concat(parts);
}

describe('Group', () => {
  it('follows the classic state machine and refuses illegal transitions', () => {
    const group = new Group('g');
    expect(group.state).toBe('Empty');
    expect(() => group.transitionTo('Stable')).toThrow(/illegal transition/);
    group.transitionTo('PreparingRebalance');
    group.transitionTo('CompletingRebalance');
    group.transitionTo('Stable');
    group.transitionTo('PreparingRebalance');
    group.transitionTo('Empty');
    group.transitionTo('Dead');
    expect(group.is('Dead')).toBe(true);
  });

  it('makes the first member leader and passes the lead on when it leaves', () => {
    const group = new Group('g');
    group.add(member('a', [proto('range')]));
    group.add(member('b', [proto('range')]));
    expect(group.leaderId).toBe('a');
    expect(group.protocolType).toBe('consumer');
    group.remove('a');
    expect(group.leaderId).toBe('b');
    group.remove('b');
    expect(group.leaderId).toBeNull();
  });

  it('selects the protocol every member supports, by preference vote', () => {
    const group = new Group('g');
    group.add(member('a', [proto('roundrobin'), proto('range')]));
    group.add(member('b', [proto('range'), proto('roundrobin'), proto('sticky')]));
    group.add(member('c', [proto('range'), proto('roundrobin')]));
    expect([...group.candidateProtocols()].sort()).toEqual(['range', 'roundrobin']);
    expect(group.selectProtocol()).toBe('range');
  });

  it('accepts a new member only with a matching type and a shared protocol', () => {
    const group = new Group('g');
    expect(group.supportsProtocols('', [proto('range')])).toBe(false);
    expect(group.supportsProtocols('consumer', [])).toBe(false);
    group.add(member('a', [proto('range')]));
    expect(group.supportsProtocols('consumer', [proto('sticky'), proto('range')])).toBe(true);
    expect(group.supportsProtocols('consumer', [proto('sticky')])).toBe(false);
    expect(group.supportsProtocols('connect', [proto('range')])).toBe(false);
  });

  it('replaces a static member under a new id and fences the old one', () => {
    const group = new Group('g');
    const m = member('old', [proto('range')], 'instance-1');
    m.assignment = Buffer.from('assigned');
    group.add(m);
    expect(group.staticMemberId('instance-1')).toBe('old');
    group.replaceStaticMember('instance-1', 'old', 'new');
    expect(group.has('old')).toBe(false);
    expect(group.get('new')?.assignment.toString()).toBe('assigned');
    expect(group.leaderId).toBe('new');
    expect(group.isStaticMemberFenced('old', 'instance-1')).toBe(true);
    expect(group.isStaticMemberFenced('new', 'instance-1')).toBe(false);
    expect(group.isStaticMemberFenced('anyone', null)).toBe(false);
  });

  it('reads the subscribed topics of a consumer group', () => {
    const group = new Group('g');
    group.add(member('a', [proto('range', subscription(['t1', 't2']))]));
    group.add(member('b', [proto('range', subscription(['t3']))]));
    group.protocolName = 'range';
    expect([...subscribedTopics(group)!].sort()).toEqual(['t1', 't2', 't3']);
    group.protocolType = 'connect';
    expect(subscribedTopics(group)).toBeUndefined();
  });
});
