/**
 * DescribeGroups: state, protocol and members of each named group; a group Kiln does not know is
 * described as Dead with no error, as Kafka does up to v5.
 */
import type { GroupCoordinator } from '../../group/group-coordinator.js';
import { DescribeGroupsApi } from '../../protocol/apis/describe-groups.js';
import { reply, type Handler } from '../registry.js';

export function describeGroupsHandler(coordinator: GroupCoordinator): Handler<typeof DescribeGroupsApi> {
  return {
    api: DescribeGroupsApi,
    handle(request) {
      const groups = request.groups.map((groupId) => coordinator.describeGroup(groupId));
      return reply(DescribeGroupsApi, { throttleTimeMs: 0, groups });
    },
  };
}
