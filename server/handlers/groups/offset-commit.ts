/**
 * OffsetCommit: v0 has no generation or member (a plain store, as with -1 and ""); v1 carries a
 * commit timestamp per partition; the v2-v4 retention time is accepted and ignored, as Kafka 2.1+
 * does (offsets.retention.ms applies). Group checks are the coordinator's. On one node the answer
 * is immediate; in a cluster it waits until the commit is replicated.
 */
import type { CommitTopicResult, GroupCoordinator } from '../../group/group-coordinator.js';
import { OffsetCommitApi } from '../../protocol/apis/offset-commit.js';
import { reply, type Handler } from '../registry.js';

export function offsetCommitHandler(coordinator: GroupCoordinator): Handler<typeof OffsetCommitApi> {
  const shape = (topics: CommitTopicResult[]) => reply(OffsetCommitApi, { throttleTimeMs: 0, topics });
  return {
    api: OffsetCommitApi,
    handle(request, version) {
      const topics = coordinator.commitOffsets({
        groupId: request.groupId,
        generationId: version === 0 ? -1 : request.generationIdOrMemberEpoch,
        memberId: version === 0 ? '' : request.memberId,
        groupInstanceId: request.groupInstanceId,
        topics: request.topics,
      });
      return topics instanceof Promise ? topics.then(shape) : shape(topics);
    },
  };
}
