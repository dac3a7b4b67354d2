/**
 * Every API schema Kiln speaks, by key. Handlers (server/handlers) pair with these; the handler
 * registry answers ApiVersions from the versions declared here, so they cannot drift apart.
 */
import type { ApiDef } from '../schema.js';
import { ApiVersionsApi } from './api-versions.js';
import { MetadataApi } from './metadata.js';
import { DeleteRecordsApi } from './delete-records.js';
import { FetchApi } from './fetch.js';
import { InitProducerIdApi } from './init-producer-id.js';
import { ListOffsetsApi } from './list-offsets.js';
import { OffsetForLeaderEpochApi } from './offset-for-leader-epoch.js';
import { ProduceApi } from './produce.js';
import { AlterConfigsApi } from './alter-configs.js';
import { CreatePartitionsApi } from './create-partitions.js';
import { CreateTopicsApi } from './create-topics.js';
import { DeleteTopicsApi } from './delete-topics.js';
import { DescribeClusterApi } from './describe-cluster.js';
import { DescribeConfigsApi } from './describe-configs.js';
import { DescribeLogDirsApi } from './describe-log-dirs.js';
import { ElectLeadersApi } from './elect-leaders.js';
import { AlterReplicaLogDirsApi } from './alter-replica-log-dirs.js';
import { AlterPartitionReassignmentsApi } from './alter-partition-reassignments.js';
import { ListPartitionReassignmentsApi } from './list-partition-reassignments.js';
import { IncrementalAlterConfigsApi } from './incremental-alter-configs.js';
import { DeleteGroupsApi } from './delete-groups.js';
import { DescribeGroupsApi } from './describe-groups.js';
import { FindCoordinatorApi } from './find-coordinator.js';
import { HeartbeatApi } from './heartbeat.js';
import { JoinGroupApi } from './join-group.js';
import { LeaveGroupApi } from './leave-group.js';
import { ListGroupsApi } from './list-groups.js';
import { OffsetCommitApi } from './offset-commit.js';
import { OffsetDeleteApi } from './offset-delete.js';
import { OffsetFetchApi } from './offset-fetch.js';
import { SyncGroupApi } from './sync-group.js';
import { ControlledShutdownApi } from './controlled-shutdown.js';
import { LeaderAndIsrApi } from './leader-and-isr.js';
import { StopReplicaApi } from './stop-replica.js';
import { UpdateMetadataApi } from './update-metadata.js';

export const API_SCHEMAS: readonly ApiDef[] = [
  ApiVersionsApi,
  MetadataApi,
  AlterConfigsApi,
  CreatePartitionsApi,
  CreateTopicsApi,
  DeleteTopicsApi,
  DescribeClusterApi,
  DescribeConfigsApi,
  DescribeLogDirsApi,
  ElectLeadersApi,
  AlterReplicaLogDirsApi,
  AlterPartitionReassignmentsApi,
  ListPartitionReassignmentsApi,
  IncrementalAlterConfigsApi,
  ProduceApi,
  FetchApi,
  ListOffsetsApi,
  OffsetForLeaderEpochApi,
  DeleteRecordsApi,
  InitProducerIdApi,
  DeleteGroupsApi,
  DescribeGroupsApi,
  FindCoordinatorApi,
  HeartbeatApi,
  JoinGroupApi,
  LeaveGroupApi,
  ListGroupsApi,
  OffsetCommitApi,
  OffsetDeleteApi,
  OffsetFetchApi,
  SyncGroupApi,
  LeaderAndIsrApi,
  StopReplicaApi,
  UpdateMetadataApi,
  ControlledShutdownApi,
];

const byKey = new Map<number, ApiDef>(API_SCHEMAS.map((api) => [api.key, api]));

export function apiSchema(key: number): ApiDef | undefined {
  return byKey.get(key);
}
