/**
 * Creating, deleting and growing topics on this node: the rules (names, counts, replication
 * factor, configs) with Kafka's error codes, the topic store, and the partition logs in the engine.
 */
import { InvalidConfigError, parseLogConfig, type LogEvents, type LogManager } from '../../engine/index.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { descriptorProblem } from './descriptor-budget.js';
import { INTERNAL_TOPICS, topicNameProblem, type TopicInfo, type TopicStore } from './topic-store.js';

export interface TopicResult {
  errorCode: number;
  errorMessage: string | null;
  topic?: TopicInfo;
}

export interface TopicDefaults {
  numPartitions: number;
  defaultReplicationFactor: number;
  /** Brokers in the cluster: the most replicas a partition can have. */
  brokerCount: number;
  /** kiln.max.partitions.per.topic: the most partitions one topic may have. */
  maxPartitionsPerTopic?: number;
  /** kiln.max.partitions: the most partitions this broker may host, all topics together. */
  maxPartitions?: number;
  /** Cluster mode: partitions are made when the controller assigns them here, not at start. */
  clusterMode?: boolean;
  /** Where a partition that cannot be made at start is reported (stderr by default). */
  warn?: (message: string) => void;
  /** Where each topic created is said (info); nowhere when absent. */
  events?: Pick<LogEvents, 'info'>;
}

const ok = (topic: TopicInfo): TopicResult => ({ errorCode: ErrorCode.NONE, errorMessage: null, topic });
const fail = (errorCode: number, errorMessage: string): TopicResult => ({ errorCode, errorMessage });
const storageFailure = (what: string, err: unknown): TopicResult =>
  fail(ErrorCode.KAFKA_STORAGE_ERROR, `${what}: ${(err as Error).message}`);

export class TopicManager {
  private readonly deleteListeners: ((topic: TopicInfo) => void)[] = [];
  /** Partitions of known topics whose logs could not be made at start. */
  readonly offline: { topic: string; partition: number }[] = [];

  constructor(
    readonly store: TopicStore,
    private readonly logs: LogManager,
    private readonly defaults: TopicDefaults,
  ) {
    // Every partition of every known topic has a log, whatever happened to the directories. One
    // that cannot be made now (a full disk, no descriptors left) stays offline until the next
    // start, said once: a broker that cannot start is worse than one partition that answers an error.
    const warn = defaults.warn ?? ((message: string) => process.stderr.write(`kiln: ${message}\n`));
    if (store.damage) this.adoptLogs(warn);
    for (const topic of store.list()) {
      logs.setTopicConfig(topic.name, topic.configs);
      // In a cluster a broker holds only its replicas: the controller says which (LeaderAndIsr).
      if (defaults.clusterMode) continue;
      const failed: number[] = [];
      let reason = '';
      for (let p = 0; p < topic.partitions; p++) {
        try {
          logs.getOrCreateLog(topic.name, p);
        } catch (err) {
          failed.push(p);
          reason = (err as Error).message;
        }
      }
      if (failed.length > 0) {
        this.offline.push(...failed.map((partition) => ({ topic: topic.name, partition })));
        warn(
          `${failed.length} partitions of ${topic.name} (first ${failed[0]}) cannot be made and are offline: ${reason}`,
        );
      }
    }
  }

  /**
   * The topic store was damaged: every topic with partition directories is known again, with as
   * many partitions as its highest directory says and default configs (the overrides were in the
   * damaged file). __consumer_offsets is left to the offset store, which makes it again with its
   * own configs and finds its directories.
   */
  private adoptLogs(warn: (message: string) => void): void {
    const counts = new Map<string, number>();
    for (const log of this.logs.allLogs())
      counts.set(log.topic, Math.max(counts.get(log.topic) ?? 0, log.partition + 1));
    counts.delete('__consumer_offsets');
    for (const [name, partitions] of counts)
      this.store.create(name, partitions, {}, INTERNAL_TOPICS.has(name));
    warn(
      `${this.store.damage}: ${counts.size} topics taken from the partition directories, with default configs`,
    );
  }

  /**
   * Checks (and unless `validateOnly`, creates) a topic. -1 for partitions or replication factor
   * means the broker's default, as in CreateTopics v4+. `reason`, when given, is why the topic is
   * made without a CreateTopics request (auto-creation), for the log line.
   */
  create(
    name: string,
    partitions: number,
    replicationFactor: number,
    configs: Record<string, string>,
    validateOnly = false,
    reason?: string,
  ): TopicResult {
    const problem = topicNameProblem(name);
    if (problem) return fail(ErrorCode.INVALID_TOPIC_EXCEPTION, problem);
    if (this.store.get(name)) return fail(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${name}' already exists.`);
    const collision = this.store.collision(name);
    if (collision) {
      return fail(
        ErrorCode.INVALID_TOPIC_EXCEPTION,
        `Topic '${name}' collides with existing topic: ${collision}`,
      );
    }
    const count = partitions === -1 ? this.defaults.numPartitions : partitions;
    if (count <= 0) return fail(ErrorCode.INVALID_PARTITIONS, 'Number of partitions must be larger than 0.');
    const replicas = replicationFactor === -1 ? this.defaults.defaultReplicationFactor : replicationFactor;
    if (replicas <= 0)
      return fail(ErrorCode.INVALID_REPLICATION_FACTOR, 'Replication factor must be larger than 0.');
    if (replicas > this.defaults.brokerCount) {
      return fail(
        ErrorCode.INVALID_REPLICATION_FACTOR,
        `Replication factor: ${replicas} larger than available brokers: ${this.defaults.brokerCount}.`,
      );
    }
    try {
      parseLogConfig(configs, this.logs.defaults);
    } catch (err) {
      if (err instanceof InvalidConfigError) return fail(ErrorCode.INVALID_CONFIG, err.message);
      throw err;
    }
    const tooMany = this.partitionCountProblem(count, count);
    if (tooMany) return fail(ErrorCode.INVALID_PARTITIONS, tooMany);
    if (validateOnly) return ok({ name, id: '', partitions: count, configs, internal: false });
    // All or nothing: the logs first, then the store; anything that fails undoes what was made, so
    // no half-created topic can become real at the next start.
    const made = this.createLogs(name, 0, count, configs);
    if (made) return made;
    let topic: TopicInfo;
    try {
      topic = this.store.create(name, count, configs, INTERNAL_TOPICS.has(name));
    } catch (err) {
      this.dropLogs(name, 0, count);
      return storageFailure(`cannot save topic ${name}`, err);
    }
    const how = reason === undefined ? 'created' : `auto-created (${reason})`;
    this.defaults.events?.info(`topic ${name} ${how} with ${count} partition(s)`, {
      topic: name,
      partitions: count,
      replicationFactor: replicas,
      ...(reason === undefined ? {} : { autoCreated: true, reason }),
    });
    return ok(topic);
  }

  /**
   * Auto-creation (auto.create.topics.enable) of a topic a client named: the broker's defaults,
   * and a log line saying why (`reason`: the request that asked for it).
   */
  autoCreate(name: string, reason: string): TopicResult {
    return this.create(name, -1, -1, {}, false, reason);
  }

  /**
   * Cluster mode: makes this broker a replica of one partition of a topic the cluster made (its id,
   * partition count and configs as ZooKeeper has them): the topic recorded, the log created if
   * missing. Undefined on success, else the failure (KAFKA_STORAGE_ERROR).
   */
  hostReplica(
    name: string,
    id: string,
    partitionCount: number,
    configs: Record<string, string>,
    partition: number,
  ): TopicResult | undefined {
    try {
      this.store.adopt(name, id, partitionCount, configs);
      this.logs.setTopicConfig(name, configs);
      this.logs.getOrCreateLog(name, partition);
      return undefined;
    } catch (err) {
      return storageFailure(`cannot host partition ${partition} of ${name}`, err);
    }
  }

  /** New partition limits (dynamic broker configs): later creations are checked against them. */
  setLimits(limits: Pick<TopicDefaults, 'maxPartitionsPerTopic' | 'maxPartitions'>): void {
    Object.assign(this.defaults, limits);
  }

  /**
   * Why a topic of `topicTotal` partitions, `adding` of them new, is over the broker's bounds
   * (kiln.max.partitions.per.topic, kiln.max.partitions, the descriptor limit), or undefined.
   */
  private partitionCountProblem(topicTotal: number, adding: number): string | undefined {
    const perTopic = this.defaults.maxPartitionsPerTopic ?? Number.MAX_SAFE_INTEGER;
    if (topicTotal > perTopic)
      return `${topicTotal} partitions is more than kiln.max.partitions.per.topic (${perTopic}).`;
    const max = this.defaults.maxPartitions ?? Number.MAX_SAFE_INTEGER;
    let hosted = 0;
    for (const topic of this.store.list()) hosted += topic.partitions;
    if (hosted + adding > max)
      return `${adding} more partitions would make ${hosted + adding} on this broker, more than kiln.max.partitions (${max}).`;
    return descriptorProblem(adding);
  }

  /** Creates partitions [from, to) of `name`; on failure removes them again and says why. */
  private createLogs(
    name: string,
    from: number,
    to: number,
    configs: Record<string, string> | undefined,
  ): TopicResult | undefined {
    try {
      if (configs) this.logs.setTopicConfig(name, configs);
      for (let p = from; p < to; p++) this.logs.getOrCreateLog(name, p);
      return undefined;
    } catch (err) {
      this.dropLogs(name, from, to);
      return storageFailure(`cannot create the partitions of ${name}`, err);
    }
  }

  private dropLogs(name: string, from: number, to: number): void {
    for (let p = from; p < to; p++) {
      try {
        this.logs.deleteLog(name, p);
      } catch {
        // Not made, or cannot go: a directory left behind with no topic in the store is removed
        // at the next start only if renamed; one that is not stays an orphan and is reported then.
      }
    }
  }

  /** Called with each deleted topic (group offsets go, long polls on it wake up). */
  onDelete(listener: (topic: TopicInfo) => void): void {
    this.deleteListeners.push(listener);
  }

  /** Deletes a topic's logs and entry; `internalToo` (the controller's deletion in a cluster) skips the internal-topic refusal. */
  delete(name: string, options: { internalToo?: boolean } = {}): TopicResult {
    const topic = this.store.get(name);
    if (!topic)
      return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'This server does not host this topic-partition.');
    if (topic.internal && !options.internalToo) {
      return fail(
        ErrorCode.INVALID_TOPIC_EXCEPTION,
        `Topic ${name} is an internal topic and cannot be deleted.`,
      );
    }
    // The data goes first: a crash half way leaves a known topic with empty logs (made again at
    // start), never old data left on disk for a new topic of the same name to find. A partition
    // that cannot be removed fails the deletion: the topic stays, and a retry goes on from there.
    for (let p = 0; p < topic.partitions; p++) {
      try {
        this.logs.deleteLog(name, p);
      } catch (err) {
        return storageFailure(`cannot delete partition ${p} of ${name}`, err);
      }
    }
    this.store.delete(name);
    for (const listener of this.deleteListeners) listener(topic);
    return ok(topic);
  }

  /**
   * Deletes this broker's replica of one partition (a partition move took it elsewhere): its log
   * goes; the topic leaves the store, without telling the delete listeners (the topic lives on
   * elsewhere, and so do its committed offsets), once no partition of it is left here.
   */
  dropReplica(name: string, partition: number): TopicResult | undefined {
    const topic = this.store.get(name);
    if (!topic) return undefined;
    try {
      this.logs.deleteLog(name, partition);
    } catch (err) {
      return storageFailure(`cannot delete partition ${partition} of ${name}`, err);
    }
    for (let p = 0; p < topic.partitions; p++) if (this.logs.getLog(name, p)) return undefined;
    try {
      this.store.delete(name);
    } catch (err) {
      return storageFailure(`cannot save the topics without ${name}`, err);
    }
    return undefined;
  }

  /** Grows a topic to `count` partitions (CreatePartitions). */
  addPartitions(name: string, count: number, validateOnly = false): TopicResult {
    const topic = this.store.get(name);
    if (!topic)
      return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'This server does not host this topic-partition.');
    if (topic.internal)
      return fail(
        ErrorCode.INVALID_REQUEST,
        `Topic ${name} is an internal topic: its partition count is fixed.`,
      );
    if (count <= topic.partitions) {
      return fail(
        ErrorCode.INVALID_PARTITIONS,
        `Topic currently has ${topic.partitions} partitions, which is higher than the requested ${count}.`,
      );
    }
    const tooMany = this.partitionCountProblem(count, count - topic.partitions);
    if (tooMany) return fail(ErrorCode.INVALID_PARTITIONS, tooMany);
    if (validateOnly) return ok(topic);
    const made = this.createLogs(name, topic.partitions, count, undefined);
    if (made) return made;
    try {
      this.store.setPartitions(name, count);
    } catch (err) {
      this.dropLogs(name, topic.partitions, count);
      return storageFailure(`cannot save topic ${name}`, err);
    }
    return ok(topic);
  }
}
