/**
 * A known static member (KIP-345) joining without a member id: the process behind a
 * group.instance.id restarted and comes back with the same instance id. Kafka's coordinator
 * (GroupCoordinator.updateStaticMemberAndRebalance) handles it, and so does this:
 *
 * - The member gets a new member id; the old id is fenced at once (a JoinGroup or SyncGroup the
 *   old incarnation still has held is answered FENCED_INSTANCE_ID; its later requests too).
 * - Stable group, and the protocol the group would choose with the new metadata is the one it
 *   has: no rebalance. The group is written with the new member id (so a coordinator that takes
 *   over knows it), then the member gets the current generation, no member list, and the leader
 *   id from before the rejoin. A restarted leader therefore sees another id as leader and does
 *   not compute an assignment the Stable group would never hand out; its SyncGroup returns the
 *   assignment it had. From JoinGroup v9 the leader is told it leads, with the members and
 *   skipAssignment set (KIP-814), so it can watch the subscribed topics without assigning. Changed subscriptions are the client's to act on: it rejoins with its
 *   member id, and that rebalances as any member's changed metadata does.
 * - If the write fails, the replacement is undone and the member gets the write's error (and
 *   no member id).
 * - Stable but the chosen protocol would change: a rebalance.
 * - CompletingRebalance: a rebalance, since the leader may already be assigning to the old id
 *   (Kafka 2.4 answered without one and the new id got no assignment; later versions rebalance).
 * - PreparingRebalance: the member simply takes part in the rebalance under way.
 */
import { ErrorCode } from '../protocol/error-codes.js';
import { joinError, joinSuccess, syncError, type JoinResult } from './group-results.js';
import type { Group, Member } from './group-state.js';
import type { JoinRequest } from './group-results.js';

/** What the rejoin needs of the group membership that runs the protocol. */
export interface StaticRejoinHost {
  /** Restarts the member's session timer. */
  scheduleHeartbeat(group: Group, member: Member): void;
  /** Updates the member from the request and has it take part in a (new or running) rebalance. */
  rebalance(group: Group, member: Member, req: JoinRequest, resolve: (r: JoinResult) => void): void;
  /** Writes the group's metadata (throws on one node, a promise of an error code in a cluster). */
  persist(group: Group): Promise<number> | undefined;
  onError(err: unknown, group: Group): void;
}

export function rejoinStaticMember(
  host: StaticRejoinHost,
  group: Group,
  req: JoinRequest,
  oldId: string,
  newId: string,
  resolve: (r: JoinResult) => void,
): void {
  const old = group.get(oldId)!;
  old.awaitingJoin?.(joinError(ErrorCode.FENCED_INSTANCE_ID, oldId));
  old.awaitingJoin = undefined;
  old.awaitingSync?.(syncError(ErrorCode.FENCED_INSTANCE_ID));
  old.awaitingSync = undefined;
  const leaderBefore = group.leaderId;
  const before = snapshot(old);
  const member = group.replaceStaticMember(req.groupInstanceId!, oldId, newId);
  member.clientId = req.clientId;
  member.clientHost = req.clientHost;
  member.sessionTimeoutMs = req.sessionTimeoutMs;
  member.rebalanceTimeoutMs = req.rebalanceTimeoutMs;
  member.protocols = req.protocols;
  host.scheduleHeartbeat(group, member);
  if (!group.is('Stable') || group.selectProtocol() !== group.protocolName) {
    host.rebalance(group, member, req, resolve);
    return;
  }
  // Held as a join while the write runs: a rebalance starting meanwhile counts it as joined and
  // answers it, and then the write's answer is not sent.
  member.awaitingJoin = resolve;
  const written = (errorCode: number): void => {
    if (member.awaitingJoin !== resolve) return;
    member.awaitingJoin = undefined;
    if (errorCode === ErrorCode.NONE) return resolve(keptAnswer(group, member, leaderBefore, req));
    if (group.get(newId) === member) {
      group.replaceStaticMember(req.groupInstanceId!, newId, oldId);
      Object.assign(member, before);
      host.scheduleHeartbeat(group, member);
    }
    resolve({ ...joinSuccess(group, { memberId: '' }), errorCode, leader: leaderBefore ?? '' });
  };
  let replicated: Promise<number> | undefined;
  try {
    replicated = host.persist(group);
  } catch (err) {
    host.onError(err, group);
    written(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    return;
  }
  if (replicated) void replicated.then(written);
  else written(ErrorCode.NONE);
}

/**
 * The answer of a rejoin that kept the assignment. From v9 a restarted leader is named leader and
 * gets the members, with skipAssignment (KIP-814), so it can watch the subscribed topics as a
 * leader does; before v9 every rejoined member is told the leader from before, never itself.
 */
function keptAnswer(group: Group, member: Member, leaderBefore: string | null, req: JoinRequest): JoinResult {
  const answer = joinSuccess(group, member);
  if (req.supportsSkipAssignment) return { ...answer, skipAssignment: member.memberId === group.leaderId };
  return { ...answer, leader: leaderBefore ?? '', members: [] };
}

function snapshot(member: Member): Partial<Member> {
  const { clientId, clientHost, sessionTimeoutMs, rebalanceTimeoutMs, protocols } = member;
  return { clientId, clientHost, sessionTimeoutMs, rebalanceTimeoutMs, protocols };
}
