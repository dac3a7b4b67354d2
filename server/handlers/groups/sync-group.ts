/**
 * SyncGroup: the leader's call is held until the assignment is stored, a follower's until the
 * leader's arrives; in a Stable group the member's assignment comes back at once.
 */
import type { GroupCoordinator, SyncResult } from '../../group/group-coordinator.js';
import { SyncGroupApi } from '../../protocol/apis/sync-group.js';
import { reply, type Handler } from '../registry.js';

export function syncGroupHandler(coordinator: GroupCoordinator): Handler<typeof SyncGroupApi> {
  return {
    api: SyncGroupApi,
    handle({ groupId, ...sync }) {
      const result = coordinator.syncGroup(groupId, sync);
      const shape = (r: SyncResult) => reply(SyncGroupApi, { throttleTimeMs: 0, ...r });
      return result instanceof Promise ? result.then(shape) : shape(result);
    },
  };
}
