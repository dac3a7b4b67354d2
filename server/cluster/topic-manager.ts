/**
 * Creating, deleting and growing topics on this node: the rules (names, counts, replication
 * factor, configs) with Kafka's error codes, the topic store, and the partition logs in the engine.
 */
import { InvalidConfigError, parseLogConfig, type LogManager } from '../../engine/index.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { topicNameProblem, type TopicInfo, type TopicStore } from './topic-store.js';

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
}

const ok = (topic: TopicInfo): TopicResult => ({ errorCode: ErrorCode.NONE, errorMessage: null, topic });
const fail = (errorCode: number, errorMessage: string): TopicResult => ({ errorCode, errorMessage });

export class TopicManager {
  private readonly deleteListeners: ((topic: TopicInfo) => void)[] = [];

  constructor(
    readonly store: TopicStore,
    private readonly logs: LogManager,
    private readonly defaults: TopicDefaults,
  ) {
    // Every partition of every known topic has a log, whatever happened to the directories.
    for (const topic of store.list()) {
      logs.setTopicConfig(topic.name, topic.configs);
      for (let p = 0; p < topic.partitions; p++) logs.getOrCreateLog(topic.name, p);
    }
  }

  /**
   * Checks (and unless `validateOnly`, creates) a topic. -1 for partitions or replication factor
   * means the broker's default, as in CreateTopics v4+.
   */
  create(
    name: string,
    partitions: number,
    replicationFactor: number,
    configs: Record<string, string>,
    validateOnly = false,
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
    if (validateOnly) return ok({ name, id: '', partitions: count, configs, internal: false });
    const topic = this.store.create(name, count, configs, name.startsWith('__'));
    this.logs.setTopicConfig(name, configs);
    for (let p = 0; p < count; p++) this.logs.getOrCreateLog(name, p);
    return ok(topic);
  }

  /** Called with each deleted topic (group offsets go, long polls on it wake up). */
  onDelete(listener: (topic: TopicInfo) => void): void {
    this.deleteListeners.push(listener);
  }

  delete(name: string): TopicResult {
    const topic = this.store.get(name);
    if (!topic)
      return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'This server does not host this topic-partition.');
    if (topic.internal) {
      return fail(
        ErrorCode.INVALID_TOPIC_EXCEPTION,
        `Topic ${name} is an internal topic and cannot be deleted.`,
      );
    }
    // The data goes first: a crash half way leaves a known topic with empty logs (made again at
    // start), never old data left on disk for a new topic of the same name to find.
    for (let p = 0; p < topic.partitions; p++) this.logs.deleteLog(name, p);
    this.store.delete(name);
    for (const listener of this.deleteListeners) listener(topic);
    return ok(topic);
  }

  /** Grows a topic to `count` partitions (CreatePartitions). */
  addPartitions(name: string, count: number, validateOnly = false): TopicResult {
    const topic = this.store.get(name);
    if (!topic)
      return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'This server does not host this topic-partition.');
    if (count <= topic.partitions) {
      return fail(
        ErrorCode.INVALID_PARTITIONS,
        `Topic currently has ${topic.partitions} partitions, which is higher than the requested ${count}.`,
      );
    }
    if (validateOnly) return ok(topic);
    for (let p = topic.partitions; p < count; p++) this.logs.getOrCreateLog(name, p);
    this.store.setPartitions(name, count);
    return ok(topic);
  }
}
