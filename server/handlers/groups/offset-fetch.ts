/**
 * OffsetFetch: one group up to v7 (a null topic list, from v2, means every committed offset),
 * several groups from v8, each answered on its own. A partition without a committed offset gets
 * offset -1 and empty metadata, with no error, as Kafka answers.
 */
import type { GroupCoordinator } from '../../group/group-coordinator.js';
import { OffsetFetchApi } from '../../protocol/apis/offset-fetch.js';
import { reply, type Handler } from '../registry.js';

export function offsetFetchHandler(coordinator: GroupCoordinator): Handler<typeof OffsetFetchApi> {
  return {
    api: OffsetFetchApi,
    handle(request, version) {
      if (version >= 8) {
        const groups = request.groups.map((g) => {
          const result = coordinator.fetchOffsets(g.groupId, g.topics);
          return { groupId: g.groupId, topics: result.topics, errorCode: result.errorCode };
        });
        return reply(OffsetFetchApi, { throttleTimeMs: 0, groups });
      }
      const result = coordinator.fetchOffsets(request.groupId, request.topics);
      return reply(OffsetFetchApi, { throttleTimeMs: 0, topics: result.topics, errorCode: result.errorCode });
    },
  };
}
