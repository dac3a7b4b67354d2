/**
 * What the partition-move and leader-election handlers (AlterPartitionReassignments,
 * ListPartitionReassignments, ElectLeaders) need of the controller, and its stand-in on the
 * embedded single node. In a cluster the controller (server/cluster/controller/controller.ts)
 * does the work and answers null on any other broker (NOT_CONTROLLER). A single node is its own
 * controller: each partition has one replica, itself, so there is nothing to move or elect —
 * asking to move a partition onto itself is accepted and done at once, onto any other broker is
 * INVALID_REPLICA_ASSIGNMENT, and an election is never needed.
 */
import type { ElectionResult } from '../../cluster/controller/leader-balance.js';
import type {
  ListedMove,
  MoveRequest,
  MoveResult,
} from '../../cluster/controller/partition-reassignments.js';
import type { PartitionRef } from '../../cluster/controller/partition-state-updates.js';
import type { TopicManager } from '../../cluster/topic-manager.js';
import { ErrorCode } from '../../protocol/error-codes.js';

export interface PartitionAdmin {
  /** Null: this broker is not the controller. */
  alterReassignments(requests: MoveRequest[]): Promise<MoveResult[] | null>;
  listReassignments(refs: PartitionRef[] | null): Promise<ListedMove[] | null>;
  electLeaders(type: number, refs: PartitionRef[] | null): Promise<ElectionResult[] | null>;
}

/** The single node's answers (see above). */
export function singleNodeAdmin(topics: TopicManager, nodeId: number): PartitionAdmin {
  const exists = (ref: PartitionRef): boolean => {
    const topic = topics.store.get(ref.topic);
    return topic !== undefined && ref.partition >= 0 && ref.partition < topic.partitions;
  };
  const unknown = {
    errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    errorMessage: 'This partition does not exist.',
  };
  return {
    alterReassignments: (requests) =>
      Promise.resolve(
        requests.map((r): MoveResult => {
          if (!exists(r)) return { ...r, ...unknown };
          if (r.replicas === null)
            return {
              ...r,
              errorCode: ErrorCode.NO_REASSIGNMENT_IN_PROGRESS,
              errorMessage: 'No reassignment is in progress.',
            };
          if (r.replicas.length === 1 && r.replicas[0] === nodeId)
            return { ...r, errorCode: ErrorCode.NONE, errorMessage: null };
          return {
            ...r,
            errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT,
            errorMessage: `This single node (broker ${nodeId}) is the only replica a partition can have; asked for [${r.replicas.join(', ')}].`,
          };
        }),
      ),
    listReassignments: () => Promise.resolve([]),
    electLeaders: (type, refs) => {
      if (refs === null) return Promise.resolve([]);
      return Promise.resolve(
        refs.map((r): ElectionResult => {
          if (!exists(r)) return { ...r, ...unknown };
          if (type !== 0 && type !== 1)
            return {
              ...r,
              errorCode: ErrorCode.INVALID_REQUEST,
              errorMessage: `Unknown election type ${type}.`,
            };
          return {
            ...r,
            errorCode: ErrorCode.ELECTION_NOT_NEEDED,
            errorMessage: 'Leader election not needed for this partition.',
          };
        }),
      );
    },
  };
}
