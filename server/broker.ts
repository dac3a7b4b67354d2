/**
 * A broker: the engine's logs, the topics, the handlers and the listener, started and stopped as
 * one. `start()` opens the data directories (recovering them if the last stop was not clean) and
 * listens; `stop()` stops accepting, lets in-flight requests finish, flushes, checkpoints and
 * writes the clean-shutdown marker, so the next start does no recovery scan.
 *
 * Each data directory holds Kafka's `meta.properties` (version, broker.id, cluster.id); the cluster
 * id is made once and kept. A start that fails removes the data directories it created.
 * Dynamic broker configs (AlterConfigs on a broker resource) are loaded before the logs open, so
 * every log starts with the defaults in effect (in a cluster from ZooKeeper, where a ConfigSync
 * then keeps them and the topics' configs current).
 */
import { LogManager, destroyWorkerPools } from '../engine/index.js';
import type { BrokerContext } from './broker-context.js';
import { TopicManager } from './cluster/topic-manager.js';
import { TopicStore } from './cluster/topic-store.js';
import type { BrokerConfig } from './config.js';
import {
  dataDirError,
  errnoCode,
  existingClusterId,
  prepareDataDirs,
  removeCreatedDirs,
} from './config/data-dirs.js';
import { ClusterMembership } from './cluster/zookeeper/cluster-membership.js';
import { DynamicBrokerConfigs } from './config/dynamic-broker-configs.js';
import { startLineFields } from './start-line.js';
import { engineLogEvents } from './engine-log-events.js';
import { GroupCoordinator } from './group/group-coordinator.js';
import { requestControlledShutdown } from './cluster/controller/controlled-shutdown-request.js';
import { ReplicaManager } from './cluster/replica-manager.js';
import { writeIsrChange } from './cluster/zookeeper/zk-topics.js';
import { ClusterTopics } from './cluster/cluster-topics.js';
import { ClusterConfigs } from './cluster/cluster-configs.js';
import { ConfigSync } from './cluster/config-sync.js';
import { applyDynamicConfigs } from './handlers/admin/config-changes.js';
import { AppendWaiters } from './cluster/append-waiters.js';
import { slowRequestLogger } from './slow-request-log.js';
import { createLogger, type Logger } from './logger.js';
import { Listener } from './network/listener.js';
import { buildBrokerRegistry } from './broker-handlers.js';
import { MemoryBudget } from './network/memory-budget.js';
import { OFFSETS_TOPIC } from './group/offset-store.js';
import type { AdminListener } from './admin/admin-listener.js';
import { startBrokerAdmin } from './admin/broker-admin.js';
import { BrokerMetrics } from './metrics/broker-metrics.js';

export { META_PROPERTIES } from './config/data-dirs.js';

export class Broker {
  private listener: Listener | undefined;
  private logs: LogManager | undefined;
  private coordinator: GroupCoordinator | undefined;
  private membership: ClusterMembership | undefined;
  private replicas: ReplicaManager | undefined;
  private configSync: ConfigSync | undefined;
  private boundPort = 0;
  private admin: AdminListener | undefined;
  /** The counters /metrics reads; none when kiln.admin.listener=none (nothing is counted then). */
  private readonly metrics: BrokerMetrics | undefined;
  private readonly waiters = new AppendWaiters();
  readonly log: Logger;

  constructor(
    readonly config: BrokerConfig,
    log?: Logger,
  ) {
    this.log = log ?? createLogger();
    this.metrics = config.adminListener ? new BrokerMetrics() : undefined;
  }

  /** The port the admin listener is bound to, or undefined when it is off (kiln.admin.listener=none). */
  get adminPort(): number | undefined {
    return this.admin?.port;
  }

  /** The engine's logs while the broker runs (for tools and tests). */
  get logManager(): LogManager | undefined {
    return this.logs;
  }

  /** The partitions this broker holds while it runs in cluster mode (for tests). */
  get replicaManager(): ReplicaManager | undefined {
    return this.replicas;
  }

  /** The broker's view of its cluster while it runs in cluster mode (for tools and tests). */
  get cluster(): ClusterMembership | undefined {
    return this.membership;
  }

  /** The port the first listener is bound to (the real one when configured as 0). */
  get port(): number {
    return this.boundPort;
  }

  async start(): Promise<void> {
    const { config } = this;
    const warn = (message: string): void => this.log.warn(message);
    for (const warning of config.warnings) warn(warning);
    const membership = await this.joinCluster();
    let prepared: ReturnType<typeof prepareDataDirs>;
    try {
      prepared = prepareDataDirs(config.logDirs, config.brokerId, membership?.clusterId ?? config.clusterId);
    } catch (err) {
      membership?.zk.close();
      if (!membership) throw err;
      throw new Error(
        `${(err as Error).message}: the data belongs to another cluster than the one at ` +
          `zookeeper.connect=${config.zookeeper!.connect}`,
      );
    }
    this.membership = membership;
    try {
      await this.open(prepared.clusterId, warn);
    } catch (err) {
      // A start that fails leaves the cluster too (else its session would keep the process alive).
      await this.membership?.leave().catch(() => {});
      this.membership = undefined;
      removeCreatedDirs(prepared.created);
      throw err;
    }
  }

  /** Cluster mode: connects to ZooKeeper and agrees on the cluster id; undefined for the single node. */
  private async joinCluster(): Promise<ClusterMembership | undefined> {
    const { config } = this;
    if (!config.zookeeper) return undefined;
    const membership = await ClusterMembership.join(
      {
        ...config.zookeeper,
        brokerId: config.brokerId,
        uncleanLeaderElectionEnable: config.logDefaults.uncleanLeaderElectionEnable,
        leaderBalance: config.leaderBalance,
        log: (message) => this.log.info(message),
      },
      config.clusterId ?? existingClusterId(config.logDirs),
    );
    if (config.clusterId !== undefined && config.clusterId !== membership.clusterId) {
      membership.zk.close();
      throw new Error(
        `cluster.id ${config.clusterId} is not the id of the cluster at zookeeper.connect=` +
          `${config.zookeeper.connect} (${membership.clusterId})`,
      );
    }
    return membership;
  }

  private async open(clusterId: string, warn: (message: string) => void): Promise<void> {
    const { config } = this;
    // In a cluster they live in ZooKeeper (and a ConfigSync keeps them current once the topics are open).
    const clusterConfigs = this.membership ? new ClusterConfigs(this.membership.zk) : undefined;
    const dynamic = clusterConfigs
      ? await clusterConfigs.dynamicConfigsOf(config.brokerId, warn, config.logDirs[0]!)
      : DynamicBrokerConfigs.open(config.logDirs[0]!, config.brokerId, warn);
    let logs: LogManager;
    try {
      logs = LogManager.open({
        dirs: config.logDirs,
        defaults: dynamic.logDefaults(config.logDefaults),
        retentionCheckIntervalMs: config.retentionCheckIntervalMs,
        producerIdExpirationMs: config.producerIdExpirationMs,
        producerIdExpirationCheckIntervalMs: config.producerIdExpirationCheckIntervalMs,
        checkpointIntervalMs: config.checkpointIntervalMs,
        cleanerEnabled: config.logCleanerEnable,
        log: warn,
        events: engineLogEvents(this.log),
      });
    } catch (err) {
      const dir = config.logDirs.find((d) => String((err as Error).message).includes(d));
      throw dir ? dataDirError(dir, err) : err;
    }
    this.logs = logs;
    try {
      const store = TopicStore.open(config.logDirs[0]!);
      const topics = new TopicManager(store, logs, {
        numPartitions: config.numPartitions,
        defaultReplicationFactor: config.defaultReplicationFactor,
        brokerCount: 1,
        maxPartitionsPerTopic: dynamic.intValue(
          'kiln.max.partitions.per.topic',
          config.maxPartitionsPerTopic,
        ),
        maxPartitions: dynamic.intValue('kiln.max.partitions', config.maxPartitions),
        clusterMode: this.membership !== undefined,
        warn: (message) => this.log.warn(message),
        events: engineLogEvents(this.log),
      });
      const membership = this.membership;
      const replicas = membership
        ? new ReplicaManager({
            brokerId: config.brokerId,
            topics,
            logs,
            zk: membership.zk,
            cache: membership.metadata,
            config: config.replication,
            brokerEpoch: () => membership.brokerEpoch,
            waiters: this.waiters,
            writeIsr: (topic, partition, state, zkVersion) =>
              writeIsrChange(membership.zk, topic, partition, state, zkVersion),
            log: (m) => this.log.info(m),
            onTopicsRead: (topics) => this.configSync?.refreshTopics(topics),
          })
        : undefined;
      this.replicas = replicas;
      // A broker whose session expired is no longer in the cluster: it leads and follows nothing
      // until the controller, seeing it registered again, says what to do.
      if (replicas) membership!.zk.onExpired(() => replicas.suspend());
      const listenerConfig = config.listeners[0]!;
      const advertisedConfig = config.advertisedListeners[0]!;
      const context: BrokerContext = {
        config,
        logs,
        topics,
        clusterId,
        nodeId: config.brokerId,
        // The port is filled in once the listener is bound (port 0 means "any free port").
        advertised: {
          name: advertisedConfig.name,
          host: advertisedConfig.host || '127.0.0.1',
          port: advertisedConfig.port,
        },
        log: this.log,
        responseMemory: new MemoryBudget(config.queuedMaxResponseBytes),
        dynamic,
        metadata: membership?.metadata,
        replicas,
        clusterTopics: membership
          ? new ClusterTopics(
              membership.zk,
              membership.metadata,
              {
                numPartitions: config.numPartitions,
                defaultReplicationFactor: config.defaultReplicationFactor,
                logDefaults: () => logs.defaults,
              },
              (m) => this.log.info(m),
            )
          : undefined,
        clusterConfigs,
        metrics: this.metrics,
      };
      if (membership) {
        this.configSync = new ConfigSync({
          zk: membership.zk,
          brokerId: config.brokerId,
          topics,
          logs,
          dynamic,
          applyDynamic: () => applyDynamicConfigs(context, dynamic),
          log: (m) => this.log.info(m),
          warn,
        });
        await this.configSync.start();
      }
      // Committed offsets are loaded from __consumer_offsets before the first request.
      const coordinator = await GroupCoordinator.open(context);
      this.coordinator = coordinator;
      // A commit waits for followers: their long polls on its partition answer at once.
      coordinator.store.appended = (partition) => this.waiters.notify(`${OFFSETS_TOPIC}-${partition}`);
      topics.onDelete((topic) => {
        // Offsets of a deleted topic go with it, and long polls on it answer now.
        coordinator.store.deleteTopic(topic.name);
        this.metrics?.topics.forget(topic.name);
        for (let p = 0; p < topic.partitions; p++) this.waiters.notify(`${topic.name}-${p}`);
      });
      // In a cluster the coordinator of a group is the leader of its __consumer_offsets partition.
      replicas?.onLeadershipChange((topic, partition, leading) => {
        if (topic === OFFSETS_TOPIC) void coordinator.offsetsLeadershipChanged(partition, leading);
      });
      // In a cluster the coordinator may hold no replica of a deleted topic: the controller's word goes.
      membership?.metadata.onTopicDeleted((topic) => coordinator.store.deleteTopic(topic));
      // Every handler is in place before the first connection can arrive.
      const registry = buildBrokerRegistry({
        context,
        coordinator,
        waiters: this.waiters,
        membership: this.membership,
        warn: (message) => this.log.warn(message),
      });
      const listener = new Listener((frame, connection) => registry.handle(frame, connection), {
        maxFrameBytes: config.socketRequestMaxBytes,
        frameReusable: (frame) => registry.frameReusable(frame),
        requestMemory: new MemoryBudget(config.queuedMaxRequestBytes),
        responseMemory: context.responseMemory,
        requestReadTimeoutMs: config.requestReadTimeoutMs,
        connectionsMaxIdleMs: config.connectionsMaxIdleMs,
        log: (message) => this.log.warn(message),
        debug: (message) => this.log.debug(message),
        stats: this.metrics?.requests,
        slowRequestMs: config.slowRequestMs,
        slow: slowRequestLogger(this.log, config.slowRequestMs, (key) => registry.apiName(key)),
      });
      this.boundPort = await listener
        .listen(listenerConfig.host, listenerConfig.port)
        .catch((err: unknown) => Promise.reject(listenError(listenerConfig.host, listenerConfig.port, err)));
      this.listener = listener;
      if (advertisedConfig.port === 0) context.advertised.port = this.boundPort;
      if (config.adminListener && this.metrics) {
        this.admin = await startBrokerAdmin(config.adminListener.host, config.adminListener.port, {
          brokerId: config.brokerId,
          context,
          metrics: this.metrics,
          logs: () => this.logs,
          replicas: () => this.replicas,
          membership: () => this.membership,
          coordinator: () => this.coordinator,
          connections: () => this.listener?.connectionCount,
          apiName: (key) => registry.apiName(key),
          warn,
        });
      }
      // Registered only now that the listener is bound: a client told of this broker can reach it.
      await this.membership?.register(() => ({
        id: config.brokerId,
        endpoints: [
          { listener: advertisedConfig.name, securityProtocol: 'PLAINTEXT', ...context.advertised },
        ],
        rack: config.rack,
        timestamp: Date.now(),
      }));
      this.log.info(
        {
          ...startLineFields(config, { port: this.boundPort, clusterId }),
          ...(this.admin ? { admin: `http://${config.adminListener!.host}:${this.admin.port}` } : {}),
        },
        'kiln broker started',
      );
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  async stop(): Promise<void> {
    const membership = this.membership;
    const shutdown = this.config.replication.controlledShutdown;
    // (Not while ZooKeeper is out of reach: the controller could not be found, and the stop must
    // not wait for it beyond the session's end.)
    if (
      membership?.zk.isConnected &&
      this.listener &&
      this.replicas &&
      membership.brokerEpoch >= 0 &&
      shutdown.enable
    ) {
      // A controlled shutdown (Kafka's): the controller moves this broker's leaderships to other
      // in-sync replicas while it still serves, so no partition is left without a leader.
      // Followers get every acks=1 record at once from here: no fetch lingers for more.
      this.waiters.stopLingering();
      const moved = await requestControlledShutdown({
        zk: membership.zk,
        brokerId: this.config.brokerId,
        brokerEpoch: () => membership.brokerEpoch,
        maxRetries: shutdown.maxRetries,
        // Half a session at most: the rest of the stop (leaving ZooKeeper) is bounded by one too.
        timeoutMs: Math.max(1000, Math.min(30_000, membership.zk.sessionTimeoutMs / 2)),
        retryBackoffMs: shutdown.retryBackoffMs,
        // Retrying helps only where another replica is alive to take the lead once in sync.
        worthRetrying: (remaining) =>
          remaining.some(({ topic, partition }) =>
            (membership.metadata.partition(topic, partition)?.replicas ?? []).some(
              (id) => id !== this.config.brokerId && membership.metadata.liveBrokers().has(id),
            ),
          ),
        log: (m) => this.log.info(m),
      }).catch((err: unknown) => {
        this.log.warn({ err }, 'controlled shutdown failed');
        return false;
      });
      this.log.info(moved ? 'controlled shutdown done' : 'controlled shutdown incomplete; stopping anyway');
    }
    // It leads and follows nothing from here (clients are sent elsewhere, no more fetching,
    // waiting acks=all requests answered); then out of the cluster: another broker takes over
    // as controller at once.
    await this.replicas?.stop();
    this.replicas = undefined;
    this.configSync?.stop();
    this.configSync = undefined;
    await this.membership?.leave();
    this.membership = undefined;
    // Held JoinGroup/SyncGroup requests are answered first, or the listener could never drain.
    this.coordinator?.close();
    this.coordinator = undefined;
    // Long polls answer now with what they have, so the listener can drain.
    const closing = this.listener?.close();
    this.waiters.wakeAll();
    await closing;
    this.listener = undefined;
    await this.admin?.close();
    this.admin = undefined;
    this.logs?.close();
    this.logs = undefined;
    await destroyWorkerPools();
    this.log.info('kiln broker stopped');
  }
}

/** Why the listener could not bind, in words (the port is taken, a privileged port, ...). */
function listenError(host: string, port: number, err: unknown): Error {
  const reasons: Record<string, string> = {
    EADDRINUSE: 'the port is already in use by another process',
    EACCES: 'permission denied (ports below 1024 need privileges)',
    EADDRNOTAVAIL: 'that address does not belong to this machine',
  };
  const code = errnoCode(err);
  const reason = code && reasons[code] ? `${reasons[code]} (${code})` : (err as Error).message;
  return new Error(`cannot listen on ${host.includes(':') ? `[${host}]` : host}:${port}: ${reason}`, {
    cause: err,
  });
}
