/**
 * The controller's work while this broker is the elected controller (controller-election.ts). It
 * keeps a channel to every live broker (controller-channels.ts) and decides partitions' leaders
 * and ISRs by Kafka's rules (partition-leader-election.ts), writing each change to ZooKeeper,
 * fenced by its epoch, from states read fresh (partition-state-updates.ts):
 *
 * - a new partition gets its first state: every live replica in the ISR, the first one leading;
 * - when brokers leave (their registration vanishes) or restart (a new registration epoch), the
 *   partitions they led get a new leader from the ISR, or none (-1) until an ISR member is back
 *   (any live replica where the topic allows unclean leader election), and they leave every ISR;
 *   when brokers join, leaderless partitions whose ISR member is back get it as leader; a new
 *   controller does the same for whatever changed while there was none;
 * - leaders change ISRs themselves and say so under /isr_change_notification: the controller
 *   reads those states again and tells every broker;
 * - a broker about to stop (ControlledShutdown) has its leaderships moved to other ISR members;
 * - topics marked for deletion are deleted (topic-deletion.ts);
 * - partitions move to new replicas (partition-reassignments.ts), and leaders are elected on
 *   request or moved back to preferred replicas (leader-balance.ts).
 *
 * Each replica is told its partitions' states with LeaderAndIsr (every replica at election, a
 * broker that joins all of its own, the live replicas of partitions that changed), then every
 * broker the cluster's state with UpdateMetadata.
 *
 * Events are handled one at a time in arrival order (a queue, like Kafka's controller event
 * thread), so a broker leaving while topics are being set up cannot interleave with it. A
 * ControllerMovedError (another controller was elected) ends the work at once.
 */
import { ErrorCode } from '../../protocol/error-codes.js';
import type { ControllerElection } from '../zookeeper/controller-election.js';
import { liveBrokers, type LiveBroker } from '../zookeeper/broker-registration.js';
import type { ZkClient } from '../zookeeper/zk-client.js';
import { topicNames } from '../zookeeper/zk-topics.js';
import { PATHS } from '../zookeeper/znodes.js';
import { ControllerChannels } from './controller-channels.js';
import type { ControllerView, PartitionFilter } from './controller-requests.js';
import { deleteIsrChanges, readIsrChanges } from './isr-change-notifications.js';
import type { Liveness } from './partition-leader-election.js';
import type { PartitionRef } from './partition-state-updates.js';
import { PartitionStates, type Term } from './partition-states.js';
import { ControllerQueue } from './controller-queue.js';
import { deleteMarkedTopics } from './topic-deletion.js';
import { shutDownBroker, type ControlledShutdownResult } from './broker-shutdown.js';
import {
  electLeaders,
  imbalancedPartitions,
  scheduleLeaderBalance,
  type ElectionResult,
  type LeaderBalanceOptions,
} from './leader-balance.js';
import {
  PartitionReassignments,
  type ListedMove,
  type MoveRequest,
  type MoveResult,
} from './partition-reassignments.js';

export interface ControllerOptions {
  brokerId: number;
  log: (message: string) => void;
  /** Back-off of the channels' retries. */
  retryBackoffMs?: number;
  /** unclean.leader.election.enable for topics that do not set it (Kafka's default: false). */
  uncleanLeaderElectionEnable?: boolean;
  /** auto.leader.rebalance.enable and its settings (Kafka's defaults: on, 10%, 300 s). */
  leaderBalance?: LeaderBalanceOptions;
}

export type { ControlledShutdownResult };

export class Controller {
  private readonly events: ControllerQueue;
  private brokers = new Map<number, LiveBroker>();
  /** Registered brokers that asked to shut down: they take no new leadership. */
  private readonly shuttingDown = new Set<number>();
  private readonly channels: ControllerChannels;
  /** Whether the last refreshTopics found a topic gone. */
  private forgotTopics = false;
  /** Partitions of topics gone from ZooKeeper, for the next UpdateMetadata to drop. */
  private deleted: PartitionRef[] = [];
  /** Every partition's state as last read or written. */
  private readonly partitions: PartitionStates;
  private readonly reassignments: PartitionReassignments;
  private balanceTimer: NodeJS.Timeout | undefined;
  /** ZooKeeper watches, one function each: set again before firing, ZooKeeper's client keeps one. */
  private readonly watch = {
    brokers: (): void => this.onBrokersChanged(),
    topics: (): void => this.onTopicsChanged(),
    isrChanges: (): void => this.onIsrChangeNotified(),
    deletions: (): void => this.onDeletionsChanged(),
    moves: (): void => this.onRequestedMovesChanged(),
  };

  constructor(
    private readonly zk: ZkClient,
    private readonly election: ControllerElection,
    private readonly options: ControllerOptions,
  ) {
    this.events = new ControllerQueue({
      log: options.log,
      onMoved: () => this.deactivate(),
      onFailed: () => {
        this.onBrokersChanged();
        this.onIsrChangeNotified();
        this.onRequestedMovesChanged();
      },
    });
    this.channels = new ControllerChannels({
      brokerId: options.brokerId,
      retryBackoffMs: options.retryBackoffMs,
      log: options.log,
    });
    this.partitions = new PartitionStates({
      zk,
      fencedMulti: (ops) => election.fencedMulti(ops),
      log: options.log,
      brokerId: options.brokerId,
      uncleanLeaderElectionEnable: options.uncleanLeaderElectionEnable ?? false,
    });
    this.reassignments = new PartitionReassignments({
      zk,
      fencedMulti: (ops) => election.fencedMulti(ops),
      partitions: this.partitions,
      liveness: () => this.liveness(),
      sendLeaderAndIsr: (brokers, which) => this.sendLeaderAndIsr(brokers, which),
      sendMetadataToAll: () => this.sendMetadataToAll(),
      deleteReplicas: (id, partitions) =>
        this.channels.deleteReplicas(this.view(), id, partitions, options.log),
      onRequestedMovesChanged: this.watch.moves,
      log: options.log,
    });
  }

  /** Whether it is acting as controller now. */
  get isActive(): boolean {
    return this.events.isActive;
  }

  /** Starts acting as the controller of `epoch`: loads the cluster, repairs it, and tells every broker. */
  activate(epoch: number): Promise<void> {
    this.events.start(epoch);
    this.startLeaderBalance();
    return this.events.enqueue(async (term) => {
      await this.refreshBrokers(term);
      await this.refreshTopics(term);
      // Notifications left from before: the states were just read, so they only need deleting.
      await this.handleIsrChanges(term);
      // What happened while there was no controller: leaders gone, replicas gone from ISRs.
      const live = this.brokers;
      await this.partitions.elect(
        this.partitions.where((p) => !live.has(p.leader) || p.isr.some((r) => !live.has(r))),
        this.liveness(),
        term,
      );
      // A new controller tells every replica its state, whatever an earlier one may have missed.
      this.sendLeaderAndIsr(this.brokers.keys(), 'all');
      this.sendMetadataToAll();
      await this.processDeletions(term);
      await this.reassignments.resume(term);
    });
  }

  /** Stops acting (resigned or deposed): pending requests to brokers are dropped. */
  deactivate(): void {
    this.events.stop();
    clearInterval(this.balanceTimer);
    this.balanceTimer = undefined;
    this.channels.closeAll();
    this.partitions.clear();
    this.shuttingDown.clear();
  }

  /** Resolves once every event queued so far has been handled (tests). */
  settled(): Promise<void> {
    return this.events.settled();
  }

  /**
   * A broker asks to shut down (ControlledShutdown): the replicated partitions it leads move to
   * another live ISR member, it leaves the ISR of those it follows (and stops fetching them:
   * StopReplica without deletion), and it takes no new leadership. Resolves with the partitions it
   * still leads; NOT_CONTROLLER if this broker is not (or stops being) the controller meanwhile,
   * STALE_BROKER_EPOCH for an epoch older than the broker's registration, BROKER_NOT_AVAILABLE for
   * a broker not registered.
   */
  controlledShutdown(brokerId: number, brokerEpoch: number): Promise<ControlledShutdownResult> {
    return this.events.answer(
      (term) =>
        shutDownBroker(
          {
            brokers: this.brokers,
            shuttingDown: this.shuttingDown,
            partitions: this.partitions,
            channels: this.channels,
            view: () => this.view(),
            liveness: () => this.liveness(),
            sendLeaderAndIsr: (brokers, which) => this.sendLeaderAndIsr(brokers, which),
            sendMetadataToAll: () => this.sendMetadataToAll(),
            log: this.options.log,
          },
          brokerId,
          brokerEpoch,
          term,
        ),
      { errorCode: ErrorCode.NOT_CONTROLLER, remaining: [] },
      { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, remaining: [] },
    );
  }

  /**
   * Starts, changes or cancels partition moves (AlterPartitionReassignments); null if this broker
   * is not (or stops being) the controller meanwhile.
   */
  alterReassignments(requests: MoveRequest[]): Promise<MoveResult[] | null> {
    return this.events.answer((term) => this.reassignments.alter(requests, term), null);
  }

  /** The partition moves in progress among `refs` (all when null); null if not the controller. */
  listReassignments(refs: PartitionRef[] | null): Promise<ListedMove[] | null> {
    return this.events.answer(async () => this.reassignments.list(refs), null);
  }

  /** Leader elections asked for (ElectLeaders: 0 preferred, 1 unclean); null if not the controller. */
  electLeaders(type: number, refs: PartitionRef[] | null): Promise<ElectionResult[] | null> {
    return this.events.answer(async (term) => {
      const { results, written } = await electLeaders(this.partitions, type, refs, this.liveness(), term);
      this.afterElections(written);
      return results;
    }, null);
  }

  /** Every leader.imbalance.check.interval.seconds: preferred leaders take their partitions back. */
  private startLeaderBalance(): void {
    clearInterval(this.balanceTimer);
    this.balanceTimer = scheduleLeaderBalance(this.options.leaderBalance, () =>
      this.events.enqueue(async (term) => {
        const liveness = this.liveness();
        const pct = this.options.leaderBalance!.imbalancePercentage;
        const imbalanced = imbalancedPartitions(this.partitions.byTopic, liveness, pct);
        if (imbalanced.length === 0) return;
        this.options.log(`controller: moving ${imbalanced.length} leadership(s) back to preferred replicas`);
        this.afterElections((await electLeaders(this.partitions, 0, imbalanced, liveness, term)).written);
      }),
    );
  }

  /** Tells every replica of the partitions elected, then every broker the cluster. */
  private afterElections(written: ReadonlySet<string>): void {
    if (written.size === 0) return;
    this.sendLeaderAndIsr(this.brokers.keys(), written);
    this.sendMetadataToAll();
  }

  private onRequestedMovesChanged(): void {
    if (!this.events.isActive) return;
    void this.events.enqueue((term) => this.reassignments.startRequested(term));
  }

  /** Reads the live brokers (watching for the next change) and keeps a channel to each. */
  private async refreshBrokers(term: Term): Promise<void> {
    await this.zk.children(PATHS.brokerIds, this.watch.brokers);
    const brokers = await liveBrokers(this.zk);
    term.stillCurrent();
    this.brokers = brokers;
    this.channels.sync(brokers);
  }

  private onBrokersChanged(): void {
    if (!this.events.isActive) return;
    void this.events.enqueue(async (term) => {
      const before = new Map([...this.brokers].map(([id, b]) => [id, b.epoch]));
      await this.refreshBrokers(term);
      const gone = [...before.keys()].filter((id) => !this.brokers.has(id));
      // A broker that restarted between two reads is back under the same id with a new epoch (its
      // registration's zxid): it lost its roles, so it is handled as one that left, then joined.
      const joined = new Set(
        [...this.brokers].filter(([id, b]) => before.get(id) !== b.epoch).map(([id]) => id),
      );
      const bounced = [...joined].filter((id) => before.has(id));
      for (const id of [...gone, ...bounced]) this.shuttingDown.delete(id);
      const changed = new Set<string>();
      if (gone.length + bounced.length > 0) {
        const down = new Set([...gone, ...bounced]);
        const candidates = this.partitions.where((p) => p.replicas.some((r) => down.has(r)));
        for (const k of await this.partitions.elect(candidates, this.liveness(down), term)) changed.add(k);
      }
      if (joined.size > 0) {
        // Leaderless partitions may get a leader from the brokers that are back.
        const live = this.brokers;
        const candidates = this.partitions.where((p) => !live.has(p.leader));
        for (const k of await this.partitions.elect(candidates, this.liveness(), term)) changed.add(k);
      }
      // Partitions that could not get a first state (no replica alive) may get one now.
      for (const k of await this.refreshTopics(term)) changed.add(k);
      this.sendLeaderAndIsr(joined, 'all');
      this.sendLeaderAndIsr(
        [...this.brokers.keys()].filter((id) => !joined.has(id)),
        changed,
      );
      this.sendMetadataToAll();
      // A deletion waiting for a replica to come back may go on now.
      await this.processDeletions(term);
      // A move waiting for a target replica that could lead may complete now.
      await this.reassignments.checkProgress('all', term);
    });
  }

  private onTopicsChanged(): void {
    if (!this.events.isActive) return;
    void this.events.enqueue(async (term) => {
      const fresh = await this.refreshTopics(term);
      if (fresh.size === 0 && !this.forgotTopics) return;
      this.sendLeaderAndIsr(this.brokers.keys(), fresh);
      this.sendMetadataToAll();
    });
  }

  private onIsrChangeNotified(): void {
    if (!this.events.isActive) return;
    void this.events.enqueue(async (term) => {
      if (await this.handleIsrChanges(term)) this.sendMetadataToAll();
    });
  }

  /**
   * Reads leaders' ISR change notifications (watching for the next), reads the states they name
   * again, and deletes them. Returns whether a known partition's state was read.
   */
  private async handleIsrChanges(term: Term): Promise<boolean> {
    const changes = await readIsrChanges(this.zk, this.watch.isrChanges, this.options.log);
    term.stillCurrent();
    if (changes.names.length === 0) return false;
    const known = changes.partitions.filter((p) => this.partitions.get(p) !== undefined);
    await this.partitions.update(known, () => null, term);
    await deleteIsrChanges((ops) => this.election.fencedMulti(ops), changes.names);
    term.stillCurrent();
    // A moving partition whose new replicas are all in sync now completes its move.
    await this.reassignments.checkProgress(known, term);
    return known.length > 0;
  }

  /**
   * Reads the topics (watching for the next change), loads the states of partitions not yet
   * known, and writes first states for those that have none. Returns the partitions that became
   * known ("topic-partition"); `forgotTopics` says whether a topic went.
   */
  private async refreshTopics(term: Term): Promise<Set<string>> {
    const names = await topicNames(this.zk, this.watch.topics);
    term.stillCurrent();
    const { changed, gone, failures } = await this.partitions.loadTopics(
      names,
      this.liveness(),
      term,
      this.watch.topics,
    );
    // Gone from ZooKeeper: brokers are told to drop them (leader -2, as Kafka marks a deletion).
    this.deleted.push(...gone);
    this.forgotTopics = gone.length > 0;
    // A topic that could not be set up is tried again shortly.
    if (failures > 0) setTimeout(() => this.events.isActive && this.onTopicsChanged(), 1000).unref();
    return changed;
  }

  private onDeletionsChanged(): void {
    if (!this.events.isActive) return;
    void this.events.enqueue((term) => this.processDeletions(term));
  }

  private processDeletions(term: Term): Promise<void> {
    return deleteMarkedTopics({
      zk: this.zk,
      fencedMulti: (ops) => this.election.fencedMulti(ops),
      channels: this.channels,
      view: () => this.view(),
      stillCurrent: term.stillCurrent,
      onMarksChanged: this.watch.deletions,
      log: this.options.log,
    });
  }

  /** The brokers up (less `down`: brokers handled as gone although registered), and those shutting down. */
  private liveness(down: ReadonlySet<number> = new Set()): Liveness {
    return {
      live: new Set([...this.brokers.keys()].filter((id) => !down.has(id))),
      shuttingDown: this.shuttingDown,
    };
  }

  private view(): ControllerView {
    return {
      controllerId: this.options.brokerId,
      controllerEpoch: this.events.epoch,
      brokers: this.brokers,
      partitions: this.partitions.byTopic,
      topicIds: this.partitions.ids,
    };
  }

  /** LeaderAndIsr to each of `brokers` for the partitions (of `which`) it is a replica of. */
  private sendLeaderAndIsr(brokers: Iterable<number>, which: PartitionFilter): void {
    if (this.events.isActive) this.channels.sendLeaderAndIsr(this.view(), brokers, which);
  }

  /** UpdateMetadata with every live broker and every partition, to every live broker. */
  private sendMetadataToAll(): void {
    if (!this.events.isActive) return;
    this.channels.sendUpdateMetadata({ ...this.view(), deleted: this.deleted });
    this.deleted = [];
  }
}
