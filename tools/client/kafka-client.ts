/**
 * A small Kafka client for the admin and console tools, built on Kiln's own protocol code (the
 * schemas in server/protocol/apis and the one codec), so it speaks every version Kiln declares.
 *
 * Each broker connection negotiates versions with ApiVersions once and then uses, per API, the
 * highest version both sides support. Requests are pipelined and matched to responses by
 * correlation id. Partition requests go to each partition's leader and group requests to the
 * group's coordinator (FindCoordinator), so nothing here assumes a single-node cluster.
 */
import { DescribeConfigsApi } from '../../server/protocol/apis/describe-configs.js';
import { FindCoordinatorApi } from '../../server/protocol/apis/find-coordinator.js';
import { IncrementalAlterConfigsApi } from '../../server/protocol/apis/incremental-alter-configs.js';
import { ListOffsetsApi } from '../../server/protocol/apis/list-offsets.js';
import { MetadataApi } from '../../server/protocol/apis/metadata.js';
import { OffsetFetchApi } from '../../server/protocol/apis/offset-fetch.js';
import { ErrorCode } from '../../server/protocol/error-codes.js';
import { Connection } from '../../server/client/connection.js';
import { parseBootstrap } from './broker-address.js';
import { BrokerConnectionError, KafkaError, checkError } from '../../server/client/errors.js';
import { configEntryOf, type ConfigEntry } from './config-entry.js';
import { commitOffsetsOn } from './offset-commit.js';

export { Connection } from '../../server/client/connection.js';
export { commitOffsetsOn } from './offset-commit.js';
export type { ConfigEntry } from './config-entry.js';
export { BrokerConnectionError, KafkaError, checkError, errorName } from '../../server/client/errors.js';
export { murmur2, partitionForKey } from './partitioner.js';
export { BadAddressError, parseBootstrap, parseHostPort } from './broker-address.js';

/** How often, and how patiently, a producer asks for the metadata of a topic being created. */
const PRODUCER_METADATA_ATTEMPTS = 6;
const PRODUCER_METADATA_BACKOFF_MS = 100;

/** ListOffsets' special timestamps. */
export const LATEST = -1;

/** How often ListOffsets is asked while a new leader's high watermark is not current (100 ms apart). */
const OFFSET_NOT_AVAILABLE_TRIES = 50;
export const EARLIEST = -2;

export interface PartitionMetadata {
  partition: number;
  leader: number;
  replicas: number[];
  isr: number[];
  errorCode: number;
}

export interface TopicMetadata {
  name: string;
  topicId: string;
  errorCode: number;
  isInternal: boolean;
  partitions: PartitionMetadata[];
}

export interface ClusterMetadata {
  brokers: Map<number, { host: string; port: number }>;
  controllerId: number;
  topics: TopicMetadata[];
}

/** The tools' client: a bootstrap connection plus one connection per broker it needs to reach. */
export class KafkaClient {
  private readonly nodes = new Map<number, Promise<Connection>>();
  private brokers = new Map<number, { host: string; port: number }>();

  private constructor(
    readonly bootstrap: Connection,
    private readonly clientId: string,
  ) {}

  static async connect(bootstrapServers: string, clientId = 'kiln-cli'): Promise<KafkaClient> {
    const failures: BrokerConnectionError[] = [];
    // Like Kafka clients: try each bootstrap address in turn.
    for (const { host, port } of parseBootstrap(bootstrapServers)) {
      try {
        return new KafkaClient(await Connection.open(host, port, clientId), clientId);
      } catch (err) {
        if (!(err instanceof BrokerConnectionError)) throw err;
        failures.push(err);
      }
    }
    if (failures.length === 1) throw failures[0]!;
    throw new BrokerConnectionError(
      bootstrapServers,
      failures.map((f) => f.reason).join(', '),
      `cannot reach any broker of ${failures.map((f) => `${f.address} (${f.reason})`).join(', ')}`,
    );
  }

  /** Metadata for `topics` (all topics when null); remembers the brokers for later routing. */
  async metadata(topics: string[] | null = null, allowAutoTopicCreation = false): Promise<ClusterMetadata> {
    const response = await this.bootstrap.request(MetadataApi, {
      topics: topics ? topics.map((name) => ({ name })) : null,
      allowAutoTopicCreation,
    });
    const brokers = new Map<number, { host: string; port: number }>();
    for (const b of response.brokers) {
      brokers.set(b.nodeId, { host: b.host, port: b.port });
    }
    this.brokers = brokers;
    const result = response.topics.map((t) => ({
      // A topic is named in every answer to a request that names topics (null only for one asked by id).
      name: t.name ?? '',
      topicId: t.topicId,
      errorCode: t.errorCode,
      isInternal: t.isInternal,
      partitions: t.partitions
        .map((p) => ({
          partition: p.partitionIndex,
          leader: p.leaderId,
          replicas: p.replicaNodes,
          isr: p.isrNodes,
          errorCode: p.errorCode,
        }))
        .sort((a, b) => a.partition - b.partition),
    }));
    return { brokers, controllerId: response.controllerId, topics: result };
  }

  /** Metadata of one topic, which must exist. */
  async topic(name: string): Promise<TopicMetadata> {
    const meta = await this.metadata([name]);
    const topic = meta.topics[0];
    if (!topic) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic ${name}`);
    checkError(topic.errorCode, `topic ${name}`);
    return topic;
  }

  /**
   * Metadata of the topic a producer writes to. Like Kafka's producer, the Metadata request lets
   * the broker create a missing topic (auto.create.topics.enable), and while the answer is
   * LEADER_NOT_AVAILABLE or UNKNOWN_TOPIC_OR_PARTITION (just created, or no leader yet) it asks
   * again a few times; a topic still missing after that was refused by the broker.
   */
  async producerTopic(name: string, attempts = PRODUCER_METADATA_ATTEMPTS): Promise<TopicMetadata> {
    let backoff = PRODUCER_METADATA_BACKOFF_MS;
    for (let attempt = 1; ; attempt++) {
      const topic = (await this.metadata([name], true)).topics.find((t) => t.name === name);
      const code = topic?.errorCode ?? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
      const leaderless = topic?.partitions.find((p) => p.errorCode !== ErrorCode.NONE || p.leader < 0);
      if (topic && code === ErrorCode.NONE && topic.partitions.length > 0 && !leaderless) return topic;
      const waiting =
        code === ErrorCode.NONE ||
        code === ErrorCode.LEADER_NOT_AVAILABLE ||
        code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
      if (!waiting) checkError(code, `topic ${name}`);
      if (attempt >= attempts) {
        if (code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) {
          throw new KafkaError(
            code,
            `topic ${name}`,
            'it does not exist and the broker did not create it (auto.create.topics.enable=false?); ' +
              'create it with kiln topics --create',
          );
        }
        throw new KafkaError(
          code === ErrorCode.NONE ? (leaderless?.errorCode ?? ErrorCode.LEADER_NOT_AVAILABLE) : code,
          `topic ${name}`,
          'no leader for every partition yet',
        );
      }
      await new Promise((resolve) => setTimeout(resolve, backoff));
      backoff = Math.min(backoff * 2, 1000);
    }
  }

  /** A connection to broker `nodeId` (known from the last Metadata). */
  node(nodeId: number): Promise<Connection> {
    let conn = this.nodes.get(nodeId);
    if (!conn) {
      const broker = this.brokers.get(nodeId);
      if (!broker) return Promise.reject(new KafkaError(ErrorCode.LEADER_NOT_AVAILABLE, `broker ${nodeId}`));
      conn = Connection.open(broker.host, broker.port, this.clientId);
      this.nodes.set(nodeId, conn);
    }
    return conn;
  }

  /** The controller (admin requests go there); the bootstrap broker when none is named. */
  async controller(): Promise<Connection> {
    const meta = await this.metadata([]);
    return meta.controllerId >= 0 && meta.brokers.has(meta.controllerId)
      ? this.node(meta.controllerId)
      : this.bootstrap;
  }

  /** The coordinator of consumer group `group`. */
  async coordinator(group: string): Promise<Connection> {
    const response = await this.bootstrap.request(FindCoordinatorApi, {
      key: group,
      keyType: 0,
      coordinatorKeys: [group],
    });
    // v4+ answers per key in a list; older versions answer at the top level.
    const answer = response.coordinators[0] ?? response;
    checkError(answer.errorCode, `FindCoordinator for group ${group}`, answer.errorMessage);
    const nodeId = answer.nodeId;
    if (!this.brokers.has(nodeId)) this.brokers.set(nodeId, { host: answer.host, port: answer.port });
    return this.node(nodeId);
  }

  /** Groups partitions by their leader, so each request goes to the broker that serves them. */
  byLeader(topic: TopicMetadata, partitions: number[]): Map<number, number[]> {
    const groups = new Map<number, number[]>();
    for (const p of partitions) {
      const meta = topic.partitions.find((m) => m.partition === p);
      if (!meta) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `${topic.name}-${p}`);
      checkError(meta.errorCode, `${topic.name}-${p}`);
      const list = groups.get(meta.leader) ?? [];
      list.push(p);
      groups.set(meta.leader, list);
    }
    return groups;
  }

  /**
   * The offset for `timestamp` (or LATEST / EARLIEST) of each partition; -1 when none. A leader
   * just elected answers OFFSET_NOT_AVAILABLE until its high watermark is current: asked again.
   */
  async listOffsets(
    topic: TopicMetadata,
    partitions: number[],
    timestamp: number,
  ): Promise<Map<number, number>> {
    const result = new Map<number, number>();
    for (const [leader, list] of this.byLeader(topic, partitions)) {
      const conn = await this.node(leader);
      let asking = list;
      for (let attempt = 1; asking.length > 0; attempt++) {
        const response = await conn.request(ListOffsetsApi, {
          replicaId: -1,
          isolationLevel: 0,
          topics: [{ name: topic.name, partitions: asking.map((p) => ({ partitionIndex: p, timestamp })) }],
        });
        const again: number[] = [];
        for (const t of response.topics) {
          for (const p of t.partitions) {
            if (p.errorCode === ErrorCode.OFFSET_NOT_AVAILABLE && attempt < OFFSET_NOT_AVAILABLE_TRIES) {
              again.push(p.partitionIndex);
              continue;
            }
            checkError(p.errorCode, `ListOffsets ${topic.name}-${p.partitionIndex}`);
            result.set(p.partitionIndex, p.offset);
          }
        }
        asking = again;
        if (asking.length > 0) await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    return result;
  }

  /** Committed offsets of `group` (for all its topics when `topics` is null): topic → partition → offset. */
  async committedOffsets(
    group: string,
    topics: { name: string; partitionIndexes: number[] }[] | null = null,
  ): Promise<Map<string, Map<number, number>>> {
    const conn = await this.coordinator(group);
    const response = await conn.request(OffsetFetchApi, {
      groupId: group,
      topics,
      groups: [{ groupId: group, topics }],
      requireStable: false,
    });
    // v8+ answers per group; older versions at the top level.
    const answer = response.groups[0] ?? response;
    checkError(answer.errorCode, `OffsetFetch for group ${group}`);
    const result = new Map<string, Map<number, number>>();
    for (const t of answer.topics) {
      const partitions = new Map<number, number>();
      for (const p of t.partitions) {
        checkError(p.errorCode, `OffsetFetch ${t.name}-${p.partitionIndex}`);
        if (p.committedOffset >= 0) partitions.set(p.partitionIndex, p.committedOffset);
      }
      result.set(t.name, partitions);
    }
    return result;
  }

  /**
   * Commits offsets for `group` as a standalone consumer: generation -1 and no member id, which a
   * broker accepts for a group with no active members (Kafka's "simple consumer" commit).
   */
  async commitOffsets(group: string, topic: string, offsets: ReadonlyMap<number, number>): Promise<void> {
    await commitOffsetsOn(await this.coordinator(group), group, topic, offsets, -1, '');
  }

  /** DescribeConfigs of one resource (2 = topic, 4 = broker). */
  async describeConfigs(resourceType: number, resourceName: string): Promise<ConfigEntry[]> {
    const conn =
      resourceType === 4 && /^\d+$/.test(resourceName)
        ? await this.brokerConn(Number(resourceName))
        : this.bootstrap;
    const response = await conn.request(DescribeConfigsApi, {
      resources: [{ resourceType, resourceName, configurationKeys: null }],
      includeSynonyms: true,
      includeDocumentation: false,
    });
    const result = response.results[0];
    if (!result) throw new Error('DescribeConfigs: empty answer');
    checkError(result.errorCode, `DescribeConfigs ${resourceName}`, result.errorMessage);
    return result.configs.map(configEntryOf);
  }

  private async brokerConn(nodeId: number): Promise<Connection> {
    await this.metadata([]);
    return this.brokers.has(nodeId) ? this.node(nodeId) : this.bootstrap;
  }

  /** IncrementalAlterConfigs: sets and deletes keys of one resource. */
  async alterConfigs(
    resourceType: number,
    resourceName: string,
    set: Map<string, string>,
    remove: string[],
  ): Promise<void> {
    const conn =
      resourceType === 4 && /^\d+$/.test(resourceName)
        ? await this.brokerConn(Number(resourceName))
        : await this.controller();
    const configs = [
      ...[...set].map(([name, value]) => ({ name, configOperation: 0, value })),
      ...remove.map((name) => ({ name, configOperation: 1, value: null })),
    ];
    const response = await conn.request(IncrementalAlterConfigsApi, {
      resources: [{ resourceType, resourceName, configs }],
      validateOnly: false,
    });
    for (const r of response.responses) {
      checkError(r.errorCode, `IncrementalAlterConfigs ${resourceName}`, r.errorMessage);
    }
  }

  close(): void {
    this.bootstrap.close();
    for (const conn of this.nodes.values()) conn.then((c) => c.close()).catch(() => {});
  }
}
