/**
 * JoinGroup: held until the rebalance completes (the coordinator resolves it). v0 has no
 * rebalance timeout (the session timeout serves), v4+ members must come back with the id of
 * MEMBER_ID_REQUIRED, and before v7 the protocol name cannot be null.
 */
import type { GroupCoordinator } from '../../group/group-coordinator.js';
import { JoinGroupApi } from '../../protocol/apis/join-group.js';
import { reply, type Handler } from '../registry.js';
import { clientHostOf } from './client-host.js';

export function joinGroupHandler(coordinator: GroupCoordinator): Handler<typeof JoinGroupApi> {
  return {
    api: JoinGroupApi,
    async handle(request, version, context) {
      const { sessionTimeoutMs, rebalanceTimeoutMs } = request;
      const result = await coordinator.joinGroup(request.groupId, {
        memberId: request.memberId,
        groupInstanceId: request.groupInstanceId,
        clientId: context.header.clientId ?? '',
        clientHost: clientHostOf(context),
        sessionTimeoutMs,
        rebalanceTimeoutMs: version === 0 || rebalanceTimeoutMs < 0 ? sessionTimeoutMs : rebalanceTimeoutMs,
        protocolType: request.protocolType,
        protocols: request.protocols,
        requireKnownMemberId: version >= 4,
        supportsSkipAssignment: version >= 9,
      });
      return reply(JoinGroupApi, {
        throttleTimeMs: 0,
        ...result,
        protocolName: result.protocolName ?? (version >= 7 ? null : ''),
      });
    },
  };
}
