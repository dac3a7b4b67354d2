/**
 * GET /api/groups and /api/groups/{id}: the groups this broker coordinates (as ListGroups lists
 * them: none while their offsets are loading), with their members, what each was assigned
 * (decoded with the consumer protocol's own decoder when the group speaks it), the committed
 * offsets (the OffsetStore) and the lag: the partition's high watermark minus the committed
 * offset, where this broker holds the partition. In a cluster the coordinator may hold no replica
 * of a partition the group reads: its high watermark and lag are -1 there.
 */
import { decodeAssignment } from '../../group/consumer-protocol.js';
import type { Group } from '../../group/group-state.js';
import type { RunningParts } from './api-sources.js';
import type { GroupMemberView, GroupOffsetView, GroupSummary, GroupView } from './admin-api-types.js';
import { byName } from './partition-states.js';

export function groupSummaries(parts: RunningParts): GroupSummary[] {
  const out: GroupSummary[] = [];
  for (const listing of parts.coordinator.listGroups()) {
    const group = parts.coordinator.group(listing.groupId);
    if (group) out.push(summaryOf(parts, group, offsetViews(parts, group, memberAssignments(group))));
  }
  return out.sort((a, b) => byName(a.groupId, b.groupId));
}

/** One group, or undefined when this broker does not coordinate it. */
export function groupView(parts: RunningParts, groupId: string): GroupView | undefined {
  const group = coordinated(parts, groupId);
  if (!group) return undefined;
  const assignments = memberAssignments(group);
  const offsets = offsetViews(parts, group, assignments);
  const memberViews: GroupMemberView[] = [...group.members.values()].map((m) => ({
    memberId: m.memberId,
    groupInstanceId: m.groupInstanceId,
    clientId: m.clientId,
    clientHost: m.clientHost,
    assignment: [...(assignments.get(m.memberId) ?? new Map<string, number[]>())].map(
      ([topic, partitions]) => ({ topic, partitions: [...partitions] }),
    ),
  }));
  return {
    ...summaryOf(parts, group, offsets),
    generation: group.generationId > 0 ? group.generationId : -1,
    memberViews,
    offsets,
  };
}

/** The group when this broker serves it now (what ListGroups would list). */
function coordinated(parts: RunningParts, groupId: string): Group | undefined {
  const group = parts.coordinator.group(groupId);
  if (!group || group.is('Dead')) return undefined;
  return parts.coordinator.listGroups().some((g) => g.groupId === groupId) ? group : undefined;
}

function summaryOf(parts: RunningParts, group: Group, offsets: readonly GroupOffsetView[]): GroupSummary {
  let totalLag = 0;
  for (const offset of offsets) if (offset.committed >= 0 && offset.lag > 0) totalLag += offset.lag;
  return {
    groupId: group.groupId,
    state: group.state,
    protocolType: group.protocolType ?? '',
    protocol: group.is('Stable') ? (group.protocolName ?? '') : '',
    members: group.members.size,
    totalLag,
    coordinator: parts.sources.brokerId,
  };
}

/** Member id -> topic -> partitions, for a group speaking the consumer protocol. */
function memberAssignments(group: Group): Map<string, Map<string, number[]>> {
  const out = new Map<string, Map<string, number[]>>();
  if (group.protocolType !== 'consumer') return out;
  for (const member of group.members.values()) {
    try {
      out.set(member.memberId, decodeAssignment(member.assignment));
    } catch {
      // Not decodable (a client's own protocol under the consumer type): shown as no assignment.
    }
  }
  return out;
}

/** Every committed partition and every assigned one, by topic then partition. */
function offsetViews(
  parts: RunningParts,
  group: Group,
  assignments: ReadonlyMap<string, ReadonlyMap<string, readonly number[]>>,
): GroupOffsetView[] {
  const rows = new Map<string, GroupOffsetView>();
  const row = (topic: string, partition: number): GroupOffsetView => {
    const key = `${topic}\u0000${partition}`;
    let found = rows.get(key);
    if (!found) {
      const highWatermark = parts.logs.getLog(topic, partition)?.highWatermark ?? -1;
      found = { topic, partition, committed: -1, highWatermark, lag: -1, memberId: null, metadata: null };
      rows.set(key, found);
    }
    return found;
  };
  for (const { topic, partition, value } of parts.coordinator.store.all(group.groupId)) {
    const r = row(topic, partition);
    r.committed = value.offset;
    r.metadata = value.metadata;
  }
  for (const [memberId, assignment] of assignments)
    for (const [topic, partitions] of assignment)
      for (const p of partitions) row(topic, p).memberId = memberId;
  const out = [...rows.values()];
  for (const r of out)
    if (r.committed >= 0 && r.highWatermark >= 0) r.lag = Math.max(0, r.highWatermark - r.committed);
  return out.sort((a, b) => byName(a.topic, b.topic) || a.partition - b.partition);
}
