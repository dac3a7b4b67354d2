/**
 * The group coordinator of this (single) broker: every classic group, their rebalances
 * (group-membership.ts) and their committed offsets (offset-store.ts), with the checks and error
 * codes of Kafka's GroupCoordinator. Offset operations (commit, fetch, delete, expiry) are in
 * group-offsets.ts; this class routes to them.
 *
 * `open()` replays __consumer_offsets (when it exists; the first group makes it, see
 * offset-store.ts) before it returns, so requests never meet a half-loaded coordinator; `loading` still guards every entry point (COORDINATOR_NOT_AVAILABLE)
 * for whoever holds a coordinator during its load. `close()` answers held JoinGroup/SyncGroup
 * requests with NOT_COORDINATOR and stops every timer.
 */
import type { BrokerContext } from '../broker-context.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { GroupMembership } from './group-membership.js';
import type { JoinRequest, SyncRequest } from './group-results.js';
import {
  GroupOffsets,
  type CommitPartition,
  type CommitRequest,
  type CommitTopicResult,
  type DeleteOffsetsResult,
  type FetchResult,
  type FetchTopic,
} from './group-offsets.js';
import { joinError, syncError, type JoinResult, type LeaveResult, type SyncResult } from './group-results.js';
import { Group, type GroupStateName } from './group-state.js';
import { OFFSETS_TOPIC, OffsetStore, type StoredGroup } from './offset-store.js';
import { groupErrorCode } from './offsets-replication.js';
import { fromStored, toStored } from './stored-groups.js';

export type {
  CommitPartition,
  CommitRequest,
  CommitTopicResult,
  DeleteOffsetsResult,
  FetchResult,
  FetchTopic,
};
export type { JoinRequest, SyncRequest } from './group-results.js';
export { toStored } from './stored-groups.js';
export type { JoinResult, LeaveResult, SyncResult } from './group-results.js';

/** How often offsets past offsets.retention.ms are looked for (Kafka's offsets.retention.check.interval.ms). */
export const OFFSETS_RETENTION_CHECK_INTERVAL_MS = 600_000;

export interface GroupListing {
  groupId: string;
  protocolType: string;
  groupState: GroupStateName;
}

export interface MemberDescription {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  memberMetadata: Buffer;
  memberAssignment: Buffer;
}

export interface GroupDescription {
  errorCode: number;
  groupId: string;
  groupState: GroupStateName;
  protocolType: string;
  protocolData: string;
  members: MemberDescription[];
}

const EMPTY = Buffer.alloc(0);

export class GroupCoordinator {
  private readonly groups = new Map<string, Group>();
  private readonly membership: GroupMembership;
  private readonly offsets: GroupOffsets;
  private loading = true;
  /** Cluster mode: __consumer_offsets partitions being loaded after this broker began leading them. */
  /** Loads queued or running per partition (their groups are COORDINATOR_LOAD_IN_PROGRESS). */
  private readonly loadingPartitions = new Map<number, number>();
  /** Leadership changes, handled one at a time in order. */
  private leadership: Promise<void> = Promise.resolve();
  private closed = false;
  private retentionTimer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly broker: BrokerContext,
    readonly store: OffsetStore,
  ) {
    this.membership = new GroupMembership({
      initialRebalanceDelayMs: broker.config.groupInitialRebalanceDelayMs,
      persist: (group) =>
        store.storeGroup(toStored(group))?.then((written) => {
          const answer = groupErrorCode(written);
          if (answer !== ErrorCode.NONE)
            broker.log.warn({ group: group.groupId, written, answer }, 'group metadata not replicated');
          return answer;
        }),
      onError: (err, group) => broker.log.error({ err, group: group.groupId }, 'cannot write group metadata'),
    });
    this.offsets = new GroupOffsets(broker, store, this.groups, this.membership);
  }

  /** Loads offsets and groups from __consumer_offsets (if it exists yet), starts offset expiry. */
  static async open(broker: BrokerContext): Promise<GroupCoordinator> {
    const store = await OffsetStore.open(broker);
    const coordinator = new GroupCoordinator(broker, store);
    coordinator.restore(store.takeLoadedGroups());
    coordinator.loading = false;
    coordinator.retentionTimer = setInterval(() => {
      try {
        coordinator.expireOffsets();
      } catch (err) {
        broker.log.error({ err }, 'offset expiry failed');
      }
    }, OFFSETS_RETENTION_CHECK_INTERVAL_MS);
    coordinator.retentionTimer.unref?.();
    return coordinator;
  }

  /** Rebuilds the Empty and Stable groups of the stored metadata, plus offset-only groups. */
  private restore(stored: StoredGroup[]): void {
    const now = Date.now();
    for (const s of stored) {
      const group = fromStored(s, now);
      // Restored members must heartbeat within their session timeout, or they are dropped.
      for (const member of group.members.values()) this.membership.scheduleHeartbeat(group, member);
      this.groups.set(s.groupId, group);
    }
    for (const groupId of this.store.groupIds())
      if (!this.groups.has(groupId)) this.groups.set(groupId, new Group(groupId, 'Empty', now));
  }

  get isLoading(): boolean {
    return this.loading || this.closed;
  }

  /** The __consumer_offsets partition holding a group. */
  partitionFor(groupId: string): number {
    return this.store.partitionFor(groupId);
  }

  group(groupId: string): Group | undefined {
    return this.groups.get(groupId);
  }

  /**
   * NONE when this broker serves the group now; COORDINATOR_NOT_AVAILABLE while loading or closed;
   * in cluster mode NOT_COORDINATOR when another broker leads the group's __consumer_offsets
   * partition (the client asks FindCoordinator again).
   */
  unavailable(groupId: string): number {
    if (this.isLoading) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const replicas = this.broker.replicas;
    const partition = this.partitionFor(groupId);
    if (replicas && replicas.leaderError(OFFSETS_TOPIC, partition) !== ErrorCode.NONE) {
      return ErrorCode.NOT_COORDINATOR;
    }
    if (this.loadingPartitions.has(partition)) return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
    return ErrorCode.NONE;
  }

  /**
   * Cluster mode: this broker started or stopped leading a partition of __consumer_offsets. A
   * new leader loads the partition's groups and offsets from its replica (requests for them get
   * COORDINATOR_LOAD_IN_PROGRESS meanwhile); a former one drops them, answering held joins and
   * syncs with NOT_COORDINATOR so the members find the new coordinator.
   */
  offsetsLeadershipChanged(partition: number, leading: boolean): Promise<void> {
    // Marked at once, not when its turn in the queue comes: until loaded, the partition's groups
    // are COORDINATOR_LOAD_IN_PROGRESS (an OffsetFetch answered "no offset" would reset consumers).
    // Counted: lead, lose, lead again queue two loads, and the first one's end must not unmark
    // the partition while the second has still to run.
    if (leading) this.loadingPartitions.set(partition, (this.loadingPartitions.get(partition) ?? 0) + 1);
    this.leadership = this.leadership.then(async () => {
      if (this.closed) return;
      this.dropGroupsOf(partition);
      if (!leading) {
        this.store.unloadPartition(partition);
        return;
      }
      try {
        await this.store.reloadPartition(partition);
        this.restore(this.store.takeLoadedGroups());
        this.broker.log.info(`loaded the groups of ${OFFSETS_TOPIC}-${partition}`);
      } catch (err) {
        this.broker.log.error({ err, partition }, `cannot load the groups of ${OFFSETS_TOPIC}-${partition}`);
      } finally {
        const left = (this.loadingPartitions.get(partition) ?? 1) - 1;
        if (left > 0) this.loadingPartitions.set(partition, left);
        else this.loadingPartitions.delete(partition);
      }
    });
    return this.leadership;
  }

  private dropGroupsOf(partition: number): void {
    for (const [groupId, group] of this.groups) {
      if (this.partitionFor(groupId) !== partition) continue;
      this.unload(group);
      this.groups.delete(groupId);
    }
  }

  /**
   * The group is no longer served here: held requests are answered, timers stop, and it is Dead
   * (as Kafka unloads a group), so a write of its metadata finishing later changes nothing.
   */
  private unload(group: Group): void {
    this.membership.shutdown(group);
    group.transitionTo('Dead');
  }

  async joinGroup(groupId: string, req: JoinRequest): Promise<JoinResult> {
    const unavailable = this.unavailable(groupId);
    if (unavailable !== ErrorCode.NONE) return joinError(unavailable, req.memberId);
    if (!groupId) return joinError(ErrorCode.INVALID_GROUP_ID, req.memberId);
    const { groupMinSessionTimeoutMs: min, groupMaxSessionTimeoutMs: max } = this.broker.config;
    if (req.sessionTimeoutMs < min || req.sessionTimeoutMs > max)
      return joinError(ErrorCode.INVALID_SESSION_TIMEOUT, req.memberId);
    let group = this.groups.get(groupId);
    if (!group) {
      if (req.memberId !== '') return joinError(ErrorCode.UNKNOWN_MEMBER_ID, req.memberId);
      group = new Group(groupId);
      this.groups.set(groupId, group);
    }
    if (group.is('Dead')) return joinError(ErrorCode.COORDINATOR_NOT_AVAILABLE, req.memberId);
    const result = await this.membership.join(group, req);
    // A group made only for a join that failed is not kept around.
    if (result.errorCode !== ErrorCode.NONE) this.dropIfUnused(group);
    return result;
  }

  syncGroup(groupId: string, req: SyncRequest): SyncResult | Promise<SyncResult> {
    const unavailable = this.unavailable(groupId);
    if (unavailable !== ErrorCode.NONE) return syncError(unavailable);
    const group = this.groups.get(groupId);
    if (!group) return syncError(ErrorCode.UNKNOWN_MEMBER_ID);
    return this.membership.sync(group, req);
  }

  heartbeat(groupId: string, memberId: string, groupInstanceId: string | null, generationId: number): number {
    const unavailable = this.unavailable(groupId);
    if (unavailable !== ErrorCode.NONE) return unavailable;
    const group = this.groups.get(groupId);
    if (!group) return ErrorCode.UNKNOWN_MEMBER_ID;
    return this.membership.heartbeat(group, memberId, groupInstanceId, generationId);
  }

  /** Per-member results; `errorCode` is for the whole request (loading). */
  leaveGroup(
    groupId: string,
    members: { memberId: string; groupInstanceId: string | null }[],
  ): { errorCode: number; members: LeaveResult[] } {
    const unavailable = this.unavailable(groupId);
    if (unavailable !== ErrorCode.NONE) return { errorCode: unavailable, members: [] };
    const group = this.groups.get(groupId);
    if (!group) {
      return {
        errorCode: ErrorCode.NONE,
        members: members.map((m) => ({ ...m, errorCode: ErrorCode.UNKNOWN_MEMBER_ID })),
      };
    }
    return { errorCode: ErrorCode.NONE, members: this.membership.leave(group, members) };
  }

  /** Answered at once on one node; in a cluster once replicated (offsets-replication.ts). */
  commitOffsets(req: CommitRequest): CommitTopicResult[] | Promise<CommitTopicResult[]> {
    return this.offsets.commit(req, this.unavailable(req.groupId));
  }

  fetchOffsets(groupId: string, topics: FetchTopic[] | null): FetchResult {
    return this.offsets.fetch(groupId, topics, this.unavailable(groupId));
  }

  deleteOffsets(
    groupId: string,
    topics: { name: string; partitions: { partitionIndex: number }[] }[],
  ): DeleteOffsetsResult {
    return this.offsets.deleteOffsets(groupId, topics, this.unavailable(groupId));
  }

  /** Expires offsets past offsets.retention.ms; returns how many. Runs periodically by itself. */
  expireOffsets(now = Date.now()): number {
    if (this.isLoading) return 0;
    return this.offsets.expire(now, this.broker.config.offsetsRetentionMs);
  }

  listGroups(statesFilter: string[] = []): GroupListing[] {
    if (this.isLoading) return [];
    const wanted = new Set(statesFilter.map((s) => s.toLowerCase()));
    const out: GroupListing[] = [];
    for (const group of this.groups.values()) {
      if (group.is('Dead')) continue;
      if (wanted.size > 0 && !wanted.has(group.state.toLowerCase())) continue;
      out.push({ groupId: group.groupId, protocolType: group.protocolType ?? '', groupState: group.state });
    }
    return out;
  }

  /** Kafka's group summary: member metadata and assignments only while Stable. */
  describeGroup(groupId: string): GroupDescription {
    const none = (errorCode: number): GroupDescription => ({
      errorCode,
      groupId,
      groupState: 'Dead',
      protocolType: '',
      protocolData: '',
      members: [],
    });
    const unavailable = this.unavailable(groupId);
    if (unavailable !== ErrorCode.NONE) return none(unavailable);
    const group = this.groups.get(groupId);
    if (!group) return none(ErrorCode.NONE);
    const stable = group.is('Stable');
    return {
      errorCode: ErrorCode.NONE,
      groupId,
      groupState: group.state,
      protocolType: group.protocolType ?? '',
      protocolData: stable ? (group.protocolName ?? '') : '',
      members: [...group.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        memberMetadata: stable ? m.metadataFor(group.protocolName) : EMPTY,
        memberAssignment: stable ? m.assignment : EMPTY,
      })),
    };
  }

  deleteGroups(groupIds: string[]): { groupId: string; errorCode: number }[] {
    return groupIds.map((groupId) => ({ groupId, errorCode: this.deleteGroup(groupId) }));
  }

  private deleteGroup(groupId: string): number {
    const unavailable = this.unavailable(groupId);
    if (unavailable !== ErrorCode.NONE) return unavailable;
    if (!groupId) return ErrorCode.INVALID_GROUP_ID;
    const group = this.groups.get(groupId);
    if (!group || group.is('Dead')) return ErrorCode.GROUP_ID_NOT_FOUND;
    if (!group.is('Empty') || group.pendingMembers.size > 0) return ErrorCode.NON_EMPTY_GROUP;
    try {
      this.store.deleteGroup(groupId);
    } catch (err) {
      this.broker.log.error({ err, group: groupId }, 'cannot delete group');
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    }
    group.transitionTo('Dead');
    group.clearTimers();
    this.groups.delete(groupId);
    return ErrorCode.NONE;
  }

  private dropIfUnused(group: Group): void {
    if (
      group.is('Empty') &&
      group.members.size === 0 &&
      group.pendingMembers.size === 0 &&
      group.generationId === 0 &&
      !this.store.hasOffsets(group.groupId) &&
      this.groups.get(group.groupId) === group
    )
      this.groups.delete(group.groupId);
  }

  /** Stops timers and answers held requests; idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.retentionTimer) clearInterval(this.retentionTimer);
    this.retentionTimer = undefined;
    for (const group of this.groups.values()) this.unload(group);
  }
}
