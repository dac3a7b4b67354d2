/**
 * ListPartitionReassignments: the partition moves in progress (each one's replicas, old and new
 * together, and those being added and removed) among the listed partitions, or all of them for a
 * null list; from the controller (partition-admin.ts), any other broker answers NOT_CONTROLLER.
 * Listed partitions that are not moving (or do not exist) are left out, as Kafka answers.
 */
import { ListPartitionReassignmentsApi } from '../../protocol/apis/list-partition-reassignments.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import type { ResponseOf } from '../../protocol/message-types.js';
import { reply, type Handler } from '../registry.js';
import type { PartitionAdmin } from './partition-admin.js';

type TopicMoves = ResponseOf<typeof ListPartitionReassignmentsApi>['topics'][number];

export function listPartitionReassignmentsHandler(
  admin: () => PartitionAdmin | undefined,
): Handler<typeof ListPartitionReassignmentsApi> {
  return {
    api: ListPartitionReassignmentsApi,
    async handle(request) {
      const refs =
        request.topics === null
          ? null
          : request.topics.flatMap((t) =>
              t.partitionIndexes.map((partition) => ({ topic: t.name, partition })),
            );
      const moves = (await admin()?.listReassignments(refs)) ?? null;
      if (moves === null) {
        return reply(ListPartitionReassignmentsApi, {
          throttleTimeMs: 0,
          errorCode: ErrorCode.NOT_CONTROLLER,
          errorMessage: 'This broker is not the controller.',
          topics: [],
        });
      }
      const byTopic = new Map<string, TopicMoves>();
      for (const m of moves) {
        let entry = byTopic.get(m.topic);
        if (!entry) byTopic.set(m.topic, (entry = { name: m.topic, partitions: [] }));
        entry.partitions.push({
          partitionIndex: m.partition,
          replicas: m.replicas,
          addingReplicas: m.adding,
          removingReplicas: m.removing,
        });
      }
      return reply(ListPartitionReassignmentsApi, {
        throttleTimeMs: 0,
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        topics: [...byTopic.values()],
      });
    },
  };
}
