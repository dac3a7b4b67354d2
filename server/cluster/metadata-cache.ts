/**
 * What a cluster broker knows of the cluster, as the controller last told it (UpdateMetadata):
 * the live brokers with their endpoints and racks, the controller, and every partition's leader,
 * leader epoch, replicas, ISR and offline replicas, and every topic's id (UpdateMetadata v7+).
 * Metadata requests are answered from it, as in Kafka: a broker never reads ZooKeeper to answer a
 * client. The ids matter to brokers that hold no replica of a topic: their topic store does not
 * know it, and an answer without the id sends consumers that fetch by id (Fetch v13+) to its
 * leaders with the zero id, which no broker knows.
 *
 * Requests from a controller whose epoch is older than one already heard from are refused
 * (STALE_CONTROLLER_EPOCH), so a deposed controller cannot roll a broker's view back.
 */
import type { UpdateMetadataApi } from '../protocol/apis/update-metadata.js';
import type { RequestOf } from '../protocol/message-types.js';
import { ZERO_UUID } from '../protocol/absent-value.js';

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
  /** Topic ids by topic name, and names by id. */
  private readonly ids = new Map<string, string>();
  private readonly names = new Map<string, string>();
  private controller = -1;
  private epoch = -1;
  private readonly deletedListeners: ((topic: string) => void)[] = [];
  private described = false;
  private describedWaiters: (() => void)[] = [];

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

  /** Whether an UpdateMetadata has come since the start (before it, the cache knows nothing). */
  get hasBeenDescribed(): boolean {
    return this.described;
  }

  /** Resolves at the first UpdateMetadata (at once if one came), or after `timeoutMs`. */
  firstDescription(timeoutMs: number): Promise<void> {
    if (this.described) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.describedWaiters.push(done);
    });
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
    for (const t of request.topicStates) this.setTopicId(t.topicName, t.topicId);
    const grouped = request.topicStates.flatMap((t) =>
      t.partitionStates.map((p) => ({ ...p, topicName: t.topicName })),
    );
    for (const p of [...request.ungroupedPartitionStates, ...grouped]) {
      let partitions = this.topics.get(p.topicName);
      if (p.leader === LEADER_DURING_DELETE) {
        partitions?.delete(p.partitionIndex);
        if (partitions?.size === 0) {
          this.topics.delete(p.topicName);
          this.forgetTopicId(p.topicName);
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
    if (!this.described) {
      this.described = true;
      const waiting = this.describedWaiters;
      this.describedWaiters = [];
      for (const done of waiting) done();
    }
  }

  /**
   * Records a topic's id. The zero id (a controller before v7, or a topic being deleted) says
   * nothing: an id already known stays. A new id for a name (the topic was deleted and made again)
   * replaces the old one.
   */
  private setTopicId(topic: string, id: string | undefined): void {
    // UpdateMetadata before v7 sends no ids: they read as the zero id.
    if (id === undefined || id === ZERO_UUID || this.ids.get(topic) === id) return;
    this.forgetTopicId(topic);
    this.ids.set(topic, id);
    this.names.set(id, topic);
  }

  private forgetTopicId(topic: string): void {
    const id = this.ids.get(topic);
    if (id === undefined) return;
    this.ids.delete(topic);
    if (this.names.get(id) === topic) this.names.delete(id);
  }

  /** The topic's id as the controller gave it, or undefined (not told yet, or no such topic). */
  topicId(topic: string): string | undefined {
    return this.topics.has(topic) ? this.ids.get(topic) : undefined;
  }

  /** The name of the topic with this id, or undefined. */
  topicName(id: string): string | undefined {
    const name = this.names.get(id);
    return name !== undefined && this.topics.has(name) ? name : undefined;
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
