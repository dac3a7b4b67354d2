import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  GroupCoordinator,
  type JoinRequest,
  type JoinResult,
} from '../../../server/group/group-coordinator.js';
import { ErrorCode } from '../../../server/protocol/error-codes.js';
import {
  atOnce,
  joinRequest,
  openTestBroker,
  subscription,
  type TestBroker,
} from '../../helpers/group-context.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';

let dir: string;
let broker: TestBroker;
let coordinator: GroupCoordinator;

async function setup(properties: Record<string, string> = {}): Promise<void> {
  broker = openTestBroker(dir, properties);
  coordinator = await GroupCoordinator.open(broker.context);
  vi.useFakeTimers();
}

/** Joins and lets the (zero) initial delay run out. */
async function joinNow(groupId: string, req: JoinRequest): Promise<JoinResult> {
  const pending = coordinator.joinGroup(groupId, req);
  await vi.advanceTimersByTimeAsync(0);
  return pending;
}

/** One member joined and synced: a Stable group of generation 1. */
async function stableGroup(groupId: string, req: Partial<JoinRequest> = {}): Promise<JoinResult> {
  const joined = await joinNow(groupId, joinRequest(req));
  const sync = await coordinator.syncGroup(groupId, {
    generationId: joined.generationId,
    memberId: joined.memberId,
    groupInstanceId: req.groupInstanceId ?? null,
    protocolType: null,
    protocolName: null,
    assignments: [{ memberId: joined.memberId, assignment: Buffer.from('a1') }],
  });
  expect(sync.errorCode).toBe(ErrorCode.NONE);
  return joined;
}

beforeEach(() => {
  dir = makeTempDir('kiln-group-');
});

afterEach(() => {
  vi.useRealTimers();
  coordinator.close();
  broker.close();
  removeTempDir(dir);
});

describe('join and sync', () => {
  it('gives the first member a clientId-uuid id, generation 1 and the lead', async () => {
    await setup();
    const joined = await joinNow('g', joinRequest());
    expect(joined.errorCode).toBe(ErrorCode.NONE);
    expect(joined.memberId).toMatch(/^client-[0-9a-f-]{36}$/);
    expect(joined.generationId).toBe(1);
    expect(joined.leader).toBe(joined.memberId);
    expect(joined.protocolName).toBe('range');
    expect(joined.members).toEqual([
      { memberId: joined.memberId, groupInstanceId: null, metadata: subscription },
    ]);
    expect(coordinator.group('g')?.state).toBe('CompletingRebalance');
    const sync = await coordinator.syncGroup('g', {
      generationId: 1,
      memberId: joined.memberId,
      groupInstanceId: null,
      protocolType: 'consumer',
      protocolName: 'range',
      assignments: [{ memberId: joined.memberId, assignment: Buffer.from('mine') }],
    });
    expect(sync.assignment.toString()).toBe('mine');
    expect(coordinator.group('g')?.state).toBe('Stable');
  });

  it('asks v4+ members for a known member id first (MEMBER_ID_REQUIRED)', async () => {
    await setup();
    const first = await coordinator.joinGroup('g', joinRequest({ requireKnownMemberId: true }));
    expect(first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    expect(first.memberId).toMatch(/^client-/);
    const second = await joinNow('g', joinRequest({ requireKnownMemberId: true, memberId: first.memberId }));
    expect(second.errorCode).toBe(ErrorCode.NONE);
    expect(second.memberId).toBe(first.memberId);
  });

  it('rebalances two members: heartbeat says REBALANCE_IN_PROGRESS, both get generation 2', async () => {
    await setup();
    const a = await stableGroup('g');
    const bJoin = coordinator.joinGroup('g', joinRequest({ clientId: 'b' }));
    await vi.advanceTimersByTimeAsync(0);
    expect(coordinator.group('g')?.state).toBe('PreparingRebalance');
    expect(coordinator.heartbeat('g', a.memberId, null, 1)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    // Offsets may still be committed with the old generation while the rebalance is prepared.
    broker.context.topics.create('t', 1, 1, {});
    const commit = coordinator.commitOffsets({
      groupId: 'g',
      generationId: 1,
      memberId: a.memberId,
      groupInstanceId: null,
      topics: [
        {
          name: 't',
          partitions: [
            {
              partitionIndex: 0,
              committedOffset: 5,
              committedLeaderEpoch: -1,
              commitTimestamp: -1,
              committedMetadata: null,
            },
          ],
        },
      ],
    });
    expect(atOnce(commit)[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NONE);
    const aRejoin = await coordinator.joinGroup('g', joinRequest({ memberId: a.memberId }));
    const b = await bJoin;
    expect([aRejoin.generationId, b.generationId]).toEqual([2, 2]);
    expect(aRejoin.leader).toBe(a.memberId);
    expect(aRejoin.members).toHaveLength(2);
    expect(b.members).toHaveLength(0);
    // While the new generation waits for its assignment, commits are refused.
    const refused = coordinator.commitOffsets({
      groupId: 'g',
      generationId: 2,
      memberId: b.memberId,
      groupInstanceId: null,
      topics: [
        {
          name: 't',
          partitions: [
            {
              partitionIndex: 0,
              committedOffset: 6,
              committedLeaderEpoch: -1,
              commitTimestamp: -1,
              committedMetadata: null,
            },
          ],
        },
      ],
    });
    expect(atOnce(refused)[0]!.partitions[0]!.errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const bSync = coordinator.syncGroup('g', {
      generationId: 2,
      memberId: b.memberId,
      groupInstanceId: null,
      protocolType: null,
      protocolName: null,
      assignments: [],
    });
    expect(bSync).toBeInstanceOf(Promise);
    const aSync = await coordinator.syncGroup('g', {
      generationId: 2,
      memberId: a.memberId,
      groupInstanceId: null,
      protocolType: null,
      protocolName: null,
      assignments: [
        { memberId: a.memberId, assignment: Buffer.from('A') },
        { memberId: b.memberId, assignment: Buffer.from('B') },
      ],
    });
    expect(aSync.assignment.toString()).toBe('A');
    expect((await bSync).assignment.toString()).toBe('B');
    expect(coordinator.heartbeat('g', b.memberId, null, 2)).toBe(ErrorCode.NONE);
    expect(coordinator.heartbeat('g', b.memberId, null, 1)).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect(coordinator.heartbeat('g', 'nobody', null, 2)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(coordinator.heartbeat('nogroup', b.memberId, null, 2)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('validates the session timeout, the protocol and the member id', async () => {
    await setup();
    expect((await coordinator.joinGroup('g', joinRequest({ sessionTimeoutMs: 10 }))).errorCode).toBe(
      ErrorCode.INVALID_SESSION_TIMEOUT,
    );
    expect((await coordinator.joinGroup('g', joinRequest({ sessionTimeoutMs: 2_000_000 }))).errorCode).toBe(
      ErrorCode.INVALID_SESSION_TIMEOUT,
    );
    expect((await coordinator.joinGroup('g', joinRequest({ memberId: 'ghost' }))).errorCode).toBe(
      ErrorCode.UNKNOWN_MEMBER_ID,
    );
    expect(coordinator.group('g')).toBeUndefined();
    await stableGroup('g');
    const other = await coordinator.joinGroup(
      'g',
      joinRequest({ protocols: [{ name: 'sticky', metadata: subscription }] }),
    );
    expect(other.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    const otherType = await coordinator.joinGroup('g', joinRequest({ protocolType: 'connect' }));
    expect(otherType.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    expect((await coordinator.joinGroup('', joinRequest())).errorCode).toBe(ErrorCode.INVALID_GROUP_ID);
  });
});

describe('timeouts', () => {
  it('removes a member that stops heartbeating and rebalances the rest', async () => {
    await setup();
    const a = await stableGroup('g');
    const bJoin = coordinator.joinGroup('g', joinRequest({ clientId: 'b', sessionTimeoutMs: 6_000 }));
    const aJoin = coordinator.joinGroup('g', joinRequest({ memberId: a.memberId }));
    const [aRes, bRes] = await Promise.all([aJoin, bJoin]);
    const assignments = [
      { memberId: aRes.memberId, assignment: Buffer.from('A') },
      { memberId: bRes.memberId, assignment: Buffer.from('B') },
    ];
    const bSync = coordinator.syncGroup('g', {
      generationId: 2,
      memberId: bRes.memberId,
      groupInstanceId: null,
      protocolType: null,
      protocolName: null,
      assignments: [],
    });
    await coordinator.syncGroup('g', {
      generationId: 2,
      memberId: aRes.memberId,
      groupInstanceId: null,
      protocolType: null,
      protocolName: null,
      assignments,
    });
    await bSync;
    // a keeps heartbeating; b goes silent past its 6 s session.
    for (let t = 0; t < 4; t++) {
      await vi.advanceTimersByTimeAsync(2_000);
      coordinator.heartbeat('g', aRes.memberId, null, coordinator.group('g')!.generationId);
    }
    const group = coordinator.group('g')!;
    expect(group.has(bRes.memberId)).toBe(false);
    expect(group.state).toBe('PreparingRebalance');
    const again = await coordinator.joinGroup('g', joinRequest({ memberId: aRes.memberId }));
    expect(again.generationId).toBe(3);
    expect(again.members.map((m) => m.memberId)).toEqual([aRes.memberId]);
  });

  it('drops members that do not rejoin within the rebalance timeout', async () => {
    await setup();
    const a = await stableGroup('g', { rebalanceTimeoutMs: 20_000, sessionTimeoutMs: 60_000 });
    const bJoin = coordinator.joinGroup('g', joinRequest({ clientId: 'b', rebalanceTimeoutMs: 20_000 }));
    await vi.advanceTimersByTimeAsync(20_000);
    const b = await bJoin;
    expect(b.errorCode).toBe(ErrorCode.NONE);
    expect(b.generationId).toBe(2);
    expect(b.leader).toBe(b.memberId);
    expect(coordinator.group('g')!.has(a.memberId)).toBe(false);
  });

  it('waits group.initial.rebalance.delay.ms for more members of an Empty group, extending per joiner', async () => {
    await setup({ 'group.initial.rebalance.delay.ms': '3000' });
    const first = coordinator.joinGroup('g', joinRequest({ clientId: 'one' }));
    let done = false;
    void first.then(() => (done = true));
    await vi.advanceTimersByTimeAsync(2_000);
    const second = coordinator.joinGroup('g', joinRequest({ clientId: 'two' }));
    await vi.advanceTimersByTimeAsync(1_500); // the first delay is over; the second joiner extends it
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(3_000);
    const [r1, r2] = await Promise.all([first, second]);
    expect(r1.generationId).toBe(1);
    expect(r2.generationId).toBe(1);
    expect(r1.members).toHaveLength(2);
  });

  it('does not extend the initial delay per joiner once the group has had a generation (Kafka: generation 0 only)', async () => {
    await setup({ 'group.initial.rebalance.delay.ms': '3000' });
    const joining = coordinator.joinGroup('g', joinRequest({ clientId: 'old' }));
    await vi.advanceTimersByTimeAsync(3_000);
    const old = await joining;
    coordinator.leaveGroup('g', [{ memberId: old.memberId, groupInstanceId: null }]);
    expect(coordinator.group('g')?.state).toBe('Empty');
    expect(coordinator.group('g')?.generationId).toBe(2);

    const first = coordinator.joinGroup('g', joinRequest({ clientId: 'one' }));
    await vi.advanceTimersByTimeAsync(2_000);
    const second = coordinator.joinGroup('g', joinRequest({ clientId: 'two' }));
    let done = false;
    void Promise.all([first, second]).then(() => (done = true));
    await vi.advanceTimersByTimeAsync(1_000); // one delay after the first join, not two
    expect(done).toBe(true);
    const [r1, r2] = await Promise.all([first, second]);
    expect(r1.generationId).toBe(3);
    expect(r2.generationId).toBe(3);
    expect(r1.members.length + r2.members.length).toBe(2);
  });
});

describe('leave and static members', () => {
  it('leaves: the group empties and its generation moves on', async () => {
    await setup();
    const a = await stableGroup('g');
    const left = coordinator.leaveGroup('g', [{ memberId: a.memberId, groupInstanceId: null }]);
    expect(left.members[0]!.errorCode).toBe(ErrorCode.NONE);
    expect(coordinator.group('g')?.state).toBe('Empty');
    expect(coordinator.group('g')?.generationId).toBe(2);
    const unknown = coordinator.leaveGroup('g', [{ memberId: 'ghost', groupInstanceId: null }]);
    expect(unknown.members[0]!.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('lets a static member rejoin under a new id without a rebalance and fences the old id', async () => {
    await setup();
    const leader = await stableGroup('g');
    // A static follower joins.
    const sJoin = coordinator.joinGroup('g', joinRequest({ clientId: 's', groupInstanceId: 'inst-1' }));
    const lJoin = coordinator.joinGroup('g', joinRequest({ memberId: leader.memberId }));
    const [s] = await Promise.all([sJoin, lJoin]);
    const sSync = coordinator.syncGroup('g', {
      generationId: 2,
      memberId: s!.memberId,
      groupInstanceId: 'inst-1',
      protocolType: null,
      protocolName: null,
      assignments: [],
    });
    await coordinator.syncGroup('g', {
      generationId: 2,
      memberId: leader.memberId,
      groupInstanceId: null,
      protocolType: null,
      protocolName: null,
      assignments: [{ memberId: s!.memberId, assignment: Buffer.from('S') }],
    });
    await sSync;
    // It restarts: same instance id, no member id.
    const back = await coordinator.joinGroup('g', joinRequest({ clientId: 's', groupInstanceId: 'inst-1' }));
    expect(back.errorCode).toBe(ErrorCode.NONE);
    expect(back.memberId).not.toBe(s!.memberId);
    expect(back.generationId).toBe(2);
    expect(coordinator.group('g')?.state).toBe('Stable');
    expect(coordinator.heartbeat('g', s!.memberId, 'inst-1', 2)).toBe(ErrorCode.FENCED_INSTANCE_ID);
    expect(coordinator.heartbeat('g', back.memberId, 'inst-1', 2)).toBe(ErrorCode.NONE);
    const sync = await coordinator.syncGroup('g', {
      generationId: 2,
      memberId: back.memberId,
      groupInstanceId: 'inst-1',
      protocolType: null,
      protocolName: null,
      assignments: [],
    });
    expect(sync.assignment.toString()).toBe('S');
    const stale = await coordinator.joinGroup(
      'g',
      joinRequest({ memberId: s!.memberId, groupInstanceId: 'inst-1' }),
    );
    expect(stale.errorCode).toBe(ErrorCode.FENCED_INSTANCE_ID);
    const leave = coordinator.leaveGroup('g', [{ memberId: '', groupInstanceId: 'inst-1' }]);
    expect(leave.members[0]!.errorCode).toBe(ErrorCode.NONE);
  });

  it('answers held joins with NOT_COORDINATOR on close', async () => {
    await setup({ 'group.initial.rebalance.delay.ms': '3000' });
    const pending = coordinator.joinGroup('g', joinRequest());
    coordinator.close();
    expect((await pending).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
  });
});
