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
 * - topics marked for deletion are deleted (topic-deletion.ts).
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
import { ControllerMovedError, type ControllerElection } from '../zookeeper/controller-election.js';
import { liveBrokers, type LiveBroker } from '../zookeeper/broker-registration.js';
import type { ZkClient } from '../zookeeper/zk-client.js';
import { topicNames } from '../zookeeper/zk-topics.js';
import { PATHS } from '../zookeeper/znodes.js';
import { ControllerChannels } from './controller-channels.js';
import type { ControllerView, PartitionFilter } from './controller-requests.js';
import { deleteIsrChanges, readIsrChanges } from './isr-change-notifications.js';
import type { Liveness } from './partition-leader-election.js';
import type { PartitionRef } from './partition-state-updates.js';
import { partitionKey, PartitionStates, type Term } from './partition-states.js';
import { TermEndedError } from './term-ended-error.js';
import { deleteMarkedTopics } from './topic-deletion.js';

export interface ControllerOptions {
  brokerId: number;
  log: (message: string) => void;
  /** Back-off of the channels' retries. */
  retryBackoffMs?: number;
  /** unclean.leader.election.enable for topics that do not set it (Kafka's default: false). */
  uncleanLeaderElectionEnable?: boolean;
}

/** The answer to a broker's ControlledShutdown. */
export interface ControlledShutdownResult {
  errorCode: number;
  /** Replicated partitions it still leads: no other ISR member could take them over. */
  remaining: PartitionRef[];
}

/** Kafka's BROKER_NOT_AVAILABLE: a ControlledShutdown from a broker that is not registered. */
const BROKER_NOT_AVAILABLE = 8;

export class Controller {
  private epoch = -1;
  private active = false;
  /** Bumped at each activation and deactivation: an event of an earlier term stops at its next step. */
  private term = 0;
  private queue: Promise<void> = Promise.resolve();
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

  constructor(
    private readonly zk: ZkClient,
    private readonly election: ControllerElection,
    private readonly options: ControllerOptions,
  ) {
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
  }

  /** Whether it is acting as controller now. */
  get isActive(): boolean {
    return this.active;
  }

  /** Starts acting as the controller of `epoch`: loads the cluster, repairs it, and tells every broker. */
  activate(epoch: number): Promise<void> {
    this.epoch = epoch;
    this.active = true;
    this.term++;
    return this.enqueue(async (term) => {
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
    });
  }

  /** Stops acting (resigned or deposed): pending requests to brokers are dropped. */
  deactivate(): void {
    this.active = false;
    this.term++;
    this.channels.closeAll();
    this.partitions.clear();
    this.shuttingDown.clear();
  }

  /** Resolves once every event queued so far has been handled (tests). */
  settled(): Promise<void> {
    return this.queue;
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
    let result: ControlledShutdownResult = { errorCode: ErrorCode.NOT_CONTROLLER, remaining: [] };
    if (!this.active) return Promise.resolve(result);
    return this.enqueue(async (term) => {
      try {
        result = await this.shutDown(brokerId, brokerEpoch, term);
      } catch (err) {
        if (!(err instanceof TermEndedError || err instanceof ControllerMovedError)) {
          result = { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, remaining: [] };
        }
        throw err;
      }
    }).then(() => result);
  }

  /** Queues an event; it runs with the term it started in, and stops at its next step once that ends. */
  private enqueue(event: (term: Term) => Promise<void>): Promise<void> {
    this.queue = this.queue.then(async () => {
      if (!this.active) return;
      const term = this.term;
      const stillCurrent = (): void => {
        if (!this.active || this.term !== term) throw new TermEndedError();
      };
      try {
        await event({ controllerEpoch: this.epoch, stillCurrent });
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
          if (!this.active || this.term !== term) return;
          this.onBrokersChanged();
          this.onIsrChangeNotified();
        }, 500).unref();
      }
    });
    return this.queue;
  }

  /** Reads the live brokers (watching for the next change) and keeps a channel to each. */
  private async refreshBrokers(term: Term): Promise<void> {
    await this.zk.children(PATHS.brokerIds, () => this.onBrokersChanged());
    const brokers = await liveBrokers(this.zk);
    term.stillCurrent();
    this.brokers = brokers;
    this.channels.sync(brokers);
  }

  private onBrokersChanged(): void {
    if (!this.active) return;
    void this.enqueue(async (term) => {
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
    });
  }

  private onTopicsChanged(): void {
    if (!this.active) return;
    void this.enqueue(async (term) => {
      const fresh = await this.refreshTopics(term);
      if (fresh.size === 0 && !this.forgotTopics) return;
      this.sendLeaderAndIsr(this.brokers.keys(), fresh);
      this.sendMetadataToAll();
    });
  }

  private onIsrChangeNotified(): void {
    if (!this.active) return;
    void this.enqueue(async (term) => {
      if (await this.handleIsrChanges(term)) this.sendMetadataToAll();
    });
  }

  /**
   * Reads leaders' ISR change notifications (watching for the next), reads the states they name
   * again, and deletes them. Returns whether a known partition's state was read.
   */
  private async handleIsrChanges(term: Term): Promise<boolean> {
    const changes = await readIsrChanges(this.zk, () => this.onIsrChangeNotified(), this.options.log);
    term.stillCurrent();
    if (changes.names.length === 0) return false;
    const known = changes.partitions.filter((p) => this.partitions.get(p) !== undefined);
    await this.partitions.update(known, () => null, term);
    await deleteIsrChanges((ops) => this.election.fencedMulti(ops), changes.names);
    term.stillCurrent();
    return known.length > 0;
  }

  private async shutDown(id: number, brokerEpoch: number, term: Term): Promise<ControlledShutdownResult> {
    const broker = this.brokers.get(id);
    if (!broker) return { errorCode: BROKER_NOT_AVAILABLE, remaining: [] };
    // Kafka's rule: an epoch older than the registration is from an earlier life (-1: not sent, v0-1).
    if (brokerEpoch !== -1 && brokerEpoch < broker.epoch) {
      return { errorCode: ErrorCode.STALE_BROKER_EPOCH, remaining: [] };
    }
    this.shuttingDown.add(id);
    const { led, followed } = this.partitions.replicatedOn(id);
    const moved = await this.partitions.moveLeadershipOff(id, led, this.liveness(), term);
    if (followed.length > 0) {
      // It stops fetching first (as Kafka has it), so no leader takes it back into the ISR.
      this.channels.stopReplicas(this.view(), id, followed, false).then(
        (answer) => {
          if (answer.errorCode !== 0)
            this.options.log(`broker ${id} refused StopReplica (${answer.errorCode})`);
        },
        () => {},
      );
    }
    const shrunk = await this.partitions.removeFollower(id, followed, term);
    this.sendLeaderAndIsr(this.brokers.keys(), moved);
    this.sendLeaderAndIsr(
      [...this.brokers.keys()].filter((b) => b !== id),
      shrunk,
    );
    this.sendMetadataToAll();
    const remaining = this.partitions.where((p) => p.replicas.length > 1 && p.leader === id);
    this.options.log(
      `controller: broker ${id} is shutting down: ${moved.size} leadership(s) moved, ` +
        `${remaining.length} it still leads`,
    );
    return { errorCode: ErrorCode.NONE, remaining };
  }

  /**
   * Reads the topics (watching for the next change), loads the states of partitions not yet
   * known, and writes first states for those that have none. Returns the partitions that became
   * known ("topic-partition"); `forgotTopics` says whether a topic went.
   */
  private async refreshTopics(term: Term): Promise<Set<string>> {
    const changed = new Set<string>();
    this.forgotTopics = false;
    const names = await topicNames(this.zk, () => this.onTopicsChanged());
    term.stillCurrent();
    let failures = 0;
    for (const topic of names) {
      try {
        const loaded = await this.partitions.loadTopic(topic, this.liveness(), term, () =>
          this.onTopicsChanged(),
        );
        for (const p of loaded) changed.add(partitionKey(p.topic, p.partition));
      } catch (err) {
        if (err instanceof TermEndedError || err instanceof ControllerMovedError) throw err;
        // One bad topic must not keep the others (or the brokers' metadata) waiting.
        failures++;
        this.options.log(`controller: cannot set up topic ${topic}: ${(err as Error).message}`);
      }
    }
    // Gone from ZooKeeper: brokers are told to drop them (leader -2, as Kafka marks a deletion).
    const gone = this.partitions.forgetAllBut(names);
    this.deleted.push(...gone);
    this.forgotTopics = gone.length > 0;
    if (failures > 0) {
      setTimeout(() => {
        try {
          term.stillCurrent();
          this.onTopicsChanged();
        } catch {
          // that term is over
        }
      }, 1000).unref();
    }
    return changed;
  }

  private onDeletionsChanged(): void {
    if (!this.active) return;
    void this.enqueue((term) => this.processDeletions(term));
  }

  private processDeletions(term: Term): Promise<void> {
    return deleteMarkedTopics({
      zk: this.zk,
      fencedMulti: (ops) => this.election.fencedMulti(ops),
      channels: this.channels,
      view: () => this.view(),
      stillCurrent: term.stillCurrent,
      onMarksChanged: () => this.onDeletionsChanged(),
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
      controllerEpoch: this.epoch,
      brokers: this.brokers,
      partitions: this.partitions.byTopic,
    };
  }

  /** LeaderAndIsr to each of `brokers` for the partitions (of `which`) it is a replica of. */
  private sendLeaderAndIsr(brokers: Iterable<number>, which: PartitionFilter): void {
    if (this.active) this.channels.sendLeaderAndIsr(this.view(), brokers, which);
  }

  /** UpdateMetadata with every live broker and every partition, to every live broker. */
  private sendMetadataToAll(): void {
    if (!this.active) return;
    this.channels.sendUpdateMetadata({ ...this.view(), deleted: this.deleted });
    this.deleted = [];
  }
}
