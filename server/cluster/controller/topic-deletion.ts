/**
 * Deleting the topics marked under /admin/delete_topics, as Kafka's controller does: every
 * replica stops and deletes its logs (StopReplica with deletePartitions), then the topic's znodes
 * go in one fenced multi (the controller's topics watch then tells every broker to drop it). A
 * topic with a replica on a broker that is down waits until that broker is back, so no replica
 * keeps the old data.
 */
import { ControllerMovedError } from '../zookeeper/controller-election.js';
import type { ZkClient, ZkOp } from '../zookeeper/zk-client.js';
import { topicAssignment, topicRemovalOps, topicsToDelete } from '../zookeeper/zk-topics.js';
import type { ControllerChannels } from './controller-channels.js';
import type { ControllerView } from './controller-requests.js';
import { TermEndedError } from './term-ended-error.js';

export interface TopicDeletionContext {
  zk: ZkClient;
  fencedMulti: (ops: ZkOp[]) => Promise<void>;
  channels: ControllerChannels;
  view: () => ControllerView;
  /** Throws TermEndedError once the controller's term has ended. */
  stillCurrent: () => void;
  /** Fires once when the marks change (the watch on /admin/delete_topics). */
  onMarksChanged: () => void;
  log: (message: string) => void;
}

/** Deletes every marked topic that can be deleted now; the others wait (logged). */
export async function deleteMarkedTopics(ctx: TopicDeletionContext): Promise<void> {
  const marked = await topicsToDelete(ctx.zk, ctx.onMarksChanged);
  ctx.stillCurrent();
  for (const topic of marked) {
    try {
      await deleteTopic(ctx, topic);
    } catch (err) {
      if (err instanceof TermEndedError || err instanceof ControllerMovedError) throw err;
      ctx.log(`controller: cannot delete topic ${topic} yet: ${(err as Error).message}`);
    }
  }
}

async function deleteTopic(ctx: TopicDeletionContext, topic: string): Promise<void> {
  const assignment = await topicAssignment(ctx.zk, topic);
  ctx.stillCurrent();
  const replicas = new Set([...(assignment?.partitions.values() ?? [])].flat());
  const down = [...replicas].filter((id) => !ctx.channels.has(id));
  if (down.length > 0) {
    ctx.log(`controller: deletion of ${topic} waits for broker(s) ${down.join(', ')}`);
    return;
  }
  const view = ctx.view();
  await Promise.all(
    [...replicas].map(async (id) => {
      const partitions = [...assignment!.partitions]
        .filter(([, r]) => r.includes(id))
        .map(([partition]) => ({ topic, partition }));
      const answer = await ctx.channels.stopReplicas(view, id, partitions, true);
      const failed = answer.partitionErrors.find((e) => e.errorCode !== 0);
      if (answer.errorCode !== 0 || failed) {
        throw new Error(`broker ${id} could not delete it (error ${answer.errorCode || failed!.errorCode})`);
      }
    }),
  );
  ctx.stillCurrent();
  await ctx.fencedMulti(await topicRemovalOps(ctx.zk, topic));
  ctx.log(`controller: deleted topic ${topic}`);
}
