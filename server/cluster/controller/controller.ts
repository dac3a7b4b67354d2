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

type LeaderAndIsrTopic = NonNullable<RequestToSend<typeof LeaderAndIsrApi>['topicStates']>[number];
type LeaderAndIsrState = NonNullable<LeaderAndIsrTopic['partitionStates']>[number];
type UpdateMetadataBody = RequestToSend<typeof UpdateMetadataApi>;
/** Which partitions a LeaderAndIsr round covers: all, or these "topic-partition" keys. */
type PartitionFilter = 'all' | Set<string>;

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
  /** Whether the last refreshTopics found a topic gone. */
  private forgotTopics = false;
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
      // A new controller tells every replica its state, whatever an earlier one may have missed.
      this.sendLeaderAndIsr(new Set(this.brokers.keys()), 'all');
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
      const before = new Set(this.brokers.keys());
      await this.refreshBrokers();
      const joined = new Set([...this.brokers.keys()].filter((id) => !before.has(id)));
      // Partitions that could not get a leader (no replica alive) may get one now.
      const fresh = await this.refreshTopics();
      this.sendLeaderAndIsr(joined, 'all');
      this.sendLeaderAndIsr(new Set(this.brokers.keys()), fresh);
      this.sendMetadataToAll();
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
    const changed = new Set<string>();
    this.forgotTopics = false;
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
          changed.add(`${topic}-${p}`);
          continue;
        }
        const live = replicas.filter((r) => this.brokers.has(r));
        if (live.length === 0) continue; // no replica alive: it waits for one
        // Only the leader is in sync until followers replicate (replication is being built): an ISR
        // naming replicas that hold nothing would promise what is not there.
        fresh.set(p, { leader: live[0]!, leaderEpoch: 0, isr: [live[0]!], controllerEpoch: this.epoch });
      }
      if (fresh.size === 0) continue;
      const partitionsNodeExists = await this.zk.exists(`${PATHS.brokerTopics}/${topic}/partitions`);
      await this.election.fencedMulti(statesToCreate(topic, fresh, partitionsNodeExists));
      if (!known) this.partitions.set(topic, (known = new Map()));
      for (const [p, state] of fresh) {
        known.set(p, { ...state, replicas: assignment.partitions.get(p)!, zkVersion: 0 });
        changed.add(`${topic}-${p}`);
      }
      this.options.log(`controller: ${fresh.size} partition(s) of ${topic} online`);
    }
    for (const topic of this.partitions.keys()) {
      if (!names.includes(topic)) {
        this.partitions.delete(topic);
        this.forgotTopics = true;
      }
    }
    return changed;
  }

  /** LeaderAndIsr to each of `brokers` for the partitions (of `which`) it is a replica of. */
  private sendLeaderAndIsr(brokers: Set<number>, which: PartitionFilter): void {
    if (which !== 'all' && which.size === 0) return;
    const liveLeaders = new Map<number, { brokerId: number; hostName: string; port: number }>();
    for (const id of brokers) {
      const channel = this.channels.get(id);
      if (!channel) continue;
      const topicStates: { topicName: string; partitionStates: LeaderAndIsrState[] }[] = [];
      for (const [topicName, partitions] of this.partitions) {
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
            addingReplicas: [],
            removingReplicas: [],
            isNew: false,
          });
          const leader = this.brokers.get(p.leader);
          if (leader && !liveLeaders.has(leader.id)) {
            const e = leader.endpoints[0];
            liveLeaders.set(leader.id, { brokerId: leader.id, hostName: e?.host ?? '', port: e?.port ?? -1 });
          }
        }
        if (partitionStates.length > 0) topicStates.push({ topicName, partitionStates });
      }
      if (topicStates.length === 0) continue;
      const body: RequestToSend<typeof LeaderAndIsrApi> = {
        controllerId: this.options.brokerId,
        controllerEpoch: this.epoch,
        brokerEpoch: this.brokers.get(id)?.epoch ?? -1,
        ungroupedPartitionStates: [],
        topicStates,
        liveLeaders: [...liveLeaders.values()],
      };
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
