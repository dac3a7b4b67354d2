/**
 * OffsetCommit: v0 has no generation or member (a plain store, as with -1 and ""); v1 carries a
 * commit timestamp per partition; the v2-v4 retention time is accepted and ignored, as Kafka 2.1+
 * does (offsets.retention.ms applies). Group checks are the coordinator's.
 */
import type { CommitPartition, GroupCoordinator } from '../../group/group-coordinator.js';
import { OffsetCommitApi } from '../../protocol/apis/offset-commit.js';
import type { Handler } from '../registry.js';

export function offsetCommitHandler(coordinator: GroupCoordinator): Handler {
  return {
    api: OffsetCommitApi,
    handle(request, version) {
      const topics = coordinator.commitOffsets({
        groupId: request.groupId as string,
        generationId: version === 0 ? -1 : (request.generationIdOrMemberEpoch as number),
        memberId: version === 0 ? '' : (request.memberId as string),
        groupInstanceId: request.groupInstanceId as string | null,
        topics: request.topics as { name: string; partitions: CommitPartition[] }[],
      });
      return { throttleTimeMs: 0, topics };
    },
  };
}
