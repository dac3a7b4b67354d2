/**
 * LeaveGroup: up to v2 one member and one error code (the member's); from v3 a batch of members
 * (static ones may name only their instance id) with an error each, as Kafka answers.
 */
import type { GroupCoordinator } from '../../group/group-coordinator.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { LeaveGroupApi } from '../../protocol/apis/leave-group.js';
import { reply, type Handler } from '../registry.js';

export function leaveGroupHandler(coordinator: GroupCoordinator): Handler<typeof LeaveGroupApi> {
  return {
    api: LeaveGroupApi,
    handle(request, version) {
      const groupId = request.groupId;
      if (version < 3) {
        const result = coordinator.leaveGroup(groupId, [
          { memberId: request.memberId, groupInstanceId: null },
        ]);
        const errorCode =
          result.errorCode !== ErrorCode.NONE
            ? result.errorCode
            : (result.members[0]?.errorCode ?? ErrorCode.NONE);
        return reply(LeaveGroupApi, { throttleTimeMs: 0, errorCode });
      }
      const result = coordinator.leaveGroup(groupId, request.members);
      return reply(LeaveGroupApi, {
        throttleTimeMs: 0,
        errorCode: result.errorCode,
        members: result.members,
      });
    },
  };
}
