/**
 * The controller's work while this broker is the elected controller (controller-election.ts):
 * it keeps a channel to every live broker, gives each new partition its first state (leader: the
 * first live replica of its assignment; ISR: its live replicas; leader epoch 0), written to
 * ZooKeeper through the fenced multi, and tells every broker the cluster's state with
 * UpdateMetadata: at election, when a broker joins or leaves, and when topics appear.
 *
 * Events are handled one at a time in arrival order (a queue, like Kafka's controller event
 * thread), so a broker leaving while topics are being set up cannot interleave with it. A
 * ControllerMovedError (another controller was elected) ends the work at once.
 */
import { UpdateMetadataApi } from '../../protocol/apis/update-metadata.js';
import type { RequestToSend } from '../../protocol/message-types.js';
import { ControllerMovedError, type ControllerElection } from '../zookeeper/controller-election.js';
import { liveBrokers, type LiveBroker } from '../zookeeper/broker-registration.js';
import type { ZkClient } from '../zookeeper/zk-client.js';
import { partitionState, statesToCreate, topicAssignment, topicNames } from '../zookeeper/zk-topics.js';
import { PATHS, type PartitionState } from '../zookeeper/znodes.js';
import { BrokerChannel } from './broker-channel.js';

interface KnownPartition extends PartitionState {
  replicas: number[];
  zkVersion: number;
}

type UpdateMetadataBody = RequestToSend<typeof UpdateMetadataApi>;

export interface ControllerOptions {
  brokerId: number;
  log: (message: string) => void;
  /** Back-off of the channels' retries. */
  retryBackoffMs?: number;
}

export class Controller {
  private epoch = -1;
  private active = false;
  private queue: Promise<void> = Promise.resolve();
  private brokers = new Map<number, LiveBroker>();
  private readonly channels = new Map<number, BrokerChannel>();
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
    return this.enqueue(async () => {
      await this.refreshBrokers();
      await this.refreshTopics();
      this.sendMetadataToAll();
    });
  }

  /** Stops acting (resigned or deposed): pending requests to brokers are dropped. */
  deactivate(): void {
    this.active = false;
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
      try {
        await event();
      } catch (err) {
        if (err instanceof ControllerMovedError) {
          this.options.log(err.message);
          this.deactivate();
        } else {
          this.options.log(`controller event failed: ${(err as Error).message}`);
        }
      }
    });
    return this.queue;
  }

  /** Reads the live brokers (watching for the next change) and keeps a channel to each. */
  private async refreshBrokers(): Promise<void> {
    await this.zk.children(PATHS.brokerIds, () => this.onBrokersChanged());
    this.brokers = await liveBrokers(this.zk);
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
      await this.refreshBrokers();
      // Partitions that could not get a leader (no replica alive) may get one now.
      await this.refreshTopics();
      this.sendMetadataToAll();
    });
  }

  private onTopicsChanged(): void {
    if (!this.active) return;
    void this.enqueue(async () => {
      if (await this.refreshTopics()) this.sendMetadataToAll();
    });
  }

  /**
   * Reads the topics (watching for the next change), loads the states of partitions not yet
   * known, and writes first states for those that have none. Returns whether anything changed.
   */
  private async refreshTopics(): Promise<boolean> {
    let changed = false;
    const names = await topicNames(this.zk, () => this.onTopicsChanged());
    for (const topic of names) {
      const assignment = await topicAssignment(this.zk, topic);
      if (!assignment) continue;
      let known = this.partitions.get(topic);
      const fresh = new Map<number, PartitionState>();
      for (const [p, replicas] of assignment.partitions) {
        if (known?.has(p)) continue;
        const stored = await partitionState(this.zk, topic, p);
        if (stored) {
          if (!known) this.partitions.set(topic, (known = new Map()));
          known.set(p, { ...stored, replicas });
          changed = true;
          continue;
        }
        const live = replicas.filter((r) => this.brokers.has(r));
        if (live.length === 0) continue; // no replica alive: it waits for one
        fresh.set(p, { leader: live[0]!, leaderEpoch: 0, isr: live, controllerEpoch: this.epoch });
      }
      if (fresh.size === 0) continue;
      const partitionsNodeExists = await this.zk.exists(`${PATHS.brokerTopics}/${topic}/partitions`);
      await this.election.fencedMulti(statesToCreate(topic, fresh, partitionsNodeExists));
      if (!known) this.partitions.set(topic, (known = new Map()));
      for (const [p, state] of fresh) {
        known.set(p, { ...state, replicas: assignment.partitions.get(p)!, zkVersion: 0 });
      }
      this.options.log(`controller: ${fresh.size} partition(s) of ${topic} online`);
      changed = true;
    }
    for (const topic of this.partitions.keys()) {
      if (!names.includes(topic)) {
        this.partitions.delete(topic);
        changed = true;
      }
    }
    return changed;
  }

  /** UpdateMetadata with every live broker and every partition, to every live broker. */
  private sendMetadataToAll(): void {
    const body = this.metadataRequest();
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

  private metadataRequest(): UpdateMetadataBody {
    const liveBrokers = [...this.brokers.values()].map((b) => ({
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
    const topicStates = [...this.partitions].map(([topicName, partitions]) => ({
      topicName,
      partitionStates: [...partitions].map(([partitionIndex, p]) => ({
        topicName,
        partitionIndex,
        controllerEpoch: p.controllerEpoch,
        leader: p.leader,
        leaderEpoch: p.leaderEpoch,
        isr: p.isr,
        zkVersion: p.zkVersion,
        replicas: p.replicas,
        offlineReplicas: p.replicas.filter((r) => !this.brokers.has(r)),
      })),
    }));
    return {
      controllerId: this.options.brokerId,
      controllerEpoch: this.epoch,
      brokerEpoch: -1,
      ungroupedPartitionStates: [],
      topicStates,
      liveBrokers,
    };
  }
}
