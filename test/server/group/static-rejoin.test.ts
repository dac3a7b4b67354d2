import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GroupMembership } from '../../../server/group/group-membership.js';
import type { JoinRequest, JoinResult, SyncResult } from '../../../server/group/group-results.js';
import { Group } from '../../../server/group/group-state.js';
import { ErrorCode } from '../../../server/protocol/error-codes.js';
import { joinRequest, subscription } from '../../helpers/group-context.js';

/**
 * A known static member rejoining without its member id (a restarted process), against the
 * group membership alone with a persist that can be made to fail or to answer later.
 */

let persist: (group: Group) => Promise<number> | undefined;
let writes: number;
let membership: GroupMembership;
let group: Group;

beforeEach(() => {
  vi.useFakeTimers();
  writes = 0;
  persist = () => undefined;
  membership = new GroupMembership({
    initialRebalanceDelayMs: 0,
    persist: (g) => {
      writes++;
      return persist(g);
    },
    onError: () => {},
  });
  group = new Group('g');
});

afterEach(() => {
  group.clearTimers();
  vi.useRealTimers();
});

function sync(memberId: string, generationId: number, assignments: [string, string][] = []) {
  return membership.sync(group, {
    generationId,
    memberId,
    groupInstanceId: group.get(memberId)?.groupInstanceId ?? null,
    protocolType: null,
    protocolName: null,
    assignments: assignments.map(([id, a]) => ({ memberId: id, assignment: Buffer.from(a) })),
  });
}

/** Two static members, a (the leader) and b, Stable at generation 1 with assignments A and B. */
async function stableStaticPair(
  protocols: JoinRequest['protocols'] = joinRequest().protocols,
): Promise<{ a: JoinResult; b: JoinResult }> {
  const aJoin = membership.join(group, joinRequest({ clientId: 'a', groupInstanceId: 'ia', protocols }));
  const bJoin = membership.join(group, joinRequest({ clientId: 'b', groupInstanceId: 'ib', protocols }));
  await vi.advanceTimersByTimeAsync(10);
  const [a, b] = await Promise.all([aJoin, bJoin]);
  expect(a.leader).toBe(a.memberId);
  const bSync = sync(b.memberId, 1);
  const aSync = await sync(a.memberId, 1, [
    [a.memberId, 'A'],
    [b.memberId, 'B'],
  ]);
  expect(aSync.errorCode).toBe(ErrorCode.NONE);
  expect((await bSync).assignment.toString()).toBe('B');
  expect(group.state).toBe('Stable');
  return { a, b };
}

describe('a restarted static member', () => {
  it('that led the group keeps its assignment without a rebalance, and is not told it leads (v5)', async () => {
    const { a, b } = await stableStaticPair();
    const writesBefore = writes;
    const back = await membership.join(group, joinRequest({ clientId: 'a', groupInstanceId: 'ia' }));
    expect(back.errorCode).toBe(ErrorCode.NONE);
    expect(back.memberId).not.toBe(a.memberId);
    expect(back.generationId).toBe(1);
    // The leader named is the id from before: the restarted leader computes no assignment.
    expect(back.leader).toBe(a.memberId);
    expect(back.members).toEqual([]);
    expect(back.skipAssignment).toBe(false);
    expect(group.state).toBe('Stable');
    expect(writes).toBe(writesBefore + 1);
    // The other member sees nothing happen.
    expect(membership.heartbeat(group, b.memberId, 'ib', 1)).toBe(ErrorCode.NONE);
    expect(membership.heartbeat(group, a.memberId, 'ia', 1)).toBe(ErrorCode.FENCED_INSTANCE_ID);
    const mine = (await sync(back.memberId, 1, [[back.memberId, 'ignored']])) as SyncResult;
    expect(mine.assignment.toString()).toBe('A');
    expect(group.leaderId).toBe(back.memberId);
  });

  it('that led the group is told from v9 that it leads, with the members and skipAssignment', async () => {
    await stableStaticPair();
    const back = await membership.join(
      group,
      joinRequest({ clientId: 'a', groupInstanceId: 'ia', supportsSkipAssignment: true }),
    );
    expect(back.errorCode).toBe(ErrorCode.NONE);
    expect(back.leader).toBe(back.memberId);
    expect(back.skipAssignment).toBe(true);
    expect(back.members.map((m) => m.groupInstanceId).sort()).toEqual(['ia', 'ib']);
    expect(group.state).toBe('Stable');
  });

  it('that follows keeps its assignment even with changed metadata when the protocol stays', async () => {
    const { a, b } = await stableStaticPair();
    const changed = [{ name: 'range', metadata: Buffer.from('other subscription') }];
    const back = await membership.join(
      group,
      joinRequest({ clientId: 'b', groupInstanceId: 'ib', protocols: changed }),
    );
    expect(back.errorCode).toBe(ErrorCode.NONE);
    expect(back.leader).toBe(a.memberId);
    expect(group.state).toBe('Stable');
    expect(group.get(back.memberId)!.protocols).toEqual(changed);
    expect(membership.heartbeat(group, a.memberId, 'ia', 1)).toBe(ErrorCode.NONE);
    expect(((await sync(back.memberId, 1)) as SyncResult).assignment.toString()).toBe('B');
    expect(b.memberId).not.toBe(back.memberId);
  });

  it('whose protocols change the group’s choice starts a rebalance', async () => {
    const both = [
      { name: 'roundrobin', metadata: subscription },
      { name: 'range', metadata: subscription },
    ];
    const { a } = await stableStaticPair(both);
    expect(group.protocolName).toBe('roundrobin');
    const pending = membership.join(
      group,
      joinRequest({
        clientId: 'b',
        groupInstanceId: 'ib',
        protocols: [{ name: 'range', metadata: subscription }],
      }),
    );
    // 'roundrobin' is no longer offered by every member: the group must choose again.
    await vi.advanceTimersByTimeAsync(10);
    expect(group.state).toBe('PreparingRebalance');
    expect(membership.heartbeat(group, a.memberId, 'ia', 1)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    void membership.join(
      group,
      joinRequest({ memberId: a.memberId, clientId: 'a', groupInstanceId: 'ia', protocols: both }),
    );
    await vi.advanceTimersByTimeAsync(10);
    expect((await pending).generationId).toBe(2);
    expect(group.protocolName).toBe('range');
  });

  it('during CompletingRebalance starts another rebalance, so the new id is assigned', async () => {
    const aJoin = membership.join(group, joinRequest({ clientId: 'a', groupInstanceId: 'ia' }));
    const bJoin = membership.join(group, joinRequest({ clientId: 'b', groupInstanceId: 'ib' }));
    await vi.advanceTimersByTimeAsync(10);
    const [a, b] = await Promise.all([aJoin, bJoin]);
    const bSync = sync(b.memberId, 1);
    expect(group.state).toBe('CompletingRebalance');
    const back = membership.join(group, joinRequest({ clientId: 'b', groupInstanceId: 'ib' }));
    expect((await bSync).errorCode).toBe(ErrorCode.FENCED_INSTANCE_ID);
    expect(group.state).toBe('PreparingRebalance');
    void membership.join(group, joinRequest({ memberId: a.memberId, clientId: 'a', groupInstanceId: 'ia' }));
    await vi.advanceTimersByTimeAsync(10);
    const rejoined = await back;
    expect(rejoined.generationId).toBe(2);
    expect(rejoined.memberId).not.toBe(b.memberId);
  });

  it('whose write fails is undone: the old id still belongs to the group and the error is answered', async () => {
    const { b } = await stableStaticPair();
    persist = () => {
      throw new Error('disk gone');
    };
    const back = await membership.join(group, joinRequest({ clientId: 'b', groupInstanceId: 'ib' }));
    expect(back.errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    expect(back.memberId).toBe('');
    expect(group.has(b.memberId)).toBe(true);
    expect(group.staticMemberId('ib')).toBe(b.memberId);
    expect(membership.heartbeat(group, b.memberId, 'ib', 1)).toBe(ErrorCode.NONE);
  });

  it('is answered only once the write is replicated, and a failed replication is undone', async () => {
    const { b } = await stableStaticPair();
    let finish!: (code: number) => void;
    persist = () => new Promise<number>((resolve) => (finish = resolve));
    const first = membership.join(group, joinRequest({ clientId: 'b', groupInstanceId: 'ib' }));
    let answered = false;
    void first.then(() => (answered = true));
    await vi.advanceTimersByTimeAsync(10);
    expect(answered).toBe(false);
    finish(ErrorCode.NOT_COORDINATOR);
    expect((await first).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    expect(group.staticMemberId('ib')).toBe(b.memberId);
    const second = membership.join(group, joinRequest({ clientId: 'b', groupInstanceId: 'ib' }));
    await vi.advanceTimersByTimeAsync(10);
    finish(ErrorCode.NONE);
    const ok = await second;
    expect(ok.errorCode).toBe(ErrorCode.NONE);
    expect(group.staticMemberId('ib')).toBe(ok.memberId);
  });
});
