/** DeleteGroups: deletes Empty groups (NON_EMPTY_GROUP otherwise) and their offsets. */
import type { GroupCoordinator } from '../../group/group-coordinator.js';
import { DeleteGroupsApi } from '../../protocol/apis/delete-groups.js';
import { reply, type Handler } from '../registry.js';

export function deleteGroupsHandler(coordinator: GroupCoordinator): Handler<typeof DeleteGroupsApi> {
  return {
    api: DeleteGroupsApi,
    handle(request) {
      return reply(DeleteGroupsApi, {
        throttleTimeMs: 0,
        results: coordinator.deleteGroups(request.groupsNames),
      });
    },
  };
}
