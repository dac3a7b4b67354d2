/**
 * The admin JSON API: what each GET under /api/ answers. The dashboard (server/admin/dashboard/)
 * and `kiln top` (tools/top/) read these shapes; the routes (admin-api.ts) build them from the
 * broker's parts. Read-only; every answer is JSON, errors as `{ error, ... }` with 404 or 503.
 *
 *   GET /api/cluster            ClusterView      this broker, every live broker, the controller
 *   GET /api/traffic            TrafficView      cumulative counters, per topic (rates are deltas)
 *   GET /api/topics             TopicSummary[]   every topic, sorted by name (internal ones too)
 *   GET /api/topics/{name}      TopicView        one topic: partitions, and segments where held here
 *   GET /api/groups             GroupSummary[]   the groups this broker coordinates, sorted by id
 *   GET /api/groups/{id}        GroupView        one group: members, assignments, committed offsets, lag
 *
 * Names in the path are URI-encoded. Offsets are numbers (below 2^53); times are epoch
 * milliseconds; -1 means "none" where a field says so. Counters only grow while the broker runs
 * (a restart starts them at 0 again: readers treat a smaller value as a restart, not a negative rate).
 */

export interface BrokerView {
  id: number;
  host: string;
  port: number;
  rack: string | null;
  /** The admin listener of that broker, when known (its own always; others: null). */
  adminUrl: string | null;
}

export interface ClusterView {
  clusterId: string;
  /** 'single': one broker with no ZooKeeper; 'cluster': ZooKeeper-backed. */
  mode: 'single' | 'cluster';
  /** The broker answering. */
  brokerId: number;
  version: string;
  /** When this broker process started (epoch ms). */
  startedMs: number;
  /** The active controller's id, -1 when none is known. A single node is its own. */
  controllerId: number;
  /** Every live broker, sorted by id. */
  brokers: BrokerView[];
  /** Partition counts over the whole cluster as this broker knows it. */
  partitions: { total: number; offline: number; underReplicated: number; underMinIsr: number };
  /** This broker's readiness (the same as /readyz). */
  ready: boolean;
}

export interface TrafficCounters {
  bytesIn: number;
  bytesOut: number;
  messagesIn: number;
  produceRequests: number;
  fetchRequests: number;
  failedProduceRequests: number;
  failedFetchRequests: number;
}

export interface TrafficView {
  /** When these were read (epoch ms): rate = (b.x - a.x) / (b.timeMs - a.timeMs). */
  timeMs: number;
  /** This broker's counters only (in a cluster, each broker answers for the traffic it served). */
  all: TrafficCounters;
  /** Per topic, for the topics this broker has served; a topic absent here has counted nothing. */
  topics: Record<string, TrafficCounters>;
  /** Bytes sent to followers. */
  replicationBytesOut: number;
}

export interface TopicSummary {
  name: string;
  /** Base64 (Kafka's form) of the topic id; the zero id on a single node without ids. */
  topicId: string;
  internal: boolean;
  partitions: number;
  replicationFactor: number;
  /** Bytes of the partitions held on this broker (a cluster's other brokers are not counted). */
  localBytes: number;
  /** Partitions without a leader / with an ISR smaller than their replicas / below min.insync.replicas. */
  offline: number;
  underReplicated: number;
  underMinIsr: number;
}

export interface SegmentView {
  baseOffset: number;
  /** The offset after the segment's last record (the next segment's base, or the log end). */
  endOffset: number;
  bytes: number;
  /** Largest record timestamp in the segment, -1 when it holds none. */
  maxTimestampMs: number;
  /** When the segment was created or loaded. */
  createdMs: number;
  /** The segment written to now (the last one). */
  active: boolean;
  /**
   * 'clean': wholly below the cleaner's checkpoint (compacted); 'dirty': a compacted topic's
   * segment not cleaned yet; 'none': the topic is not compacted.
   */
  compaction: 'clean' | 'dirty' | 'none';
  /** Retention would delete this segment if it ran now (the segments before the retention line). */
  expired: boolean;
}

export interface PartitionView {
  partition: number;
  /** -1 when the partition has no leader. */
  leader: number;
  replicas: number[];
  isr: number[];
  offline: boolean;
  /** Whether this broker holds a replica; the fields below are null when it does not. */
  local: boolean;
  logStartOffset: number | null;
  logEndOffset: number | null;
  highWatermark: number | null;
  bytes: number | null;
  /** Oldest first; null when not held here. */
  segments: SegmentView[] | null;
}

export interface TopicView extends TopicSummary {
  /** Properties set on the topic (not the broker's defaults), name → value. */
  configs: Record<string, string>;
  /** The retention the topic has: -1 for unlimited. */
  retentionMs: number;
  retentionBytes: number;
  cleanupPolicy: string;
  partitionViews: PartitionView[];
}

export interface GroupSummary {
  groupId: string;
  /** Kafka's names: Empty, PreparingRebalance, CompletingRebalance, Stable, Dead. */
  state: string;
  protocolType: string;
  /** The assignor chosen ('' until Stable). */
  protocol: string;
  members: number;
  /** Sum of lag over the partitions with a commit. */
  totalLag: number;
  /** The broker coordinating the group (this one for every group listed here). */
  coordinator: number;
}

export interface GroupMemberView {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  /** What the member was assigned (decoded from the consumer protocol; empty if not decodable). */
  assignment: { topic: string; partitions: number[] }[];
}

export interface GroupOffsetView {
  topic: string;
  partition: number;
  /** Committed offset, -1 when the group has none for an assigned partition. */
  committed: number;
  /** The partition's high watermark (-1 when this broker cannot tell). */
  highWatermark: number;
  /** highWatermark - committed, at least 0; -1 when either is unknown. */
  lag: number;
  /** The member assigned the partition, or null. */
  memberId: string | null;
  metadata: string | null;
}

export interface GroupView extends GroupSummary {
  /** -1 for a group with no generation yet. */
  generation: number;
  memberViews: GroupMemberView[];
  /** Sorted by topic then partition: every committed partition and every assigned one. */
  offsets: GroupOffsetView[];
}
