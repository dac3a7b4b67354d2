/**
 * ElectLeaders: preferred (0) or unclean (1, v1+) leader elections, done by the controller
 * (partition-admin.ts). Any other broker answers NOT_CONTROLLER — at the top from v1, on every
 * partition in v0, which has no top-level error. A null partition list means every partition, and
 * then partitions that needed no election are left out of the answer (as Kafka answers).
 */
import { ElectLeadersApi } from '../../protocol/apis/elect-leaders.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import type { ResponseOf } from '../../protocol/message-types.js';
import { reply, type Handler } from '../registry.js';
import type { PartitionAdmin } from './partition-admin.js';

type TopicResult = ResponseOf<typeof ElectLeadersApi>['replicaElectionResults'][number];

export function electLeadersHandler(
  admin: () => PartitionAdmin | undefined,
): Handler<typeof ElectLeadersApi> {
  return {
    api: ElectLeadersApi,
    async handle(request, version) {
      const refs =
        request.topicPartitions === null
          ? null
          : request.topicPartitions.flatMap((t) =>
              t.partitions.map((partition) => ({ topic: t.topic, partition })),
            );
      // v0 has no election type: it asks for preferred elections.
      const type = version >= 1 ? request.electionType : 0;
      const results = (await admin()?.electLeaders(type, refs)) ?? null;
      const byTopic = new Map<string, TopicResult>();
      const add = (
        topic: string,
        partitionId: number,
        errorCode: number,
        errorMessage: string | null,
      ): void => {
        let entry = byTopic.get(topic);
        if (!entry) byTopic.set(topic, (entry = { topic, partitionResult: [] }));
        entry.partitionResult.push({ partitionId, errorCode, errorMessage });
      };
      if (results === null) {
        if (version >= 1)
          return reply(ElectLeadersApi, {
            throttleTimeMs: 0,
            errorCode: ErrorCode.NOT_CONTROLLER,
            replicaElectionResults: [],
          });
        for (const r of refs ?? [])
          add(r.topic, r.partition, ErrorCode.NOT_CONTROLLER, 'This broker is not the controller.');
      } else for (const r of results) add(r.topic, r.partition, r.errorCode, r.errorMessage);
      return reply(ElectLeadersApi, {
        throttleTimeMs: 0,
        errorCode: ErrorCode.NONE,
        replicaElectionResults: [...byTopic.values()],
      });
    },
  };
}
