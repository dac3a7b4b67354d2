/**
 * What a cluster broker knows of the cluster, as the controller last told it (UpdateMetadata):
 * the live brokers with their endpoints and racks, the controller, and every partition's leader,
 * leader epoch, replicas, ISR and offline replicas. Metadata requests are answered from it, as in
 * Kafka: a broker never reads ZooKeeper to answer a client.
 *
 * Requests from a controller whose epoch is older than one already heard from are refused
 * (STALE_CONTROLLER_EPOCH), so a deposed controller cannot roll a broker's view back.
 */
import type { UpdateMetadataApi } from '../protocol/apis/update-metadata.js';
import type { RequestOf } from '../protocol/message-types.js';

export interface CachedBroker {
  id: number;
  host: string;
  port: number;
  listener: string;
  rack: string | null;
}

export interface CachedPartition {
  leader: number;
  leaderEpoch: number;
  isr: number[];
  replicas: number[];
  offlineReplicas: number[];
  zkVersion: number;
}

/** Kafka's leader id for a partition whose topic is being deleted: drop it from the cache. */
export const LEADER_DURING_DELETE = -2;

type UpdateMetadataRequest = RequestOf<typeof UpdateMetadataApi>;

export class MetadataCache {
  private brokers = new Map<number, CachedBroker>();
  private readonly topics = new Map<string, Map<number, CachedPartition>>();
  private controller = -1;
  private epoch = -1;
  private readonly deletedListeners: ((topic: string) => void)[] = [];

  /** Called with each topic the controller says is deleted (its groups' offsets go with it). */
  onTopicDeleted(listener: (topic: string) => void): void {
    this.deletedListeners.push(listener);
  }

  /** The controller epoch of the last update applied, -1 before the first. */
  get controllerEpoch(): number {
    return this.epoch;
  }

  get controllerId(): number {
    return this.controller;
  }

  /** Whether a request of this controller epoch is older than what was already heard. */
  isStale(controllerEpoch: number): boolean {
    return controllerEpoch < this.epoch;
  }

  /** A controller of this epoch spoke (LeaderAndIsr and StopReplica count too). */
  heardFrom(controllerId: number, controllerEpoch: number): void {
    if (controllerEpoch >= this.epoch) {
      this.epoch = controllerEpoch;
      this.controller = controllerId;
    }
  }

  /** Applies an UpdateMetadata request of any version (the caller has checked its epochs). */
  update(request: UpdateMetadataRequest): void {
    this.heardFrom(request.controllerId, request.controllerEpoch);
    const brokers = new Map<number, CachedBroker>();
    for (const b of request.liveBrokers) {
      const endpoint =
        b.endpoints.length > 0
          ? b.endpoints[0]!
          : { host: b.v0Host, port: b.v0Port, listener: '', securityProtocol: 0 };
      brokers.set(b.id, {
        id: b.id,
        host: endpoint.host,
        port: endpoint.port,
        // Before v3 an endpoint names its security protocol only; 0 is PLAINTEXT.
        listener: endpoint.listener || 'PLAINTEXT',
        rack: b.rack || null,
      });
    }
    this.brokers = brokers;
    const grouped = request.topicStates.flatMap((t) =>
      t.partitionStates.map((p) => ({ ...p, topicName: t.topicName })),
    );
    for (const p of [...request.ungroupedPartitionStates, ...grouped]) {
      let partitions = this.topics.get(p.topicName);
      if (p.leader === LEADER_DURING_DELETE) {
        partitions?.delete(p.partitionIndex);
        if (partitions?.size === 0) {
          this.topics.delete(p.topicName);
          for (const listener of this.deletedListeners) listener(p.topicName);
        }
        continue;
      }
      if (!partitions) this.topics.set(p.topicName, (partitions = new Map()));
      partitions.set(p.partitionIndex, {
        leader: p.leader,
        leaderEpoch: p.leaderEpoch,
        isr: [...p.isr],
        replicas: [...p.replicas],
        offlineReplicas: [...p.offlineReplicas],
        zkVersion: p.zkVersion,
      });
    }
  }

  /** The live brokers, by id. */
  liveBrokers(): ReadonlyMap<number, CachedBroker> {
    return this.brokers;
  }

  topicNames(): string[] {
    return [...this.topics.keys()];
  }

  /** The topic's partitions by index, or undefined if the cache has none. */
  partitions(topic: string): ReadonlyMap<number, CachedPartition> | undefined {
    return this.topics.get(topic);
  }

  partition(topic: string, partition: number): CachedPartition | undefined {
    return this.topics.get(topic)?.get(partition);
  }
}
