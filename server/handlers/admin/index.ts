/**
 * The admin APIs: topic and partition management, configs, record deletion, cluster and
 * log-directory descriptions, and moves between log directories. One factory for the broker to
 * register them all.
 */
import type { BrokerContext } from '../../broker-context.js';
import type { AnyHandler } from '../registry.js';
import { alterConfigsHandler } from './alter-configs.js';
import { alterReplicaLogDirsHandler } from './alter-replica-log-dirs.js';
import { createPartitionsHandler } from './create-partitions.js';
import { createTopicsHandler } from './create-topics.js';
import { deleteRecordsHandler } from './delete-records.js';
import { deleteTopicsHandler } from './delete-topics.js';
import { describeClusterHandler } from './describe-cluster.js';
import { describeConfigsHandler } from './describe-configs.js';
import { describeLogDirsHandler } from './describe-log-dirs.js';
import { incrementalAlterConfigsHandler } from './incremental-alter-configs.js';
import { offsetForLeaderEpochHandler } from './offset-for-leader-epoch.js';

export function adminHandlers(broker: BrokerContext): AnyHandler[] {
  return [
    createTopicsHandler(broker),
    deleteTopicsHandler(broker),
    createPartitionsHandler(broker),
    describeConfigsHandler(broker),
    alterConfigsHandler(broker),
    incrementalAlterConfigsHandler(broker),
    deleteRecordsHandler(broker),
    describeClusterHandler(broker),
    describeLogDirsHandler(broker),
    alterReplicaLogDirsHandler(broker),
    offsetForLeaderEpochHandler(broker),
  ];
}

export {
  alterConfigsHandler,
  alterReplicaLogDirsHandler,
  createPartitionsHandler,
  createTopicsHandler,
  deleteRecordsHandler,
  deleteTopicsHandler,
  describeClusterHandler,
  describeConfigsHandler,
  describeLogDirsHandler,
  incrementalAlterConfigsHandler,
  offsetForLeaderEpochHandler,
};
