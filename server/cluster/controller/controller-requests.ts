/**
 * The controller's requests to brokers, built from what it knows: LeaderAndIsr for one broker's
 * replicas, and UpdateMetadata describing every live broker and every partition (with the
 * partitions of deleted topics marked by leader -2 so brokers drop them). UpdateMetadata names each
 * topic's id, so every broker answers Metadata with the id ZooKeeper holds, replica or not.
 */
import type { LeaderAndIsrApi } from '../../protocol/apis/leader-and-isr.js';
import type { UpdateMetadataApi } from '../../protocol/apis/update-metadata.js';
import type { RequestToSend } from '../../protocol/message-types.js';
import { LEADER_DURING_DELETE } from '../metadata-cache.js';
import type { LiveBroker } from '../zookeeper/broker-registration.js';
import type { PartitionState } from '../zookeeper/znodes.js';
import { ZERO_UUID } from '../../protocol/absent-value.js';

/**
 * A partition as the controller knows it: its state, replicas (all of them while it moves: see
 * reassignment-rules.ts), the replicas a move in progress adds and removes, and the state
 * znode's version.
 */
export interface KnownPartition extends PartitionState {
  replicas: number[];
  adding: number[];
  removing: number[];
  zkVersion: number;
}

export interface ControllerView {
  controllerId: number;
  controllerEpoch: number;
  brokers: ReadonlyMap<number, LiveBroker>;
  /** Partitions by topic, then index. */
  partitions: ReadonlyMap<string, ReadonlyMap<number, KnownPartition>>;
  /** Each known topic's id, as /brokers/topics/<topic> holds it. */
  topicIds: ReadonlyMap<string, string>;
}

/** Which partitions a LeaderAndIsr round covers: all, or these "topic-partition" keys. */
export type PartitionFilter = 'all' | ReadonlySet<string>;

type LeaderAndIsrBody = RequestToSend<typeof LeaderAndIsrApi>;
type LeaderAndIsrTopic = NonNullable<LeaderAndIsrBody['topicStates']>[number];
type LeaderAndIsrState = NonNullable<LeaderAndIsrTopic['partitionStates']>[number];
type UpdateMetadataBody = RequestToSend<typeof UpdateMetadataApi>;

/** LeaderAndIsr for broker `id`: the partitions (of `which`) it is a replica of; undefined if none. */
export function leaderAndIsrRequest(
  view: ControllerView,
  id: number,
  which: PartitionFilter,
): LeaderAndIsrBody | undefined {
  const liveLeaders = new Map<number, { brokerId: number; hostName: string; port: number }>();
  const topicStates: { topicName: string; partitionStates: LeaderAndIsrState[] }[] = [];
  for (const [topicName, partitions] of view.partitions) {
    const partitionStates: LeaderAndIsrState[] = [];
    for (const [partitionIndex, p] of partitions) {
      if (!p.replicas.includes(id)) continue;
      if (which !== 'all' && !which.has(`${topicName}-${partitionIndex}`)) continue;
      partitionStates.push({
        topicName,
        partitionIndex,
        controllerEpoch: p.controllerEpoch,
        leader: p.leader,
        leaderEpoch: p.leaderEpoch,
        isr: p.isr,
        zkVersion: p.zkVersion,
        replicas: p.replicas,
        addingReplicas: p.adding,
        removingReplicas: p.removing,
        isNew: false,
      });
      const leader = view.brokers.get(p.leader);
      if (leader && !liveLeaders.has(leader.id)) {
        const e = leader.endpoints[0];
        liveLeaders.set(leader.id, { brokerId: leader.id, hostName: e?.host ?? '', port: e?.port ?? -1 });
      }
    }
    if (partitionStates.length > 0) topicStates.push({ topicName, partitionStates });
  }
  if (topicStates.length === 0) return undefined;
  return {
    controllerId: view.controllerId,
    controllerEpoch: view.controllerEpoch,
    brokerEpoch: view.brokers.get(id)?.epoch ?? -1,
    ungroupedPartitionStates: [],
    topicStates,
    liveLeaders: [...liveLeaders.values()],
  };
}

/** UpdateMetadata describing the whole cluster; each broker's copy gets its own brokerEpoch. */
export function updateMetadataRequest(
  view: ControllerView & { deleted: readonly { topic: string; partition: number }[] },
): UpdateMetadataBody {
  const liveBrokers = [...view.brokers.values()].map((b) => ({
    id: b.id,
    v0Host: b.endpoints[0]?.host ?? '',
    v0Port: b.endpoints[0]?.port ?? -1,
    endpoints: b.endpoints.map((e) => ({
      port: e.port,
      host: e.host,
      listener: e.listener,
      securityProtocol: 0, // PLAINTEXT
    })),
    rack: b.rack,
  }));
  const gone = new Map<string, number[]>();
  for (const d of view.deleted) gone.set(d.topic, [...(gone.get(d.topic) ?? []), d.partition]);
  const deletions = [...gone].map(([topicName, partitions]) => ({
    topicName,
    topicId: ZERO_UUID,
    partitionStates: partitions.map((partitionIndex) => ({
      topicName,
      partitionIndex,
      controllerEpoch: view.controllerEpoch,
      leader: LEADER_DURING_DELETE,
      leaderEpoch: -1,
      isr: [],
      zkVersion: -1,
      replicas: [],
      offlineReplicas: [],
    })),
  }));
  const topicStates = [...view.partitions].map(([topicName, partitions]) => ({
    topicName,
    topicId: view.topicIds.get(topicName) ?? ZERO_UUID,
    partitionStates: [...partitions].map(([partitionIndex, p]) => ({
      topicName,
      partitionIndex,
      controllerEpoch: p.controllerEpoch,
      leader: p.leader,
      leaderEpoch: p.leaderEpoch,
      isr: p.isr,
      zkVersion: p.zkVersion,
      replicas: p.replicas,
      offlineReplicas: p.replicas.filter((r) => !view.brokers.has(r)),
    })),
  }));
  return {
    controllerId: view.controllerId,
    controllerEpoch: view.controllerEpoch,
    brokerEpoch: -1,
    ungroupedPartitionStates: [],
    topicStates: [...topicStates, ...deletions],
    liveBrokers,
  };
}
