/**
 * A cluster broker's replicas: which partitions it holds, and for each whether it leads it or
 * follows, at which leader epoch, as the controller last said (LeaderAndIsr). Produce, Fetch and
 * ListOffsets ask it first: a partition this broker does not lead is NOT_LEADER_OR_FOLLOWER (the
 * client refreshes its metadata and goes to the leader), one the cluster does not know is
 * UNKNOWN_TOPIC_OR_PARTITION.
 *
 * A LeaderAndIsr for a partition new to this broker makes its log, with the topic's id, partition
 * count and configs read from ZooKeeper (as Kafka's brokers read topic configs there). A state
 * with a leader epoch older than the one held is refused for that partition
 * (STALE_CONTROLLER_EPOCH), so a late request from a deposed controller cannot undo a newer one.
 */
import type { LeaderAndIsrApi } from '../protocol/apis/leader-and-isr.js';
import { ErrorCode } from '../protocol/error-codes.js';
import type { RequestOf, ResponseOf } from '../protocol/message-types.js';
import type { MetadataCache } from './metadata-cache.js';
import type { TopicManager } from './topic-manager.js';
import type { ZkClient } from './zookeeper/zk-client.js';
import { topicAssignment, topicConfig } from './zookeeper/zk-topics.js';

export interface ReplicaState {
  leader: number;
  leaderEpoch: number;
  isr: number[];
  replicas: number[];
  zkVersion: number;
  controllerEpoch: number;
}

type LeaderAndIsrRequest = RequestOf<typeof LeaderAndIsrApi>;
type PartitionError = ResponseOf<typeof LeaderAndIsrApi>['partitionErrors'][number];

export class ReplicaManager {
  private readonly states = new Map<string, ReplicaState>();

  constructor(
    private readonly brokerId: number,
    private readonly topics: TopicManager,
    private readonly zk: ZkClient,
    private readonly cache: MetadataCache,
    private readonly log: (message: string) => void,
  ) {}

  /** This broker's state of a partition it holds, or undefined. */
  stateOf(topic: string, partition: number): ReplicaState | undefined {
    return this.states.get(key(topic, partition));
  }

  /** NONE if this broker leads the partition now, else the error a client request gets. */
  leaderError(topic: string, partition: number): number {
    const state = this.states.get(key(topic, partition));
    if (state) return state.leader === this.brokerId ? ErrorCode.NONE : ErrorCode.NOT_LEADER_OR_FOLLOWER;
    return this.cache.partition(topic, partition)
      ? ErrorCode.NOT_LEADER_OR_FOLLOWER
      : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
  }

  /** Applies a LeaderAndIsr request (its epochs already checked); one error per partition. */
  async becomeLeaderOrFollower(request: LeaderAndIsrRequest): Promise<PartitionError[]> {
    const errors: PartitionError[] = [];
    const grouped = request.topicStates.flatMap((t) =>
      t.partitionStates.map((p) => ({ ...p, topicName: t.topicName })),
    );
    const topicInfo = new Map<
      string,
      { id: string; count: number; configs: Record<string, string> } | null
    >();
    for (const p of [...request.ungroupedPartitionStates, ...grouped]) {
      const topicName = p.topicName;
      const partitionIndex = p.partitionIndex;
      const fail = (errorCode: number): number => errors.push({ topicName, partitionIndex, errorCode });
      if (!p.replicas.includes(this.brokerId)) {
        fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        continue;
      }
      const held = this.states.get(key(topicName, partitionIndex));
      if (held && p.leaderEpoch < held.leaderEpoch) {
        fail(ErrorCode.STALE_CONTROLLER_EPOCH);
        continue;
      }
      if (!topicInfo.has(topicName)) topicInfo.set(topicName, await this.readTopic(topicName));
      const info = topicInfo.get(topicName);
      if (!info) {
        fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        continue;
      }
      const failed = this.topics.hostReplica(topicName, info.id, info.count, info.configs, partitionIndex);
      if (failed) {
        this.log(failed.errorMessage ?? `cannot host ${topicName}-${partitionIndex}`);
        fail(ErrorCode.KAFKA_STORAGE_ERROR);
        continue;
      }
      const role = p.leader === this.brokerId ? 'leader' : 'follower';
      if (!held || held.leader !== p.leader || held.leaderEpoch !== p.leaderEpoch) {
        this.log(`${topicName}-${partitionIndex}: ${role} at leader epoch ${p.leaderEpoch}`);
      }
      this.states.set(key(topicName, partitionIndex), {
        leader: p.leader,
        leaderEpoch: p.leaderEpoch,
        isr: [...p.isr],
        replicas: [...p.replicas],
        zkVersion: p.zkVersion,
        controllerEpoch: p.controllerEpoch,
      });
      fail(ErrorCode.NONE);
    }
    return errors;
  }

  /**
   * Stops being a replica of these partitions (StopReplica); with `deleteData`, whole topics being
   * deleted lose their logs here and leave the topic store (the controller deletes a topic on
   * every replica at once). One error per partition.
   */
  stopReplicas(partitions: { topic: string; partition: number }[], deleteData: boolean): PartitionError[] {
    const errors: PartitionError[] = [];
    const deletedTopics = new Map<string, number>();
    for (const { topic, partition } of partitions) {
      this.states.delete(key(topic, partition));
      if (!deleteData) {
        errors.push({ topicName: topic, partitionIndex: partition, errorCode: ErrorCode.NONE });
        continue;
      }
      if (!deletedTopics.has(topic)) {
        const local = this.topics.store.get(topic);
        const result = local ? this.topics.delete(topic, { internalToo: true }) : undefined;
        if (result && result.errorCode !== ErrorCode.NONE)
          this.log(result.errorMessage ?? `cannot delete ${topic}`);
        else if (result) this.log(`deleted topic ${topic} (StopReplica)`);
        deletedTopics.set(topic, result?.errorCode ?? ErrorCode.NONE);
      }
      errors.push({ topicName: topic, partitionIndex: partition, errorCode: deletedTopics.get(topic)! });
    }
    return errors;
  }

  /** The topic's id, partition count and configs from ZooKeeper, or null if it is gone. */
  private async readTopic(
    topic: string,
  ): Promise<{ id: string; count: number; configs: Record<string, string> } | null> {
    const assignment = await topicAssignment(this.zk, topic);
    if (!assignment || assignment.topicId === null) return null;
    return {
      id: assignment.topicId,
      count: Math.max(...assignment.partitions.keys()) + 1,
      configs: await topicConfig(this.zk, topic),
    };
  }
}

function key(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}
