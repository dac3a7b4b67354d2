/** OffsetDelete: removes committed offsets of partitions the group no longer consumes. */
import type { GroupCoordinator } from '../../group/group-coordinator.js';
import { OffsetDeleteApi } from '../../protocol/apis/offset-delete.js';
import { reply, type Handler } from '../registry.js';

export function offsetDeleteHandler(coordinator: GroupCoordinator): Handler<typeof OffsetDeleteApi> {
  return {
    api: OffsetDeleteApi,
    handle(request) {
      const result = coordinator.deleteOffsets(request.groupId, request.topics);
      return reply(OffsetDeleteApi, { throttleTimeMs: 0, ...result });
    },
  };
}
