/**
 * ReassignAdmin over the wire, with the tools' KafkaClient: Metadata for brokers (racks included)
 * and partitions; AlterPartitionReassignments and ListPartitionReassignments to the controller
 * (asked again, a few times, when the controller moved between finding it and asking it);
 * DescribeConfigs and IncrementalAlterConfigs (a broker's own configs go to that broker);
 * AlterReplicaLogDirs and DescribeLogDirs to the broker holding the replicas; ListOffsets to a
 * partition's leader.
 */
import { AlterPartitionReassignmentsApi } from '../../server/protocol/apis/alter-partition-reassignments.js';
import { AlterReplicaLogDirsApi } from '../../server/protocol/apis/alter-replica-log-dirs.js';
import { DescribeLogDirsApi } from '../../server/protocol/apis/describe-log-dirs.js';
import { ListOffsetsApi } from '../../server/protocol/apis/list-offsets.js';
import { ListPartitionReassignmentsApi } from '../../server/protocol/apis/list-partition-reassignments.js';
import { MetadataApi } from '../../server/protocol/apis/metadata.js';
import { ErrorCode } from '../../server/protocol/error-codes.js';
import { KafkaError, LATEST, checkError, type Connection, type KafkaClient } from '../client/kafka-client.js';
import { partitionName, type PartitionRef } from './plan.js';
import type {
  ClusterView,
  ConfigResource,
  PartitionState,
  ReassignAdmin,
  ReplicaDir,
} from './reassign-admin.js';

const BROKER_RESOURCE = 4;
const TOPIC_RESOURCE = 2;
/** How long the controller may take to accept or list moves. */
const CONTROLLER_TIMEOUT_MS = 30_000;
/** Asking again after NOT_CONTROLLER: a new controller is usually elected within a second or two. */
const CONTROLLER_ATTEMPTS = 10;
const CONTROLLER_BACKOFF_MS = 300;

/** Partitions grouped by topic, in first-seen order. */
function byTopic<T extends PartitionRef>(refs: readonly T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const r of refs) groups.set(r.topic, [...(groups.get(r.topic) ?? []), r]);
  return groups;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Sends to the controller; a NOT_CONTROLLER answer (the controller moved since Metadata named it)
 * finds it again. Any other top-level error is thrown as a KafkaError.
 */
export async function onController<T extends { errorCode: number; errorMessage?: string | null }>(
  client: KafkaClient,
  what: string,
  send: (conn: Connection) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const response = await send(await client.controller());
    if (response.errorCode !== ErrorCode.NOT_CONTROLLER || attempt >= CONTROLLER_ATTEMPTS) {
      // (ElectLeaders v0 has no top-level error code.)
      checkError(response.errorCode ?? ErrorCode.NONE, what, response.errorMessage);
      return response;
    }
    await sleep(CONTROLLER_BACKOFF_MS);
  }
}

/** A broker's connection, or a KafkaError saying it does not speak `api`. */
async function brokerSpeaking(client: KafkaClient, broker: number, api: { key: number; name: string }) {
  const conn = await client.node(broker);
  try {
    conn.version(api.key);
  } catch {
    throw new KafkaError(
      ErrorCode.UNSUPPORTED_VERSION,
      `broker ${broker}`,
      `it does not support ${api.name}`,
    );
  }
  return conn;
}

const resourceOf = (r: ConfigResource): [number, string] =>
  r.kind === 'broker' ? [BROKER_RESOURCE, String(r.id)] : [TOPIC_RESOURCE, r.name];

export function kafkaReassignAdmin(client: KafkaClient): ReassignAdmin {
  return {
    async cluster(topics) {
      const meta = await client.metadata(topics);
      const raw = await client.bootstrap.request(MetadataApi, { topics: [], allowAutoTopicCreation: false });
      const racks = new Map(raw.brokers.map((b) => [b.nodeId, b.rack]));
      const view: ClusterView = {
        brokers: [...meta.brokers.keys()]
          .sort((a, b) => a - b)
          .map((id) => ({ id, rack: racks.get(id) ?? null })),
        topics: new Map(),
      };
      for (const t of meta.topics) {
        if (t.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) continue;
        checkError(t.errorCode, `topic ${t.name}`);
        const partitions: PartitionState[] = t.partitions.map((p) => ({
          topic: t.name,
          partition: p.partition,
          leader: p.leader,
          replicas: p.replicas,
          isr: p.isr,
        }));
        view.topics.set(t.name, partitions);
      }
      return view;
    },

    async alterReassignments(moves) {
      const response = await onController(client, 'AlterPartitionReassignments', (conn) =>
        conn.request(AlterPartitionReassignmentsApi, {
          timeoutMs: CONTROLLER_TIMEOUT_MS,
          topics: [...byTopic(moves)].map(([name, list]) => ({
            name,
            partitions: list.map((m) => ({ partitionIndex: m.partition, replicas: m.replicas })),
          })),
        }),
      );
      return response.responses.flatMap((t) =>
        t.partitions.map((p) => ({
          topic: t.name,
          partition: p.partitionIndex,
          errorCode: p.errorCode,
          errorMessage: p.errorMessage,
        })),
      );
    },

    async listReassignments(partitions) {
      const response = await onController(client, 'ListPartitionReassignments', (conn) =>
        conn.request(ListPartitionReassignmentsApi, {
          timeoutMs: CONTROLLER_TIMEOUT_MS,
          topics:
            partitions === null
              ? null
              : [...byTopic(partitions)].map(([name, list]) => ({
                  name,
                  partitionIndexes: list.map((p) => p.partition),
                })),
        }),
      );
      return response.topics.flatMap((t) =>
        t.partitions.map((p) => ({
          topic: t.name,
          partition: p.partitionIndex,
          replicas: p.replicas,
          adding: p.addingReplicas,
          removing: p.removingReplicas,
        })),
      );
    },

    async overrides(resource) {
      const own = resource.kind === 'broker' ? 'DYNAMIC_BROKER_CONFIG' : 'DYNAMIC_TOPIC_CONFIG';
      const entries = await client.describeConfigs(...resourceOf(resource));
      return new Set(entries.filter((e) => e.source === own).map((e) => e.name));
    },

    async alterConfigs(resource, set, remove) {
      await client.alterConfigs(...resourceOf(resource), new Map(set), [...remove]);
    },

    async alterReplicaLogDirs(broker, moves) {
      const conn = await brokerSpeaking(client, broker, AlterReplicaLogDirsApi);
      const dirs = new Map<string, (PartitionRef & { dir: string })[]>();
      for (const m of moves) dirs.set(m.dir, [...(dirs.get(m.dir) ?? []), m]);
      const response = await conn.request(AlterReplicaLogDirsApi, {
        dirs: [...dirs].map(([path, list]) => ({
          path,
          topics: [...byTopic(list)].map(([name, ps]) => ({ name, partitions: ps.map((p) => p.partition) })),
        })),
      });
      return response.results.flatMap((t) =>
        t.partitions.map((p) => ({
          topic: t.topicName,
          partition: p.partitionIndex,
          errorCode: p.errorCode,
          errorMessage: null,
        })),
      );
    },

    async describeLogDirs(broker, partitions) {
      const conn = await brokerSpeaking(client, broker, DescribeLogDirsApi);
      const response = await conn.request(DescribeLogDirsApi, {
        topics: [...byTopic(partitions)].map(([topic, list]) => ({
          topic,
          partitions: list.map((p) => p.partition),
        })),
      });
      checkError(response.errorCode, `DescribeLogDirs on broker ${broker}`);
      const replicas: ReplicaDir[] = [];
      for (const dir of response.results) {
        if (dir.errorCode !== ErrorCode.NONE) continue;
        for (const t of dir.topics)
          for (const p of t.partitions)
            replicas.push({
              topic: t.name,
              partition: p.partitionIndex,
              dir: dir.logDir,
              size: p.partitionSize,
              future: p.isFutureKey,
            });
      }
      return replicas;
    },

    async highWatermarks(leader, partitions) {
      const conn = await client.node(leader);
      const response = await conn.request(ListOffsetsApi, {
        replicaId: -1,
        isolationLevel: 0,
        topics: [...byTopic(partitions)].map(([name, list]) => ({
          name,
          partitions: list.map((p) => ({ partitionIndex: p.partition, timestamp: LATEST })),
        })),
      });
      const result = new Map<string, number>();
      for (const t of response.topics)
        for (const p of t.partitions)
          if (p.errorCode === ErrorCode.NONE)
            result.set(partitionName({ topic: t.name, partition: p.partitionIndex }), p.offset);
      return result;
    },

    sleep,
  };
}
