/**
 * What `kiln reassign` needs from a cluster, as one interface: the cluster's brokers (with racks)
 * and partitions, the controller's reassignment APIs, configs, and the brokers' log directories.
 * kafka-reassign-admin.ts implements it over the wire; the tests give a fake cluster, so the
 * command's decisions and output are checked without brokers. `Output` is where a command prints.
 */
import type { BrokerSpot } from './balanced-assignment.js';
import type { PartitionRef } from './plan.js';

export interface PartitionState extends PartitionRef {
  leader: number;
  replicas: number[];
  isr: number[];
}

export interface ClusterView {
  brokers: BrokerSpot[];
  /** Existing topics asked for (all when none were named) → their partitions, in index order. */
  topics: Map<string, PartitionState[]>;
}

/** A partition move in progress (ListPartitionReassignments). */
export interface Reassignment extends PartitionRef {
  /** Old and new replicas together while the move runs. */
  replicas: number[];
  adding: number[];
  removing: number[];
}

/** A per-partition answer: error code 0 when accepted. */
export interface PartitionResult extends PartitionRef {
  errorCode: number;
  errorMessage: string | null;
}

/** A replica's copy in a broker's log directory (DescribeLogDirs). */
export interface ReplicaDir extends PartitionRef {
  dir: string;
  size: number;
  /** A copy being made in another directory of the same broker (AlterReplicaLogDirs). */
  future: boolean;
}

export type ConfigResource = { kind: 'broker'; id: number } | { kind: 'topic'; name: string };

export interface ReassignAdmin {
  /** Brokers and the partitions of `topics` (every topic when null); missing topics are left out. */
  cluster(topics: string[] | null): Promise<ClusterView>;
  /** AlterPartitionReassignments: a replica list starts (or changes) a move, null cancels it. */
  alterReassignments(moves: (PartitionRef & { replicas: number[] | null })[]): Promise<PartitionResult[]>;
  /** ListPartitionReassignments for `partitions`, or all moves in progress when null. */
  listReassignments(partitions: PartitionRef[] | null): Promise<Reassignment[]>;
  /** The names of the configs set on the resource itself (its overrides). */
  overrides(resource: ConfigResource): Promise<Set<string>>;
  /** IncrementalAlterConfigs on one resource; a refusal throws the broker's KafkaError. */
  alterConfigs(
    resource: ConfigResource,
    set: ReadonlyMap<string, string>,
    remove: readonly string[],
  ): Promise<void>;
  /** AlterReplicaLogDirs on `broker`: each replica to its directory. */
  alterReplicaLogDirs(broker: number, moves: (PartitionRef & { dir: string })[]): Promise<PartitionResult[]>;
  /** DescribeLogDirs on `broker`, for `partitions` only. */
  describeLogDirs(broker: number, partitions: PartitionRef[]): Promise<ReplicaDir[]>;
  /** The high watermark of each partition on its leader ("topic-partition" → offset). */
  highWatermarks(leader: number, partitions: PartitionRef[]): Promise<Map<string, number>>;
  /** Waits `ms` (the tests' fake cluster moves on instead). */
  sleep(ms: number): Promise<void>;
}

/** Where a command prints: each call is one or more whole lines (the newline is added). */
export interface Output {
  out(text: string): void;
  err(text: string): void;
}

/** Lines to stdout, problems to stderr, as every kiln command prints. */
export const consoleOutput: Output = {
  out: (text) => void process.stdout.write(`${text}\n`),
  err: (text) => void process.stderr.write(`${text}\n`),
};
