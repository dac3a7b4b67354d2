/**
 * AlterPartitionReassignments: starts, changes or (a null replica list) cancels partition moves,
 * done by the controller (partition-admin.ts); any other broker answers NOT_CONTROLLER. Each
 * partition's answer says whether its move was accepted, not that it finished.
 */
import { AlterPartitionReassignmentsApi } from '../../protocol/apis/alter-partition-reassignments.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import type { ResponseOf } from '../../protocol/message-types.js';
import { reply, type Handler } from '../registry.js';
import type { PartitionAdmin } from './partition-admin.js';

type TopicResponse = ResponseOf<typeof AlterPartitionReassignmentsApi>['responses'][number];

export function alterPartitionReassignmentsHandler(
  admin: () => PartitionAdmin | undefined,
): Handler<typeof AlterPartitionReassignmentsApi> {
  return {
    api: AlterPartitionReassignmentsApi,
    async handle(request) {
      const requests = request.topics.flatMap((t) =>
        t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, replicas: p.replicas })),
      );
      const results = (await admin()?.alterReassignments(requests)) ?? null;
      if (results === null) {
        return reply(AlterPartitionReassignmentsApi, {
          throttleTimeMs: 0,
          errorCode: ErrorCode.NOT_CONTROLLER,
          errorMessage: 'This broker is not the controller.',
          responses: [],
        });
      }
      const byTopic = new Map<string, TopicResponse>();
      for (const r of results) {
        let entry = byTopic.get(r.topic);
        if (!entry) byTopic.set(r.topic, (entry = { name: r.topic, partitions: [] }));
        entry.partitions.push({
          partitionIndex: r.partition,
          errorCode: r.errorCode,
          errorMessage: r.errorMessage,
        });
      }
      return reply(AlterPartitionReassignmentsApi, {
        throttleTimeMs: 0,
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        responses: [...byTopic.values()],
      });
    },
  };
}
