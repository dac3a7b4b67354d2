/**
 * Creating topics in cluster mode, as Kafka's brokers do in ZooKeeper mode: any broker checks the
 * request (name, counts, configs, replication factor against the live brokers), places the
 * replicas (replica-placement.ts, rack-aware when every broker has a rack) and writes the topic
 * to ZooKeeper (its config and assignment, with a new topic id); the controller then elects the
 * partitions' leaders and tells the brokers. CreateTopics answers once this broker has heard of
 * every partition's leader (or REQUEST_TIMED_OUT after the request's timeout: the topic is
 * created, its leaders are not known yet). Auto-creation (Metadata, Produce) does not wait: the
 * client is told LEADER_NOT_AVAILABLE and asks again.
 */
import { InvalidConfigError, parseLogConfig, type LogConfig } from '../../engine/index.js';
import { ErrorCode } from '../protocol/error-codes.js';
import type { MetadataCache } from './metadata-cache.js';
import { PlacementError, placeAdditionalPartitions, placeReplicas } from './replica-placement.js';
import type { TopicResult } from './topic-manager.js';
import { INTERNAL_TOPICS, newTopicId, topicNameProblem } from './topic-store.js';
import { ZkError, type ZkClient } from './zookeeper/zk-client.js';
import {
  createTopic,
  markForDeletion,
  setAssignment,
  topicAssignment,
  TopicExistsError,
  versionedAssignment,
} from './zookeeper/zk-topics.js';

const AUTO_CREATE = 'auto.create.topics.enable';

export interface ClusterTopicDefaults {
  numPartitions: number;
  defaultReplicationFactor: number;
  /** The topic defaults a config override is checked against. */
  logDefaults: () => LogConfig;
}

const fail = (errorCode: number, errorMessage: string): TopicResult => ({ errorCode, errorMessage });

export class ClusterTopics {
  /** Auto-creations in flight, so a burst of requests for one new topic writes it once. */
  private readonly creating = new Set<string>();

  constructor(
    private readonly zk: ZkClient,
    private readonly cache: MetadataCache,
    private readonly defaults: ClusterTopicDefaults,
    private readonly log: (message: string) => void,
  ) {}

  /**
   * Checks and (unless `validateOnly`) creates a topic; -1 partitions or replication factor means
   * the broker's default. `assignment`, if given, is the replicas of each partition as asked.
   * Waits up to `timeoutMs` for the leaders to be known here.
   */
  async create(
    name: string,
    partitions: number,
    replicationFactor: number,
    configs: Record<string, string>,
    options: { validateOnly?: boolean; assignment?: Map<number, number[]>; timeoutMs?: number } = {},
  ): Promise<TopicResult> {
    const problem = topicNameProblem(name);
    if (problem) return fail(ErrorCode.INVALID_TOPIC_EXCEPTION, problem);
    if (this.cache.partitions(name))
      return fail(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${name}' already exists.`);
    const collision = this.cache
      .topicNames()
      .find((t) => t !== name && t.replace(/\./g, '_') === name.replace(/\./g, '_'));
    if (collision) {
      return fail(
        ErrorCode.INVALID_TOPIC_EXCEPTION,
        `Topic '${name}' collides with existing topic: ${collision}`,
      );
    }
    try {
      parseLogConfig(configs, this.defaults.logDefaults());
    } catch (err) {
      if (err instanceof InvalidConfigError) return fail(ErrorCode.INVALID_CONFIG, err.message);
      throw err;
    }
    let assignment = options.assignment;
    if (!assignment) {
      const count = partitions === -1 ? this.defaults.numPartitions : partitions;
      const rf = replicationFactor === -1 ? this.defaults.defaultReplicationFactor : replicationFactor;
      const brokers = [...this.cache.liveBrokers().values()].map((b) => ({ id: b.id, rack: b.rack }));
      try {
        assignment = placeReplicas(brokers, count, rf);
      } catch (err) {
        if (err instanceof PlacementError) return fail(ErrorCode[err.kind], err.message);
        throw err;
      }
    }
    const topic = {
      name,
      id: newTopicId(),
      partitions: assignment.size,
      configs,
      internal: INTERNAL_TOPICS.has(name),
    };
    if (options.validateOnly) return { errorCode: ErrorCode.NONE, errorMessage: null, topic };
    try {
      await createTopic(
        this.zk,
        name,
        { topicId: topic.id, partitions: assignment, addingReplicas: new Map(), removingReplicas: new Map() },
        configs,
      );
    } catch (err) {
      if (err instanceof TopicExistsError)
        return fail(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${name}' already exists.`);
      return fail(
        ErrorCode.UNKNOWN_SERVER_ERROR,
        `cannot write topic ${name} to ZooKeeper: ${(err as Error).message}`,
      );
    }
    this.log(`created topic ${name} (${assignment.size} partitions) in ZooKeeper`);
    if (
      options.timeoutMs !== undefined &&
      !(await this.leadersKnown(name, assignment.size, options.timeoutMs))
    ) {
      return {
        errorCode: ErrorCode.REQUEST_TIMED_OUT,
        errorMessage: 'the topic is created; its leaders are not known yet',
        topic,
      };
    }
    return { errorCode: ErrorCode.NONE, errorMessage: null, topic };
  }

  /**
   * Auto-creation: starts creating the topic (the defaults unless given, as for __consumer_offsets)
   * and answers LEADER_NOT_AVAILABLE at once; errors are logged. `reason` says, in the log, what
   * asked for the topic (a Metadata or Produce request, the group coordinator).
   */
  autoCreate(
    name: string,
    partitions = -1,
    replicationFactor = -1,
    configs: Record<string, string> = {},
    reason = `a client asked for it (${AUTO_CREATE})`,
  ): TopicResult {
    const problem = topicNameProblem(name);
    if (problem) return fail(ErrorCode.INVALID_TOPIC_EXCEPTION, problem);
    if (!this.creating.has(name)) {
      this.creating.add(name);
      this.log(`auto-creating topic ${name}: ${reason}`);
      void this.create(name, partitions, replicationFactor, configs)
        .then((result) => {
          if (result.errorCode !== ErrorCode.NONE && result.errorCode !== ErrorCode.TOPIC_ALREADY_EXISTS) {
            this.log(`could not create topic ${name}: ${result.errorMessage}`);
          }
        })
        .finally(() => this.creating.delete(name));
    }
    return { errorCode: ErrorCode.LEADER_NOT_AVAILABLE, errorMessage: null };
  }

  /**
   * Marks the topic for deletion in ZooKeeper (the controller deletes it on every replica) and
   * waits up to `timeoutMs` for this broker to hear that it is gone (REQUEST_TIMED_OUT after: the
   * deletion goes on, it is not done yet).
   */
  async delete(name: string, timeoutMs: number): Promise<TopicResult> {
    if (!this.cache.partitions(name)) {
      return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'This server does not host this topic-partition.');
    }
    if (INTERNAL_TOPICS.has(name)) {
      return fail(
        ErrorCode.INVALID_TOPIC_EXCEPTION,
        `Topic ${name} is an internal topic and cannot be deleted.`,
      );
    }
    try {
      await markForDeletion(this.zk, name);
    } catch (err) {
      return fail(
        ErrorCode.UNKNOWN_SERVER_ERROR,
        `cannot mark ${name} for deletion: ${(err as Error).message}`,
      );
    }
    this.log(`topic ${name} marked for deletion`);
    const deadline = Date.now() + timeoutMs;
    while (this.cache.partitions(name)) {
      if (Date.now() >= deadline) {
        return fail(ErrorCode.REQUEST_TIMED_OUT, 'the topic is marked for deletion; it is not deleted yet');
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return { errorCode: ErrorCode.NONE, errorMessage: null };
  }

  /**
   * Grows the topic to `count` partitions (CreatePartitions): the new ones placed as Kafka places
   * them (continuing the existing assignment) unless `assignment` gives their replicas, written
   * to ZooKeeper version-checked; waits up to `timeoutMs` for their leaders to be known here.
   */
  async addPartitions(
    name: string,
    count: number,
    options: { validateOnly?: boolean; assignment?: number[][]; timeoutMs?: number } = {},
  ): Promise<TopicResult> {
    for (;;) {
      const current = await versionedAssignment(this.zk, name);
      if (!current) return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `The topic '${name}' does not exist.`);
      if (INTERNAL_TOPICS.has(name)) return fail(ErrorCode.INVALID_REQUEST, `${name} is an internal topic`);
      const existing = current.assignment.partitions;
      if (count <= existing.size) {
        return fail(
          ErrorCode.INVALID_PARTITIONS,
          count === existing.size
            ? `Topic already has ${existing.size} partitions.`
            : `Topic currently has ${existing.size} partitions, which is higher than the requested ${count}.`,
        );
      }
      let added: Map<number, number[]>;
      if (options.assignment) {
        const live = this.cache.liveBrokers();
        const width = existing.get(0)?.length ?? 1;
        if (options.assignment.length !== count - existing.size) {
          return fail(
            ErrorCode.INVALID_REPLICA_ASSIGNMENT,
            `Increasing the number of partitions by ${count - existing.size} but ${options.assignment.length} assignments provided.`,
          );
        }
        const bad = options.assignment.find(
          (r) => r.length !== width || new Set(r).size !== r.length || r.some((id) => !live.has(id)),
        );
        if (bad) {
          return fail(
            ErrorCode.INVALID_REPLICA_ASSIGNMENT,
            `Replica assignment [${bad.join(', ')}] is invalid.`,
          );
        }
        added = new Map(options.assignment.map((replicas, i) => [existing.size + i, [...replicas]]));
      } else {
        const brokers = [...this.cache.liveBrokers().values()].map((b) => ({ id: b.id, rack: b.rack }));
        try {
          added = placeAdditionalPartitions(brokers, existing, count);
        } catch (err) {
          if (err instanceof PlacementError) return fail(ErrorCode[err.kind], err.message);
          throw err;
        }
      }
      if (options.validateOnly) return { errorCode: ErrorCode.NONE, errorMessage: null };
      const partitions = new Map([...existing, ...added]);
      try {
        await setAssignment(this.zk, name, { ...current.assignment, partitions }, current.version);
      } catch (err) {
        if (err instanceof ZkError && err.code === 'BAD_VERSION') continue; // changed meanwhile: again
        return fail(
          ErrorCode.UNKNOWN_SERVER_ERROR,
          `cannot write ${name}'s partitions: ${(err as Error).message}`,
        );
      }
      this.log(`topic ${name} grown to ${count} partitions in ZooKeeper`);
      if (options.timeoutMs !== undefined && !(await this.leadersKnown(name, count, options.timeoutMs))) {
        return fail(ErrorCode.REQUEST_TIMED_OUT, 'the partitions are added; their leaders are not known yet');
      }
      return { errorCode: ErrorCode.NONE, errorMessage: null };
    }
  }

  /** The topic's partition count as ZooKeeper has it (every partition, led or not), or undefined. */
  async partitionCount(name: string): Promise<number | undefined> {
    return (await topicAssignment(this.zk, name))?.partitions.size;
  }

  private async leadersKnown(name: string, count: number, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const partitions = this.cache.partitions(name);
      if (partitions && partitions.size === count && [...partitions.values()].every((p) => p.leader >= 0))
        return true;
      if (Date.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}
