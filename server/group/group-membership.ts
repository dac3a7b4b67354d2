/**
 * The classic rebalance protocol on one group, as Kafka's GroupCoordinator runs it: JoinGroup
 * (held until every member has rejoined, the rebalance timeout passes, or — for the first
 * rebalance of an Empty group — group.initial.rebalance.delay.ms is over), SyncGroup (held until
 * the leader sends the assignment), Heartbeat, LeaveGroup, and the timers behind them: each
 * member's session timeout, the pending member ids of MEMBER_ID_REQUIRED, the rebalance timeout.
 *
 * Request validation that does not need the group (session timeout bounds, group id, loading)
 * is the coordinator's; everything here assumes the group exists.
 */
import { randomUUID } from 'node:crypto';
import { ErrorCode } from '../protocol/error-codes.js';
import {
  joinError,
  joinSuccess,
  syncError,
  syncSuccess,
  type JoinRequest,
  type JoinResult,
  type LeaveResult,
  type SyncRequest,
  type SyncResult,
} from './group-results.js';
import { Member, type Group } from './group-state.js';
import { rejoinStaticMember, type StaticRejoinHost } from './static-rejoin.js';

export interface MembershipOptions {
  initialRebalanceDelayMs: number;
  /**
   * Writes the group's metadata to __consumer_offsets. On one node at once: throws when it
   * cannot. In a cluster, a promise of the code the waiting members get once it is replicated.
   */
  persist(group: Group): Promise<number> | undefined;
  onError(err: unknown, group: Group): void;
}

export class GroupMembership {
  private readonly staticHost: StaticRejoinHost;

  constructor(private readonly options: MembershipOptions) {
    this.staticHost = {
      scheduleHeartbeat: (group, member) => this.scheduleHeartbeat(group, member),
      rebalance: (group, member, req, resolve) => this.updateMemberAndRebalance(group, member, req, resolve),
      persist: (group) => this.options.persist(group),
      onError: (err, group) => this.options.onError(err, group),
    };
  }

  join(group: Group, req: JoinRequest): Promise<JoinResult> {
    if (!group.supportsProtocols(req.protocolType, req.protocols))
      return Promise.resolve(joinError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, req.memberId));
    return new Promise((resolve) => {
      if (req.memberId === '') this.unknownJoin(group, req, resolve);
      else this.knownJoin(group, req, resolve);
    });
  }

  private unknownJoin(group: Group, req: JoinRequest, resolve: (r: JoinResult) => void): void {
    const newId = `${req.clientId}-${randomUUID()}`;
    const oldId = group.staticMemberId(req.groupInstanceId);
    if (oldId !== undefined) {
      rejoinStaticMember(this.staticHost, group, req, oldId, newId, resolve);
    } else if (req.groupInstanceId === null && req.requireKnownMemberId) {
      // The member must come back with this id; until then it holds the rebalance open.
      const timer = setTimeout(() => this.expirePending(group, newId), req.sessionTimeoutMs);
      timer.unref?.();
      group.pendingMembers.set(newId, timer);
      resolve(joinError(ErrorCode.MEMBER_ID_REQUIRED, newId));
    } else {
      this.addMemberAndRebalance(group, req, newId, resolve);
    }
  }

  private knownJoin(group: Group, req: JoinRequest, resolve: (r: JoinResult) => void): void {
    const pending = group.pendingMembers.get(req.memberId);
    if (pending !== undefined) {
      clearTimeout(pending);
      group.pendingMembers.delete(req.memberId);
      this.addMemberAndRebalance(group, req, req.memberId, resolve);
      return;
    }
    if (group.isStaticMemberFenced(req.memberId, req.groupInstanceId))
      return resolve(joinError(ErrorCode.FENCED_INSTANCE_ID, req.memberId));
    const member = group.get(req.memberId);
    if (!member) return resolve(joinError(ErrorCode.UNKNOWN_MEMBER_ID, req.memberId));
    switch (group.state) {
      case 'PreparingRebalance':
        return this.updateMemberAndRebalance(group, member, req, resolve);
      case 'CompletingRebalance':
        // The member missed its JoinGroup response: same protocols, same answer again.
        if (member.matches(req.protocols)) return resolve(joinSuccess(group, member));
        return this.updateMemberAndRebalance(group, member, req, resolve);
      case 'Stable':
        if (member.memberId === group.leaderId || !member.matches(req.protocols))
          return this.updateMemberAndRebalance(group, member, req, resolve);
        this.scheduleHeartbeat(group, member);
        return resolve(joinSuccess(group, member));
      default:
        return resolve(joinError(ErrorCode.UNKNOWN_MEMBER_ID, req.memberId));
    }
  }

  private addMemberAndRebalance(
    group: Group,
    req: JoinRequest,
    memberId: string,
    resolve: (r: JoinResult) => void,
  ): void {
    const member = new Member({ ...req, memberId });
    member.awaitingJoin = resolve;
    group.add(member);
    // As Kafka: only a new group's first rebalance (generation 0) is extended per joiner; a group
    // that emptied later waits one group.initial.rebalance.delay.ms.
    if (group.is('PreparingRebalance') && group.initialDelay && group.generationId === 0)
      group.newMemberAdded = true;
    this.scheduleHeartbeat(group, member);
    this.maybePrepareRebalance(group);
    this.tryCompleteJoin(group);
  }

  private updateMemberAndRebalance(
    group: Group,
    member: Member,
    req: JoinRequest,
    resolve: (r: JoinResult) => void,
  ): void {
    member.protocols = req.protocols;
    member.sessionTimeoutMs = req.sessionTimeoutMs;
    member.rebalanceTimeoutMs = req.rebalanceTimeoutMs;
    // A duplicate JoinGroup supersedes the earlier one, which must still get an answer.
    member.awaitingJoin?.(joinError(ErrorCode.REBALANCE_IN_PROGRESS, member.memberId));
    member.awaitingJoin = resolve;
    this.scheduleHeartbeat(group, member);
    this.maybePrepareRebalance(group);
    this.tryCompleteJoin(group);
  }

  private maybePrepareRebalance(group: Group): void {
    if (group.is('Stable') || group.is('CompletingRebalance') || group.is('Empty'))
      this.prepareRebalance(group);
  }

  private prepareRebalance(group: Group): void {
    if (group.is('CompletingRebalance')) this.propagateAssignment(group, ErrorCode.REBALANCE_IN_PROGRESS);
    const wasEmpty = group.is('Empty');
    group.transitionTo('PreparingRebalance');
    if (group.joinTimer) clearTimeout(group.joinTimer);
    if (wasEmpty) {
      group.initialDelay = true;
      group.newMemberAdded = false;
      const delay = this.options.initialRebalanceDelayMs;
      this.armInitialDelay(group, delay, Math.max(group.maxRebalanceTimeoutMs() - delay, 0));
    } else {
      group.initialDelay = false;
      group.joinTimer = this.timer(group.maxRebalanceTimeoutMs(), () => this.completeJoin(group));
    }
  }

  /** Each member joining a new group during the delay extends it once more, within the rebalance timeout. */
  private armInitialDelay(group: Group, delay: number, remaining: number): void {
    group.joinTimer = this.timer(delay, () => {
      if (group.newMemberAdded && remaining > 0) {
        group.newMemberAdded = false;
        const next = Math.min(this.options.initialRebalanceDelayMs, remaining);
        this.armInitialDelay(group, next, Math.max(remaining - next, 0));
      } else {
        this.completeJoin(group);
      }
    });
  }

  private tryCompleteJoin(group: Group): void {
    if (group.is('PreparingRebalance') && !group.initialDelay && group.allMembersJoined())
      this.completeJoin(group);
  }

  /** Ends the join phase: drops members that did not rejoin and starts the next generation. */
  private completeJoin(group: Group): void {
    if (!group.is('PreparingRebalance')) return;
    if (group.joinTimer) clearTimeout(group.joinTimer);
    group.joinTimer = undefined;
    group.initialDelay = false;
    for (const member of group.notYetRejoined()) group.remove(member.memberId);
    group.generationId++;
    if (group.members.size === 0) {
      group.protocolName = null;
      group.transitionTo('Empty');
      this.persist(group);
      return;
    }
    group.protocolName = group.selectProtocol();
    group.transitionTo('CompletingRebalance');
    for (const member of group.members.values()) {
      const resolve = member.awaitingJoin;
      member.awaitingJoin = undefined;
      this.scheduleHeartbeat(group, member);
      resolve?.(joinSuccess(group, member));
    }
  }

  sync(group: Group, req: SyncRequest): SyncResult | Promise<SyncResult> {
    if (group.is('Dead')) return syncError(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    if (group.isStaticMemberFenced(req.memberId, req.groupInstanceId))
      return syncError(ErrorCode.FENCED_INSTANCE_ID);
    const member = group.get(req.memberId);
    if (!member) return syncError(ErrorCode.UNKNOWN_MEMBER_ID);
    if (req.generationId !== group.generationId) return syncError(ErrorCode.ILLEGAL_GENERATION);
    if (
      (req.protocolType !== null && req.protocolType !== group.protocolType) ||
      (req.protocolName !== null && req.protocolName !== group.protocolName)
    )
      return syncError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    switch (group.state) {
      case 'PreparingRebalance':
        return syncError(ErrorCode.REBALANCE_IN_PROGRESS);
      case 'Stable':
        this.scheduleHeartbeat(group, member);
        return syncSuccess(group, member.assignment);
      case 'CompletingRebalance':
        return new Promise((resolve) => {
          member.awaitingSync?.(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
          member.awaitingSync = resolve;
          this.scheduleHeartbeat(group, member);
          if (member.memberId === group.leaderId) this.completeSync(group, req.assignments);
        });
      default:
        return syncError(ErrorCode.UNKNOWN_MEMBER_ID);
    }
  }

  /** The leader's assignment: stored first, then every waiting member gets its part. */
  private completeSync(group: Group, assignments: SyncRequest['assignments']): void {
    const given = new Map(assignments.map((a) => [a.memberId, a.assignment]));
    for (const member of group.members.values()) member.assignment = given.get(member.memberId) ?? EMPTY;
    let replicated: Promise<number> | undefined;
    try {
      replicated = this.options.persist(group);
    } catch (err) {
      this.options.onError(err, group);
      this.propagateAssignment(group, ErrorCode.COORDINATOR_NOT_AVAILABLE);
      return;
    }
    if (!replicated) return this.assignmentStored(group, group.generationId, ErrorCode.NONE);
    const generation = group.generationId;
    void replicated.then((errorCode) => this.assignmentStored(group, generation, errorCode));
  }

  /**
   * The assignment's write ended. As Kafka's coordinator: only a group still completing the same
   * generation is answered (a member leaving or joining meanwhile started another rebalance, which
   * answered the waiting members); a failed write drops the assignment, answers the members with
   * its error and starts another rebalance.
   */
  private assignmentStored(group: Group, generation: number, errorCode: number): void {
    if (!group.is('CompletingRebalance') || group.generationId !== generation) return;
    if (errorCode !== ErrorCode.NONE) {
      this.propagateAssignment(group, errorCode);
      this.prepareRebalance(group);
      return;
    }
    group.transitionTo('Stable');
    this.propagateAssignment(group, ErrorCode.NONE);
  }

  /** Answers every waiting SyncGroup; an error also drops the assignments. */
  private propagateAssignment(group: Group, errorCode: number): void {
    for (const member of group.members.values()) {
      if (errorCode !== ErrorCode.NONE) member.assignment = EMPTY;
      const resolve = member.awaitingSync;
      member.awaitingSync = undefined;
      if (!resolve) continue;
      resolve(errorCode === ErrorCode.NONE ? syncSuccess(group, member.assignment) : syncError(errorCode));
      this.scheduleHeartbeat(group, member);
    }
  }

  heartbeat(group: Group, memberId: string, groupInstanceId: string | null, generationId: number): number {
    if (group.is('Dead')) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (group.isStaticMemberFenced(memberId, groupInstanceId)) return ErrorCode.FENCED_INSTANCE_ID;
    const member = group.get(memberId);
    if (!member || group.is('Empty')) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    this.scheduleHeartbeat(group, member);
    // A member waiting for its assignment is not told to rejoin: the rebalance is its own.
    return group.is('PreparingRebalance') ? ErrorCode.REBALANCE_IN_PROGRESS : ErrorCode.NONE;
  }

  leave(group: Group, leaving: { memberId: string; groupInstanceId: string | null }[]): LeaveResult[] {
    return leaving.map(({ memberId, groupInstanceId }) => {
      const result = (errorCode: number): LeaveResult => ({ memberId, groupInstanceId, errorCode });
      if (group.is('Dead')) return result(ErrorCode.COORDINATOR_NOT_AVAILABLE);
      const pending = group.pendingMembers.get(memberId);
      if (pending !== undefined) {
        clearTimeout(pending);
        group.pendingMembers.delete(memberId);
        this.tryCompleteJoin(group);
        return result(ErrorCode.NONE);
      }
      // From v3 a static member may leave by instance id alone.
      const id = memberId === '' ? group.staticMemberId(groupInstanceId) : memberId;
      if (id === undefined) return result(ErrorCode.UNKNOWN_MEMBER_ID);
      if (group.isStaticMemberFenced(id, groupInstanceId)) return result(ErrorCode.FENCED_INSTANCE_ID);
      const member = group.get(id);
      if (!member) return result(ErrorCode.UNKNOWN_MEMBER_ID);
      this.removeMemberAndUpdateGroup(group, member);
      return result(ErrorCode.NONE);
    });
  }

  /** Restarts the member's session timer: it is alive. */
  scheduleHeartbeat(group: Group, member: Member): void {
    member.clearHeartbeat();
    member.heartbeatTimer = this.timer(member.sessionTimeoutMs, () => {
      member.heartbeatTimer = undefined;
      if (group.get(member.memberId) !== member) return;
      // A member whose JoinGroup or SyncGroup is held by the coordinator cannot heartbeat.
      if (member.awaitingJoin || member.awaitingSync) return this.scheduleHeartbeat(group, member);
      this.removeMemberAndUpdateGroup(group, member);
    });
  }

  private removeMemberAndUpdateGroup(group: Group, member: Member): void {
    member.awaitingJoin?.(joinError(ErrorCode.UNKNOWN_MEMBER_ID, member.memberId));
    member.awaitingJoin = undefined;
    member.awaitingSync?.(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    member.awaitingSync = undefined;
    group.remove(member.memberId);
    if (group.is('Stable') || group.is('CompletingRebalance')) {
      this.prepareRebalance(group);
      this.tryCompleteJoin(group);
    } else if (group.is('PreparingRebalance')) {
      this.tryCompleteJoin(group);
    }
  }

  private expirePending(group: Group, memberId: string): void {
    if (!group.pendingMembers.delete(memberId)) return;
    this.tryCompleteJoin(group);
  }

  /** Answers everything held and stops every timer: the coordinator is going away. */
  shutdown(group: Group): void {
    group.clearTimers();
    for (const member of group.members.values()) {
      member.awaitingJoin?.(joinError(ErrorCode.NOT_COORDINATOR, member.memberId));
      member.awaitingJoin = undefined;
      member.awaitingSync?.(syncError(ErrorCode.NOT_COORDINATOR));
      member.awaitingSync = undefined;
    }
  }

  /** A write nobody waits for (the group became Empty): the coordinator logs a failed one. */
  private persist(group: Group): void {
    try {
      void this.options.persist(group);
    } catch (err) {
      this.options.onError(err, group);
    }
  }

  private timer(ms: number, task: () => void): NodeJS.Timeout {
    const timer = setTimeout(task, Math.max(ms, 0));
    // The listener keeps the process alive; a group timer must not.
    timer.unref?.();
    return timer;
  }
}

const EMPTY = Buffer.alloc(0);
