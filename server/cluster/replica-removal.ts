/**
 * A cluster broker deleting the data of replicas it no longer holds (StopReplica with
 * deletePartitions). Two cases, told apart by ZooKeeper: a topic being deleted (marked under
 * /admin/delete_topics, or already gone) loses its logs here and leaves the topic store, and its
 * delete listeners run (committed offsets go, long polls wake) — the controller deletes a topic on
 * every replica at once; a replica a partition move removed loses only its own log, and the topic
 * leaves the store quietly once no partition of it is left here (the topic lives on elsewhere,
 * and so do its committed offsets).
 */
import type { LeaderAndIsrApi } from '../protocol/apis/leader-and-isr.js';
import { ErrorCode } from '../protocol/error-codes.js';
import type { ResponseOf } from '../protocol/message-types.js';
import type { TopicManager } from './topic-manager.js';
import type { ZkClient } from './zookeeper/zk-client.js';
import { deleteTopicPath, topicPath } from './zookeeper/znodes.js';

type PartitionError = ResponseOf<typeof LeaderAndIsrApi>['partitionErrors'][number];

export interface ReplicaRemovalContext {
  topics: TopicManager;
  zk: ZkClient;
  log: (message: string) => void;
}

/** Deletes the data of `partitions` (their roles already dropped); one error per partition. */
export async function removeReplicaData(
  ctx: ReplicaRemovalContext,
  partitions: readonly { topic: string; partition: number }[],
): Promise<PartitionError[]> {
  const deleting = new Map<string, boolean>();
  for (const topic of new Set(partitions.map((p) => p.topic))) {
    const marked = await ctx.zk.exists(deleteTopicPath(topic));
    deleting.set(topic, marked || !(await ctx.zk.exists(topicPath(topic))));
  }
  const errors: PartitionError[] = [];
  const deletedTopics = new Map<string, number>();
  for (const { topic, partition } of partitions) {
    const say = (errorCode: number): number =>
      errors.push({ topicName: topic, partitionIndex: partition, errorCode });
    if (!deleting.get(topic)) {
      const failed = ctx.topics.dropReplica(topic, partition);
      if (failed) ctx.log(failed.errorMessage ?? `cannot delete ${topic}-${partition}`);
      else ctx.log(`deleted the replica of ${topic}-${partition} (moved away)`);
      say(failed?.errorCode ?? ErrorCode.NONE);
      continue;
    }
    if (!deletedTopics.has(topic)) {
      const local = ctx.topics.store.get(topic);
      const result = local ? ctx.topics.delete(topic, { internalToo: true }) : undefined;
      if (result && result.errorCode !== ErrorCode.NONE)
        ctx.log(result.errorMessage ?? `cannot delete ${topic}`);
      else if (result) ctx.log(`deleted topic ${topic} (StopReplica)`);
      deletedTopics.set(topic, result?.errorCode ?? ErrorCode.NONE);
    }
    say(deletedTopics.get(topic)!);
  }
  return errors;
}
