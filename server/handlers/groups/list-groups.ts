/**
 * ListGroups: every live group; v4 filters by state (case-insensitively, as Kafka), v5 by type —
 * Kiln has only classic groups, so a type filter without "classic" lists nothing.
 */
import type { GroupCoordinator } from '../../group/group-coordinator.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { ListGroupsApi } from '../../protocol/apis/list-groups.js';
import { reply, type Handler } from '../registry.js';

export function listGroupsHandler(coordinator: GroupCoordinator): Handler<typeof ListGroupsApi> {
  return {
    api: ListGroupsApi,
    handle(request) {
      const errorCode = coordinator.isLoading ? ErrorCode.COORDINATOR_NOT_AVAILABLE : ErrorCode.NONE;
      const types = request.typesFilter.map((t) => t.toLowerCase());
      const groups =
        types.length > 0 && !types.includes('classic') ? [] : coordinator.listGroups(request.statesFilter);
      return reply(ListGroupsApi, {
        throttleTimeMs: 0,
        errorCode,
        groups: groups.map((g) => ({ ...g, groupType: 'classic' })),
      });
    },
  };
}
