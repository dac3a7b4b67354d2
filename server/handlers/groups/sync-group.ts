/**
 * SyncGroup: the leader's call is held until the assignment is stored, a follower's until the
 * leader's arrives; in a Stable group the member's assignment comes back at once.
 */
import type { GroupCoordinator, SyncResult } from '../../group/group-coordinator.js';
import type { Message } from '../../protocol/codec.js';
import { SyncGroupApi } from '../../protocol/apis/sync-group.js';
import type { Handler } from '../registry.js';

export function syncGroupHandler(coordinator: GroupCoordinator): Handler {
  return {
    api: SyncGroupApi,
    handle(request) {
      const result = coordinator.syncGroup(request.groupId as string, {
        generationId: request.generationId as number,
        memberId: request.memberId as string,
        groupInstanceId: request.groupInstanceId as string | null,
        protocolType: request.protocolType as string | null,
        protocolName: request.protocolName as string | null,
        assignments: request.assignments as { memberId: string; assignment: Buffer }[],
      });
      const shape = (r: SyncResult): Message => ({ throttleTimeMs: 0, ...r });
      return result instanceof Promise ? result.then(shape) : shape(result);
    },
  };
}
