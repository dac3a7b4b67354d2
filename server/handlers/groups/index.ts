/**
 * The group coordinator's handlers: FindCoordinator, the classic group protocol (JoinGroup,
 * SyncGroup, Heartbeat, LeaveGroup), offsets (OffsetCommit, OffsetFetch, OffsetDelete) and group
 * administration (ListGroups, DescribeGroups, DeleteGroups), all served by one GroupCoordinator.
 */
import type { BrokerContext } from '../../broker-context.js';
import type { GroupCoordinator } from '../../group/group-coordinator.js';
import type { AnyHandler } from '../registry.js';
import { deleteGroupsHandler } from './delete-groups.js';
import { describeGroupsHandler } from './describe-groups.js';
import { findCoordinatorHandler } from './find-coordinator.js';
import { heartbeatHandler } from './heartbeat.js';
import { joinGroupHandler } from './join-group.js';
import { leaveGroupHandler } from './leave-group.js';
import { listGroupsHandler } from './list-groups.js';
import { offsetCommitHandler } from './offset-commit.js';
import { offsetDeleteHandler } from './offset-delete.js';
import { offsetFetchHandler } from './offset-fetch.js';
import { syncGroupHandler } from './sync-group.js';

export function groupHandlers(broker: BrokerContext, coordinator: GroupCoordinator): AnyHandler[] {
  return [
    findCoordinatorHandler(broker, coordinator),
    joinGroupHandler(coordinator),
    syncGroupHandler(coordinator),
    heartbeatHandler(coordinator),
    leaveGroupHandler(coordinator),
    offsetCommitHandler(coordinator),
    offsetFetchHandler(coordinator),
    listGroupsHandler(coordinator),
    describeGroupsHandler(coordinator),
    deleteGroupsHandler(coordinator),
    offsetDeleteHandler(coordinator),
  ];
}
