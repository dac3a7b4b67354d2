/**
 * A broker's membership of a ZooKeeper cluster (`zookeeper.connect` set), from start to stop:
 *
 * 1. `join()` connects (ZkConnectError naming zookeeper.connect after the connection timeout),
 *    makes sure Kafka's persistent paths exist and learns the cluster id, which the data
 *    directories' meta.properties must then carry (the caller checks).
 * 2. `register()` — once the listener is bound, so a client told about this broker can reach
 *    it — writes the broker's ephemeral registration (refused if another live broker has its id)
 *    and enters the controller election.
 * 3. `leave()` resigns the controller role and ends the session, so the broker's registration
 *    goes at once instead of after a session timeout.
 *
 * While this broker is the controller, the Controller (controller/controller.ts) does the
 * controller's work. The metadata cache holds what the controller has told this broker.
 */
import type { Event } from 'node-zookeeper-client';
import {
  clusterIdOf,
  ensurePersistentPaths,
  liveBrokers,
  registerBroker,
  type LiveBroker,
} from './broker-registration.js';
import { Controller } from '../controller/controller.js';
import { MetadataCache } from '../metadata-cache.js';
import { ControllerElection } from './controller-election.js';
import { ZkClient } from './zk-client.js';
import { PATHS, type BrokerRegistration } from './znodes.js';

export interface MembershipOptions {
  connect: string;
  sessionTimeoutMs: number;
  connectionTimeoutMs: number;
  brokerId: number;
  /** unclean.leader.election.enable's broker default (a topic's own setting comes first). */
  uncleanLeaderElectionEnable?: boolean;
  /** Auto leader balancing, while this broker is the controller. */
  leaderBalance?: { enable: boolean; imbalancePercentage: number; checkIntervalMs: number };
  log: (message: string) => void;
}

export class ClusterMembership {
  private election: ControllerElection | undefined;
  private controller: Controller | undefined;
  /** What the controller last told this broker (UpdateMetadata). */
  readonly metadata = new MetadataCache();
  private brokers = new Map<number, LiveBroker>();
  private epoch = -1;
  private reading = false;
  private readAgain = false;

  private constructor(
    readonly zk: ZkClient,
    readonly clusterId: string,
    private readonly options: MembershipOptions,
  ) {}

  /** Connects, creates the persistent paths, and agrees on the cluster id (`proposed` if first). */
  static async join(
    options: MembershipOptions,
    proposedClusterId: string | undefined,
  ): Promise<ClusterMembership> {
    const zk = await ZkClient.connect(options.connect, {
      sessionTimeoutMs: options.sessionTimeoutMs,
      connectionTimeoutMs: options.connectionTimeoutMs,
      log: options.log,
    });
    try {
      await ensurePersistentPaths(zk);
      const clusterId = await clusterIdOf(zk, proposedClusterId);
      return new ClusterMembership(zk, clusterId, options);
    } catch (err) {
      zk.close();
      throw err;
    }
  }

  /** Registers the broker as `registration()` describes it (now and after every new session). */
  async register(registration: () => BrokerRegistration): Promise<void> {
    await registerBroker(this.zk, registration, (epoch) => (this.epoch = epoch), this.options.log);
    this.zk.onNewSession(() => this.watchBrokers());
    await this.watchBrokers();
    const log = this.options.log;
    this.election = new ControllerElection(this.zk, this.options.brokerId, {
      log,
      onElected: (epoch) => void this.controller?.activate(epoch),
      onResigned: () => this.controller?.deactivate(),
    });
    this.controller = new Controller(this.zk, this.election, {
      brokerId: this.options.brokerId,
      log,
      uncleanLeaderElectionEnable: this.options.uncleanLeaderElectionEnable ?? false,
      leaderBalance: this.options.leaderBalance,
    });
    await this.election.start();
  }

  /** The controller's broker id as last seen, -1 while there is none. */
  get controllerId(): number {
    return this.election?.activeControllerId ?? -1;
  }

  get isController(): boolean {
    return this.election?.isController ?? false;
  }

  /** The controller's work while this broker is the controller (tests wait on it). */
  get controllerWork(): Controller | undefined {
    return this.controller;
  }

  /** This broker's epoch: the creation zxid of its current registration (-1 before it registers). */
  get brokerEpoch(): number {
    return this.epoch;
  }

  /** The live brokers as last seen, by id. */
  liveBrokers(): ReadonlyMap<number, LiveBroker> {
    return this.brokers;
  }

  /** Gives up the controller role and ends the session (the registration goes with it). */
  async leave(): Promise<void> {
    this.controller?.deactivate();
    // ZooKeeper may be unreachable: a stop waits at most a session timeout for the resignation,
    // then ends the session anyway (its /controller node goes with it, just later).
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<'timeout'>(
      (resolve) => (timer = setTimeout(() => resolve('timeout'), this.options.sessionTimeoutMs)),
    );
    try {
      const resigned = this.election?.resign() ?? Promise.resolve();
      if ((await Promise.race([resigned, limit])) === 'timeout') {
        this.options.log('ZooKeeper did not answer the resignation in time; leaving anyway');
      }
    } catch (err) {
      this.options.log(`could not resign as controller: ${(err as Error).message}`);
    } finally {
      clearTimeout(timer);
      this.zk.close();
    }
  }

  /** Reads the live brokers and watches /brokers/ids for the next change (again if one came meanwhile). */
  private async watchBrokers(): Promise<void> {
    if (this.zk.isClosed) return;
    if (this.reading) {
      this.readAgain = true;
      return;
    }
    this.reading = true;
    try {
      do {
        this.readAgain = false;
        await this.zk.children(PATHS.brokerIds, this.onBrokersChange);
        this.brokers = await liveBrokers(this.zk);
      } while (this.readAgain);
    } catch (err) {
      if (!this.zk.isClosed) {
        // The watch may not be set: read (and watch) again shortly, or this list would go stale.
        this.options.log(`could not read the live brokers (${(err as Error).message}); trying again`);
        setTimeout(() => void this.watchBrokers(), 1000).unref();
      }
    } finally {
      this.reading = false;
    }
  }

  private readonly onBrokersChange = (_event: Event): void => void this.watchBrokers();
}
