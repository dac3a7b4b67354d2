/**
 * AlterReplicaLogDirs: moves partition replicas this broker holds into other of its data
 * directories (log.dirs), while they go on serving (the engine's LogManager.moveLog). Behaviours
 * that matter, as in Kafka:
 * - the answer says the move was accepted, not that it is done: the copy is made in the
 *   background, and DescribeLogDirs shows it (isFutureKey) until it takes the replica's place;
 * - a path that is not one of log.dirs (compared as absolute paths) is LOG_DIR_NOT_FOUND, for
 *   every partition listed under it;
 * - a partition this broker does not hold is UNKNOWN_TOPIC_OR_PARTITION;
 * - a move that cannot begin (its copy's directory cannot be made) is KAFKA_STORAGE_ERROR, with
 *   the replica where it was; a move that fails later is logged and leaves it there too;
 * - a replica already in the directory is NONE at once (and a move it had begun elsewhere is
 *   cancelled); a new directory for a replica that is moving replaces the old target.
 * Results are grouped by topic, in the order the topics first appear in the request.
 */
import path from 'node:path';
import type { BrokerContext } from '../../broker-context.js';
import { AlterReplicaLogDirsApi } from '../../protocol/apis/alter-replica-log-dirs.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import type { ResponseOf } from '../../protocol/message-types.js';
import { reply, type Handler } from '../registry.js';

type PartitionResult = ResponseOf<typeof AlterReplicaLogDirsApi>['results'][number]['partitions'][number];

export function alterReplicaLogDirsHandler(broker: BrokerContext): Handler<typeof AlterReplicaLogDirsApi> {
  return {
    api: AlterReplicaLogDirsApi,
    handle(request) {
      const dirs = new Set(broker.logs.dirs.map((dir) => path.resolve(dir)));
      const byTopic = new Map<string, PartitionResult[]>();
      for (const dir of request.dirs) {
        const target = path.resolve(dir.path);
        const known = dirs.has(target);
        for (const topic of dir.topics) {
          const results = byTopic.get(topic.name) ?? [];
          byTopic.set(topic.name, results);
          for (const partitionIndex of topic.partitions) {
            const errorCode = known
              ? moveReplica(broker, topic.name, partitionIndex, target)
              : ErrorCode.LOG_DIR_NOT_FOUND;
            results.push({ partitionIndex, errorCode });
          }
        }
      }
      const results = [...byTopic].map(([topicName, partitions]) => ({ topicName, partitions }));
      return reply(AlterReplicaLogDirsApi, { throttleTimeMs: 0, results });
    },
  };
}

function moveReplica(broker: BrokerContext, topic: string, partition: number, target: string): number {
  if (!broker.logs.getLog(topic, partition)) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
  try {
    const state = broker.logs.moveLog(topic, partition, target);
    if (state === 'moving')
      broker.log.info({ topic, partition, dir: target }, 'moving replica to another log dir');
    return ErrorCode.NONE;
  } catch (err) {
    broker.log.error({ err, topic, partition, dir: target }, 'cannot move replica to another log dir');
    return ErrorCode.KAFKA_STORAGE_ERROR;
  }
}
