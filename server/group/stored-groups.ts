/**
 * A classic group as its metadata record in __consumer_offsets holds it (offset-records.ts), and
 * back: what the coordinator writes when a rebalance ends and reads when it loads a partition.
 * A group with members comes back Stable, one without Empty, as Kafka restores them.
 */
import { Group, Member } from './group-state.js';
import type { StoredGroup } from './offset-records.js';

/** The group as stored in __consumer_offsets. */
export function toStored(group: Group): StoredGroup {
  return {
    groupId: group.groupId,
    protocolType: group.protocolType ?? '',
    generationId: group.generationId,
    protocolName: group.protocolName,
    leaderId: group.leaderId,
    stateTimestamp: group.stateTimestamp,
    members: [...group.members.values()].map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      rebalanceTimeoutMs: m.rebalanceTimeoutMs,
      sessionTimeoutMs: m.sessionTimeoutMs,
      subscription: m.metadataFor(group.protocolName),
      assignment: m.assignment,
    })),
  };
}

/** The group a stored record describes; `now` stands in for a state timestamp it lacks (v0, v1). */
export function fromStored(s: StoredGroup, now: number): Group {
  const group = new Group(s.groupId, s.members.length > 0 ? 'Stable' : 'Empty', s.stateTimestamp);
  if (s.stateTimestamp < 0) group.stateTimestamp = now;
  for (const m of s.members) {
    const member = new Member({
      ...m,
      protocolType: s.protocolType,
      protocols: s.protocolName === null ? [] : [{ name: s.protocolName, metadata: m.subscription }],
    });
    member.assignment = m.assignment;
    group.add(member);
  }
  group.generationId = s.generationId;
  group.protocolType = s.protocolType === '' ? null : s.protocolType;
  group.protocolName = s.protocolName;
  group.leaderId = s.members.length > 0 ? s.leaderId : null;
  return group;
}
