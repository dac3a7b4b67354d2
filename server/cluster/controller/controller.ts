/**
 * The controller's work while this broker is the elected controller (controller-election.ts):
 * it keeps a channel to every live broker, gives each new partition its first state (leader: the
 * first live replica of its assignment; ISR: the leader alone until replication exists; leader epoch 0), written to
 * ZooKeeper through the fenced multi, tells each replica its partitions' states with LeaderAndIsr
 * (every replica at election, a broker that joins all of its own, the replicas of new
 * partitions), then every broker the cluster's state with UpdateMetadata.
 *
 * Events are handled one at a time in arrival order (a queue, like Kafka's controller event
 * thread), so a broker leaving while topics are being set up cannot interleave with it. A
 * ControllerMovedError (another controller was elected) ends the work at once.
 */
import { LeaderAndIsrApi } from '../../protocol/apis/leader-and-isr.js';
import { StopReplicaApi } from '../../protocol/apis/stop-replica.js';
import { UpdateMetadataApi } from '../../protocol/apis/update-metadata.js';
import { ControllerMovedError, type ControllerElection } from '../zookeeper/controller-election.js';
import { liveBrokers, type LiveBroker } from '../zookeeper/broker-registration.js';
import type { ZkClient } from '../zookeeper/zk-client.js';
import {
  ensurePartitionParents,
  partitionState,
  statesToCreate,
  topicAssignment,
  topicNames,
  topicRemovalOps,
  topicsToDelete,
} from '../zookeeper/zk-topics.js';
import { PATHS, type PartitionState } from '../zookeeper/znodes.js';
import { BrokerChannel } from './broker-channel.js';
import {
  leaderAndIsrRequest,
  updateMetadataRequest,
  type KnownPartition,
  type PartitionFilter,
} from './controller-requests.js';

/** This controller's term ended while an event was being handled: the event stops there. */
class TermEndedError extends Error {}

export interface ControllerOptions {
  brokerId: number;
  log: (message: string) => void;
  /** Back-off of the channels' retries. */
  retryBackoffMs?: number;
}

export class Controller {
  private epoch = -1;
  private active = false;
  /** Bumped at each activation and deactivation: an event of an earlier term stops at its next step. */
  private term = 0;
  private queue: Promise<void> = Promise.resolve();
  private brokers = new Map<number, LiveBroker>();
  private readonly channels = new Map<number, BrokerChannel>();
  /** Whether the last refreshTopics found a topic gone. */
  private forgotTopics = false;
  /** Partitions of topics gone from ZooKeeper, for the next UpdateMetadata to drop. */
  private deleted: { topic: string; partition: number }[] = [];
  /** Every partition's state as written, by topic then partition. */
  private readonly partitions = new Map<string, Map<number, KnownPartition>>();

  constructor(
    private readonly zk: ZkClient,
    private readonly election: ControllerElection,
    private readonly options: ControllerOptions,
  ) {}

  /** Whether it is acting as controller now. */
  get isActive(): boolean {
    return this.active;
  }

  /** Starts acting as the controller of `epoch`: loads the cluster and tells every broker. */
  activate(epoch: number): Promise<void> {
    this.epoch = epoch;
    this.active = true;
    this.term++;
    return this.enqueue(async () => {
      await this.refreshBrokers();
      await this.refreshTopics();
      // A new controller tells every replica its state, whatever an earlier one may have missed.
      this.sendLeaderAndIsr(new Set(this.brokers.keys()), 'all');
      this.sendMetadataToAll();
      await this.processDeletions();
    });
  }

  /** Stops acting (resigned or deposed): pending requests to brokers are dropped. */
  deactivate(): void {
    this.active = false;
    this.term++;
    for (const channel of this.channels.values()) channel.close();
    this.channels.clear();
    this.partitions.clear();
  }

  /** Resolves once every event queued so far has been handled (tests). */
  settled(): Promise<void> {
    return this.queue;
  }

  private enqueue(event: () => Promise<void>): Promise<void> {
    this.queue = this.queue.then(async () => {
      if (!this.active) return;
      const term = this.term;
      try {
        await event();
      } catch (err) {
        if (err instanceof TermEndedError) return;
        if (err instanceof ControllerMovedError) {
          this.options.log(err.message);
          this.deactivate();
          return;
        }
        // A failed read could have left a watch unset: everything is read again shortly.
        this.options.log(`controller event failed (${(err as Error).message}); reloading the cluster`);
        setTimeout(() => {
          if (this.active && this.term === term) this.onBrokersChanged();
        }, 500).unref();
      }
    });
    return this.queue;
  }

  /** Throws TermEndedError if this controller was deactivated (or re-activated) since `term`. */
  private stillCurrent(term: number): void {
    if (!this.active || this.term !== term) throw new TermEndedError();
  }

  /** Reads the live brokers (watching for the next change) and keeps a channel to each. */
  private async refreshBrokers(): Promise<void> {
    const term = this.term;
    await this.zk.children(PATHS.brokerIds, () => this.onBrokersChanged());
    const brokers = await liveBrokers(this.zk);
    this.stillCurrent(term);
    this.brokers = brokers;
    for (const [id, channel] of this.channels) {
      if (!this.brokers.has(id)) {
        channel.close();
        this.channels.delete(id);
      }
    }
    for (const [id, broker] of this.brokers) {
      const endpoint = { host: broker.endpoints[0]?.host ?? '', port: broker.endpoints[0]?.port ?? 0 };
      const channel = this.channels.get(id);
      if (channel) channel.moveTo(endpoint);
      else {
        this.channels.set(
          id,
          new BrokerChannel(id, endpoint, {
            clientId: `kiln-controller-${this.options.brokerId}`,
            retryBackoffMs: this.options.retryBackoffMs,
            log: this.options.log,
          }),
        );
      }
    }
  }

  private onBrokersChanged(): void {
    if (!this.active) return;
    void this.enqueue(async () => {
      const before = new Map([...this.brokers].map(([id, b]) => [id, b.epoch]));
      await this.refreshBrokers();
      // A broker that restarted between two reads is back under the same id with a new epoch (its
      // registration's zxid): it lost its roles and must be told them again, as a new one is.
      const joined = new Set(
        [...this.brokers].filter(([id, b]) => before.get(id) !== b.epoch).map(([id]) => id),
      );
      // Partitions that could not get a leader (no replica alive) may get one now.
      const fresh = await this.refreshTopics();
      this.sendLeaderAndIsr(joined, 'all');
      this.sendLeaderAndIsr(new Set(this.brokers.keys()), fresh);
      this.sendMetadataToAll();
      // A deletion waiting for a replica to come back may go on now.
      await this.processDeletions();
    });
  }

  private onTopicsChanged(): void {
    if (!this.active) return;
    void this.enqueue(async () => {
      const fresh = await this.refreshTopics();
      if (fresh.size === 0 && !this.forgotTopics) return;
      this.sendLeaderAndIsr(new Set(this.brokers.keys()), fresh);
      this.sendMetadataToAll();
    });
  }

  /**
   * Reads the topics (watching for the next change), loads the states of partitions not yet
   * known, and writes first states for those that have none. Returns the partitions that became
   * known ("topic-partition"); `forgotTopics` says whether a topic went.
   */
  private async refreshTopics(): Promise<Set<string>> {
    const term = this.term;
    const changed = new Set<string>();
    this.forgotTopics = false;
    const names = await topicNames(this.zk, () => this.onTopicsChanged());
    this.stillCurrent(term);
    let failures = 0;
    for (const topic of names) {
      try {
        await this.refreshTopic(topic, term, changed);
      } catch (err) {
        if (err instanceof TermEndedError || err instanceof ControllerMovedError) throw err;
        // One bad topic must not keep the others (or the brokers' metadata) waiting.
        failures++;
        this.options.log(`controller: cannot set up topic ${topic}: ${(err as Error).message}`);
      }
    }
    for (const [topic, partitions] of this.partitions) {
      if (names.includes(topic)) continue;
      // Gone from ZooKeeper: brokers are told to drop it (leader -2, as Kafka marks a deletion).
      for (const p of partitions.keys()) this.deleted.push({ topic, partition: p });
      this.partitions.delete(topic);
      this.forgotTopics = true;
    }
    if (failures > 0) {
      setTimeout(() => {
        if (this.active && this.term === term) this.onTopicsChanged();
      }, 1000).unref();
    }
    return changed;
  }

  /** Loads one topic's partition states, writing first states for partitions that have none. */
  private async refreshTopic(topic: string, term: number, changed: Set<string>): Promise<void> {
    // Watched, so partitions added to the topic (CreatePartitions) are set up too.
    const assignment = await topicAssignment(this.zk, topic, () => this.onTopicsChanged());
    this.stillCurrent(term);
    if (!assignment) return;
    const fresh = new Map<number, PartitionState>();
    const stored = new Map<number, KnownPartition>();
    for (const [p, replicas] of assignment.partitions) {
      if (this.partitions.get(topic)?.has(p)) continue;
      const state = await partitionState(this.zk, topic, p);
      this.stillCurrent(term);
      if (state) {
        stored.set(p, { ...state, replicas });
        continue;
      }
      const live = replicas.filter((r) => this.brokers.has(r));
      if (live.length === 0) continue; // no replica alive: it waits for one
      // Only the leader is in sync until followers replicate (replication is being built): an ISR
      // naming replicas that hold nothing would promise what is not there.
      fresh.set(p, { leader: live[0]!, leaderEpoch: 0, isr: [live[0]!], controllerEpoch: this.epoch });
    }
    if (fresh.size > 0) {
      // The empty parents first (a controller that failed over midway may have left some), then
      // the states, fenced by this controller's epoch.
      await ensurePartitionParents(this.zk, topic, [...fresh.keys()]);
      this.stillCurrent(term);
      await this.election.fencedMulti(statesToCreate(topic, fresh));
      this.stillCurrent(term);
      this.options.log(`controller: ${fresh.size} partition(s) of ${topic} online`);
    }
    let known = this.partitions.get(topic);
    if (!known) this.partitions.set(topic, (known = new Map()));
    for (const [p, state] of stored) known.set(p, state);
    for (const [p, state] of fresh)
      known.set(p, { ...state, replicas: assignment.partitions.get(p)!, zkVersion: 0 });
    for (const p of [...stored.keys(), ...fresh.keys()]) changed.add(`${topic}-${p}`);
  }

  private onDeletionsChanged(): void {
    if (!this.active) return;
    void this.enqueue(() => this.processDeletions());
  }

  /**
   * Deletes the topics marked under /admin/delete_topics, as Kafka's controller does: every
   * replica stops and deletes its logs (StopReplica), then the topic's znodes go in one fenced
   * multi (the topics watch then tells every broker to drop it). A topic with a replica on a
   * broker that is down waits until that broker is back, so no replica keeps the old data.
   */
  private async processDeletions(): Promise<void> {
    const term = this.term;
    const marked = await topicsToDelete(this.zk, () => this.onDeletionsChanged());
    this.stillCurrent(term);
    for (const topic of marked) {
      try {
        await this.deleteTopic(topic, term);
      } catch (err) {
        if (err instanceof TermEndedError || err instanceof ControllerMovedError) throw err;
        this.options.log(`controller: cannot delete topic ${topic} yet: ${(err as Error).message}`);
      }
    }
  }

  private async deleteTopic(topic: string, term: number): Promise<void> {
    const assignment = await topicAssignment(this.zk, topic);
    this.stillCurrent(term);
    const replicas = new Set([...(assignment?.partitions.values() ?? [])].flat());
    const down = [...replicas].filter((id) => !this.channels.has(id));
    if (down.length > 0) {
      this.options.log(`controller: deletion of ${topic} waits for broker(s) ${down.join(', ')}`);
      return;
    }
    await Promise.all(
      [...replicas].map(async (id) => {
        const partitionIndexes = [...assignment!.partitions]
          .filter(([, r]) => r.includes(id))
          .map(([p]) => p);
        const answer = await this.channels.get(id)!.send(StopReplicaApi, {
          controllerId: this.options.brokerId,
          controllerEpoch: this.epoch,
          brokerEpoch: this.brokers.get(id)?.epoch ?? -1,
          deletePartitions: true,
          ungroupedPartitions: [],
          topics: [{ name: topic, partitionIndexes }],
        });
        const failed = answer.partitionErrors.find((e) => e.errorCode !== 0);
        if (answer.errorCode !== 0 || failed) {
          throw new Error(
            `broker ${id} could not delete it (error ${answer.errorCode || failed!.errorCode})`,
          );
        }
      }),
    );
    this.stillCurrent(term);
    await this.election.fencedMulti(await topicRemovalOps(this.zk, topic));
    this.options.log(`controller: deleted topic ${topic}`);
  }

  /** LeaderAndIsr to each of `brokers` for the partitions (of `which`) it is a replica of. */
  private sendLeaderAndIsr(brokers: Set<number>, which: PartitionFilter): void {
    if (!this.active || (which !== 'all' && which.size === 0)) return;
    for (const id of brokers) {
      const channel = this.channels.get(id);
      if (!channel) continue;
      const body = leaderAndIsrRequest(
        {
          controllerId: this.options.brokerId,
          controllerEpoch: this.epoch,
          brokers: this.brokers,
          partitions: this.partitions,
        },
        id,
        which,
      );
      if (!body) continue;
      channel.send(LeaderAndIsrApi, body).then(
        (answer) => {
          const failed = answer.partitionErrors.filter((e) => e.errorCode !== 0);
          if (answer.errorCode !== 0 || failed.length > 0) {
            this.options.log(
              `broker ${id} answered LeaderAndIsr with error ${answer.errorCode}` +
                (failed.length > 0
                  ? ` and ${failed.length} partition error(s), first ${failed[0]!.errorCode}`
                  : ''),
            );
          }
        },
        () => {},
      );
    }
  }

  /** UpdateMetadata with every live broker and every partition, to every live broker. */
  private sendMetadataToAll(): void {
    if (!this.active) return;
    const body = updateMetadataRequest({
      controllerId: this.options.brokerId,
      controllerEpoch: this.epoch,
      brokers: this.brokers,
      partitions: this.partitions,
      deleted: this.deleted,
    });
    this.deleted = [];
    for (const channel of this.channels.values()) {
      // Each broker's copy names its own epoch, so a broker restarted meanwhile refuses it.
      const brokerEpoch = this.brokers.get(channel.brokerId)?.epoch ?? -1;
      channel.send(UpdateMetadataApi, { ...body, brokerEpoch }).then(
        (answer) => {
          if (answer.errorCode !== 0) {
            this.options.log(`broker ${channel.brokerId} refused UpdateMetadata (error ${answer.errorCode})`);
          }
        },
        () => {}, // closed channels: the broker left, or this controller stepped down
      );
    }
  }
}
