/**
 * Offset operations of the group coordinator: OffsetCommit with Kafka's group checks, OffsetFetch,
 * OffsetDelete and the expiry of old offsets, over the groups the coordinator holds and the
 * OffsetStore. Kept apart from group-coordinator.ts only for size.
 */
import type { BrokerContext } from '../broker-context.js';
import { errorCodeFor } from '../engine-errors.js';
import { ErrorCode } from '../protocol/error-codes.js';
import type { GroupMembership } from './group-membership.js';
import { Group, subscribedTopics } from './group-state.js';
import type { OffsetStore, TopicPartitionOffset } from './offset-store.js';
import { commitErrorCode } from './offsets-replication.js';
import type { OffsetCommitApi } from '../protocol/apis/offset-commit.js';
import type { OffsetFetchApi } from '../protocol/apis/offset-fetch.js';
import type { RequestOf } from '../protocol/message-types.js';

/** Kafka's offset.metadata.max.bytes default. */
export const OFFSET_METADATA_MAX_BYTES = 4096;

type CommitTopic = RequestOf<typeof OffsetCommitApi>['topics'][number];

/** A partition of an OffsetCommit request (commitTimestamp: v1 only; -1 means "now"). */
export type CommitPartition = CommitTopic['partitions'][number];

/** An OffsetCommit request as the coordinator checks it (the generation is -1 in v0). */
export interface CommitRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  topics: CommitTopic[];
}

export interface CommitTopicResult {
  name: string;
  partitions: { partitionIndex: number; errorCode: number }[];
}

/** A topic of an OffsetFetch request (v0-7 and each group's of v8+ have the same shape). */
export type FetchTopic = NonNullable<RequestOf<typeof OffsetFetchApi>['topics']>[number];

export interface FetchedPartition {
  partitionIndex: number;
  committedOffset: number;
  committedLeaderEpoch: number;
  metadata: string;
  errorCode: number;
}

export interface FetchResult {
  errorCode: number;
  topics: { name: string; partitions: FetchedPartition[] }[];
}

export interface DeleteOffsetsResult {
  errorCode: number;
  topics: { name: string; partitions: { partitionIndex: number; errorCode: number }[] }[];
}

/** Kafka's mapping of a failed write to __consumer_offsets onto what the client is told. */
export function storeErrorCode(err: unknown): number {
  const code = errorCodeFor(err);
  if (code === ErrorCode.MESSAGE_TOO_LARGE) return ErrorCode.INVALID_COMMIT_OFFSET_SIZE;
  if (code === ErrorCode.NOT_LEADER_OR_FOLLOWER) return ErrorCode.NOT_COORDINATOR;
  return ErrorCode.COORDINATOR_NOT_AVAILABLE;
}

export class GroupOffsets {
  constructor(
    private readonly broker: BrokerContext,
    private readonly store: OffsetStore,
    private readonly groups: Map<string, Group>,
    private readonly membership: GroupMembership,
  ) {}

  /**
   * The topic's partition count as the cluster knows it (0: no such topic): in a cluster the
   * coordinator often holds no replica of the topics its groups read, so it asks the metadata the
   * controller sent, not its own topic store.
   */
  private partitionCount(topic: string): number {
    const cluster = this.broker.metadata;
    if (cluster) return cluster.partitions(topic)?.size ?? 0;
    return this.broker.topics.store.get(topic)?.partitions ?? 0;
  }

  /**
   * `unavailable`: NONE, or why this coordinator cannot serve the group now (loading, not its
   * coordinator). On one node answered at once; in a cluster once the commit is replicated, with
   * Kafka's codes for a write that failed (offsets-replication.ts).
   */
  commit(req: CommitRequest, unavailable: number): CommitTopicResult[] | Promise<CommitTopicResult[]> {
    const codes = new Map<CommitPartition, number>();
    const valid: { topic: string; p: CommitPartition }[] = [];
    for (const topic of req.topics) {
      const count = this.partitionCount(topic.name);
      for (const p of topic.partitions) {
        if (p.partitionIndex < 0 || p.partitionIndex >= count)
          codes.set(p, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        else valid.push({ topic: topic.name, p });
      }
    }
    const groupError = unavailable !== ErrorCode.NONE ? unavailable : this.checkCommit(req);
    if (groupError !== ErrorCode.NONE) {
      for (const { p } of valid) codes.set(p, groupError);
    } else {
      const now = Date.now();
      const entries: TopicPartitionOffset[] = [];
      const stored: CommitPartition[] = [];
      for (const { topic, p } of valid) {
        const metadata = p.committedMetadata ?? '';
        if (Buffer.byteLength(metadata, 'utf8') > OFFSET_METADATA_MAX_BYTES) {
          codes.set(p, ErrorCode.OFFSET_METADATA_TOO_LARGE);
          continue;
        }
        const commitTimestamp = p.commitTimestamp >= 0 ? p.commitTimestamp : now;
        entries.push({
          topic,
          partition: p.partitionIndex,
          value: {
            offset: p.committedOffset,
            leaderEpoch: p.committedLeaderEpoch,
            metadata,
            commitTimestamp,
          },
        });
        stored.push(p);
      }
      let code: number = ErrorCode.NONE;
      let replicated: Promise<number> | undefined;
      try {
        replicated = this.store.commit(req.groupId, entries);
      } catch (err) {
        code = storeErrorCode(err);
        this.broker.log.warn({ err, group: req.groupId }, 'offset commit failed');
      }
      if (replicated)
        return replicated.then((written) => {
          const answer = commitErrorCode(written);
          if (answer !== ErrorCode.NONE)
            this.broker.log.warn({ group: req.groupId, written, answer }, 'offset commit not replicated');
          for (const p of stored) codes.set(p, answer);
          return commitResults(req, codes);
        });
      for (const p of stored) codes.set(p, code);
    }
    return commitResults(req, codes);
  }

  /**
   * Kafka's rules: a commit with generation -1 from outside the group (a simple consumer, an
   * admin, kafka-python's manual commit) is accepted while the group is Empty — and creates the
   * group if there is none. Members commit with their generation while Stable or while a
   * rebalance is being prepared (consumers commit in onPartitionsRevoked), but not while the new
   * generation waits for its assignment.
   */
  private checkCommit(req: CommitRequest): number {
    if (!req.groupId) return ErrorCode.INVALID_GROUP_ID;
    let group = this.groups.get(req.groupId);
    if (!group) {
      if (req.generationId >= 0) return ErrorCode.ILLEGAL_GENERATION;
      group = new Group(req.groupId);
      this.groups.set(req.groupId, group);
    }
    if (group.is('Dead')) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (group.isStaticMemberFenced(req.memberId, req.groupInstanceId)) return ErrorCode.FENCED_INSTANCE_ID;
    if (req.generationId < 0 && group.is('Empty')) return ErrorCode.NONE;
    if (group.is('CompletingRebalance')) return ErrorCode.REBALANCE_IN_PROGRESS;
    const member = group.get(req.memberId);
    if (!member) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (req.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    // A commit proves the member alive, as a heartbeat does.
    this.membership.scheduleHeartbeat(group, member);
    return ErrorCode.NONE;
  }

  /** The group's offsets for the partitions asked (all when `topics` is null); -1 when none. */
  fetch(groupId: string, topics: FetchTopic[] | null, unavailable: number): FetchResult {
    if (unavailable !== ErrorCode.NONE) {
      const partitions = (t: FetchTopic): FetchedPartition[] =>
        t.partitionIndexes.map((i) => missing(i, unavailable));
      return {
        errorCode: unavailable,
        topics: (topics ?? []).map((t) => ({ name: t.name, partitions: partitions(t) })),
      };
    }
    if (topics === null) {
      const byTopic = new Map<string, FetchedPartition[]>();
      const all = this.store
        .all(groupId)
        .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
      for (const { topic, partition, value } of all) {
        let list = byTopic.get(topic);
        if (!list) byTopic.set(topic, (list = []));
        list.push({
          partitionIndex: partition,
          committedOffset: value.offset,
          committedLeaderEpoch: value.leaderEpoch,
          metadata: value.metadata,
          errorCode: ErrorCode.NONE,
        });
      }
      return {
        errorCode: ErrorCode.NONE,
        topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
      };
    }
    return {
      errorCode: ErrorCode.NONE,
      topics: topics.map((t) => ({
        name: t.name,
        partitions: t.partitionIndexes.map((index) => {
          const value = this.store.get(groupId, t.name, index);
          if (!value) return missing(index, ErrorCode.NONE);
          return {
            partitionIndex: index,
            committedOffset: value.offset,
            committedLeaderEpoch: value.leaderEpoch,
            metadata: value.metadata,
            errorCode: ErrorCode.NONE,
          };
        }),
      })),
    };
  }

  /**
   * OffsetDelete: allowed for an Empty group, and for a consumer group only on topics none of
   * its members subscribes to (GROUP_SUBSCRIBED_TO_TOPIC otherwise).
   */
  deleteOffsets(
    groupId: string,
    topics: { name: string; partitions: { partitionIndex: number }[] }[],
    unavailable: number,
  ): DeleteOffsetsResult {
    const fail = (errorCode: number): DeleteOffsetsResult => ({ errorCode, topics: [] });
    if (unavailable !== ErrorCode.NONE) return fail(unavailable);
    if (!groupId) return fail(ErrorCode.INVALID_GROUP_ID);
    const group = this.groups.get(groupId);
    if (!group || group.is('Dead')) return fail(ErrorCode.GROUP_ID_NOT_FOUND);
    let subscribed: Set<string> | undefined;
    if (!group.is('Empty')) {
      subscribed = subscribedTopics(group);
      if (!subscribed) return fail(ErrorCode.NON_EMPTY_GROUP);
    }
    const doomed: { topic: string; partition: number }[] = [];
    const results = topics.map((t) => {
      const blocked = subscribed?.has(t.name) ?? false;
      return {
        name: t.name,
        partitions: t.partitions.map(({ partitionIndex }) => {
          if (blocked) return { partitionIndex, errorCode: ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC };
          if (this.partitionCount(t.name) === 0)
            return { partitionIndex, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
          // (A commit still being written is tombstoned too: it must not come back at a reload.)
          if (this.store.has(groupId, t.name, partitionIndex))
            doomed.push({ topic: t.name, partition: partitionIndex });
          return { partitionIndex, errorCode: ErrorCode.NONE };
        }),
      };
    });
    try {
      this.store.deleteOffsets(groupId, doomed);
    } catch (err) {
      this.broker.log.warn({ err, group: groupId }, 'offset delete failed');
      return fail(storeErrorCode(err));
    }
    return { errorCode: ErrorCode.NONE, topics: results };
  }

  /**
   * Kafka's expiry: offsets of an Empty group go offsets.retention.ms after the group became
   * Empty (after their commit, for a group that never had members); an Empty group left with
   * no offsets is deleted. Offsets of active groups are kept.
   */
  expire(now: number, retentionMs: number): number {
    let expired = 0;
    const ids = new Set([...this.groups.keys(), ...this.store.groupIds()]);
    for (const groupId of ids) {
      const group = this.groups.get(groupId);
      if (group && (!group.is('Empty') || group.pendingMembers.size > 0)) continue;
      const usesStateTime = group !== undefined && group.protocolType !== null;
      // A partition whose new commit is waiting for replicas is not expired (Kafka skips those).
      const old = this.store
        .all(groupId)
        .filter((e) => now - (usesStateTime ? group.stateTimestamp : e.value.commitTimestamp) >= retentionMs)
        .filter((e) => !this.store.isPending(groupId, e.topic, e.partition));
      try {
        this.store.deleteOffsets(groupId, old);
        expired += old.length;
        if (group && !this.store.hasOffsets(groupId)) {
          this.store.deleteGroup(groupId);
          group.transitionTo('Dead');
          this.groups.delete(groupId);
        }
      } catch (err) {
        this.broker.log.warn({ err, group: groupId }, 'offset expiry failed');
      }
    }
    return expired;
  }
}

/** Every partition of the request with its code (NONE when none was set). */
function commitResults(req: CommitRequest, codes: Map<CommitPartition, number>): CommitTopicResult[] {
  return req.topics.map((topic) => ({
    name: topic.name,
    partitions: topic.partitions.map((p) => ({
      partitionIndex: p.partitionIndex,
      errorCode: codes.get(p) ?? ErrorCode.NONE,
    })),
  }));
}

function missing(partitionIndex: number, errorCode: number): FetchedPartition {
  return { partitionIndex, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode };
}
