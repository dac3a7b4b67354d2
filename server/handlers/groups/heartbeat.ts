/** Heartbeat: keeps a member alive; REBALANCE_IN_PROGRESS tells it to rejoin. */
import type { GroupCoordinator } from '../../group/group-coordinator.js';
import { HeartbeatApi } from '../../protocol/apis/heartbeat.js';
import { reply, type Handler } from '../registry.js';

export function heartbeatHandler(coordinator: GroupCoordinator): Handler<typeof HeartbeatApi> {
  return {
    api: HeartbeatApi,
    handle(request) {
      const errorCode = coordinator.heartbeat(
        request.groupId,
        request.memberId,
        request.groupInstanceId,
        request.generationId,
      );
      return reply(HeartbeatApi, { throttleTimeMs: 0, errorCode });
    },
  };
}
