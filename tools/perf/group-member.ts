/**
 * Membership of a classic consumer group for `kiln perf consume --group` and `kiln consume --group`:
 * FindCoordinator, then JoinGroup and SyncGroup with the range assignor (round robin when a member
 * such as kafkajs offers only that; the leader assigns every member's partitions),
 * heartbeats while consuming, OffsetCommit with the generation and member id, and LeaveGroup at the
 * end. A heartbeat answered REBALANCE_IN_PROGRESS (or a lost membership) tells the consumer to
 * stop, commit and join again.
 */
import {
  commitOffsetsOn,
  KafkaError,
  checkError,
  errorName,
  type Connection,
  type KafkaClient,
} from '../client/kafka-client.js';
import { ErrorCode } from '../../server/protocol/error-codes.js';
import { HeartbeatApi } from '../../server/protocol/apis/heartbeat.js';
import { JoinGroupApi } from '../../server/protocol/apis/join-group.js';
import { LeaveGroupApi } from '../../server/protocol/apis/leave-group.js';
import { SyncGroupApi } from '../../server/protocol/apis/sync-group.js';
import type { ResponseReceived } from '../../server/protocol/message-types.js';
import {
  ASSIGNORS,
  assignPartitions,
  decodeAssignment,
  decodeSubscription,
  encodeAssignment,
  encodeSubscription,
} from '../../server/group/consumer-protocol.js';

/** Kafka's classic defaults of the time: 10 s session, heartbeats every 3 s. */
const SESSION_TIMEOUT_MS = 10_000;
const REBALANCE_TIMEOUT_MS = 30_000;
const HEARTBEAT_INTERVAL_MS = 3_000;
const MAX_JOIN_ATTEMPTS = 20;
const RETRY_BACKOFF_MS = 200;

/** Errors after which a member joins again (the group moved on without it). */
const REJOIN = new Set<number>([
  ErrorCode.REBALANCE_IN_PROGRESS,
  ErrorCode.ILLEGAL_GENERATION,
  ErrorCode.UNKNOWN_MEMBER_ID,
]);
/** The coordinator is busy or elsewhere: find it again and retry. */
const COORDINATOR_MOVED = new Set<number>([
  ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
  ErrorCode.COORDINATOR_NOT_AVAILABLE,
  ErrorCode.NOT_COORDINATOR,
]);

export class GroupMember {
  memberId = '';
  generationId = -1;
  /** Completed joins; more than one means the group rebalanced under us. */
  joins = 0;
  private conn: Connection | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private heartbeatInFlight = false;

  constructor(
    private readonly client: KafkaClient,
    readonly group: string,
    private readonly topic: string,
    private readonly log: (line: string) => void,
    /** Named in LeaveGroup's reason. */
    private readonly clientName = 'kiln perf consume',
  ) {}

  /** Joins (or rejoins) the group; resolves with this member's partitions of the topic. */
  async join(): Promise<number[]> {
    for (let attempt = 0; attempt < MAX_JOIN_ATTEMPTS; attempt++) {
      const conn = (this.conn ??= await this.client.coordinator(this.group));
      const joined = await conn.request(JoinGroupApi, {
        groupId: this.group,
        sessionTimeoutMs: SESSION_TIMEOUT_MS,
        rebalanceTimeoutMs: REBALANCE_TIMEOUT_MS,
        memberId: this.memberId,
        groupInstanceId: null,
        protocolType: 'consumer',
        protocols: ASSIGNORS.map((name) => ({ name, metadata: encodeSubscription([this.topic]) })),
        reason: null,
      });
      const code = joined.errorCode;
      if (code === ErrorCode.MEMBER_ID_REQUIRED) {
        // KIP-394: the first join only hands out the member id to join with.
        this.memberId = joined.memberId;
        continue;
      }
      if (code === ErrorCode.UNKNOWN_MEMBER_ID) {
        this.memberId = '';
        continue;
      }
      if (code === ErrorCode.REBALANCE_IN_PROGRESS) continue;
      if (await this.retryable(code)) continue;
      checkError(code, `JoinGroup ${this.group}`);
      this.memberId = joined.memberId;
      this.generationId = joined.generationId;
      // The assignor the group picked: one every member offered.
      const protocol = joined.protocolName || ASSIGNORS[0]!;
      const assignments = joined.leader === this.memberId ? await this.assign(protocol, joined.members) : [];
      const synced = await conn.request(SyncGroupApi, {
        groupId: this.group,
        generationId: this.generationId,
        memberId: this.memberId,
        groupInstanceId: null,
        protocolType: 'consumer',
        protocolName: protocol,
        assignments,
      });
      const syncCode = synced.errorCode;
      if (REJOIN.has(syncCode) || (await this.retryable(syncCode))) continue;
      checkError(syncCode, `SyncGroup ${this.group}`);
      this.joins++;
      return decodeAssignment(synced.assignment).get(this.topic) ?? [];
    }
    throw new KafkaError(ErrorCode.REBALANCE_IN_PROGRESS, `group ${this.group}`, 'could not join');
  }

  /** Heartbeats until stopped; `onRebalance` is called when the group wants this member to rejoin. */
  startHeartbeats(onRebalance: () => void): void {
    this.stopHeartbeats();
    this.heartbeatTimer = setInterval(() => {
      if (this.heartbeatInFlight || !this.conn) return;
      this.heartbeatInFlight = true;
      this.conn
        .request(HeartbeatApi, {
          groupId: this.group,
          generationId: this.generationId,
          memberId: this.memberId,
          groupInstanceId: null,
        })
        .then(
          (response) => {
            const code = response.errorCode;
            if (REJOIN.has(code)) onRebalance();
            else if (code !== ErrorCode.NONE)
              this.log(`heartbeat of group ${this.group}: ${errorName(code)}`);
          },
          (err: Error) => this.log(`heartbeat of group ${this.group}: ${err.message}`),
        )
        .finally(() => (this.heartbeatInFlight = false));
    }, HEARTBEAT_INTERVAL_MS);
  }

  stopHeartbeats(): void {
    clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
  }

  /** Commits `offsets` (partition -> next offset to read) as this member of this generation. */
  async commit(offsets: ReadonlyMap<number, number>): Promise<void> {
    if (!this.conn || offsets.size === 0) return;
    await commitOffsetsOn(this.conn, this.group, this.topic, offsets, this.generationId, this.memberId);
  }

  async leave(): Promise<void> {
    this.stopHeartbeats();
    if (!this.conn || !this.memberId) return;
    const response = await this.conn.request(LeaveGroupApi, {
      groupId: this.group,
      memberId: this.memberId,
      members: [{ memberId: this.memberId, groupInstanceId: null, reason: `${this.clientName} finished` }],
    });
    checkError(response.errorCode, `LeaveGroup ${this.group}`);
  }

  /** The leader's part: assign every member's subscribed topics with the group's assignor. */
  private async assign(
    protocol: string,
    members: ResponseReceived<typeof JoinGroupApi>['members'],
  ): Promise<{ memberId: string; assignment: Buffer }[]> {
    const subscriptions = members.map((m) => ({
      memberId: m.memberId,
      topics: decodeSubscription(m.metadata),
    }));
    const topics = [...new Set(subscriptions.flatMap((s) => s.topics))];
    const meta = await this.client.metadata(topics);
    const counts = new Map(
      meta.topics.filter((t) => t.errorCode === ErrorCode.NONE).map((t) => [t.name, t.partitions.length]),
    );
    const assigned = assignPartitions(protocol, subscriptions, counts);
    return [...assigned].map(([memberId, assignment]) => ({
      memberId,
      assignment: encodeAssignment(assignment),
    }));
  }

  /** True (after a pause, and a new coordinator lookup if needed) for errors worth a retry. */
  private async retryable(code: number): Promise<boolean> {
    if (!COORDINATOR_MOVED.has(code)) return false;
    await new Promise((resolve) => setTimeout(resolve, RETRY_BACKOFF_MS));
    if (code !== ErrorCode.COORDINATOR_LOAD_IN_PROGRESS) this.conn = undefined;
    return true;
  }
}
