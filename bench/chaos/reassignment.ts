/**
 * The reassignment fault: a partition's replicas moved while the load runs (KIP-455's
 * AlterPartitionReassignments, key 45, sent to the controller through the tools' Connection), then
 * followed until the move is done: ListPartitionReassignments (key 46) no longer lists it, and
 * Metadata shows the new replica list, all in sync.
 *
 * With more brokers than the replication factor, one replica moves to a broker that had none (its
 * place in the list kept, so a moved first replica moves the preferred leader too); with as many
 * brokers as replicas, the list is only reordered (a new preferred leader). A broker without the API
 * (not offered in ApiVersions, or answered UNSUPPORTED_VERSION) makes the run skip this kind.
 */
import { AlterPartitionReassignmentsApi } from '../../server/protocol/apis/alter-partition-reassignments.js';
import { ListPartitionReassignmentsApi } from '../../server/protocol/apis/list-partition-reassignments.js';
import { ErrorCode } from '../../server/protocol/error-codes.js';
import { errorName, type Connection } from '../../tools/client/kafka-client.js';
import type { ChaosCluster } from './chaos-cluster.js';
import type { PartitionView } from './cluster-probe.js';
import { pickWith } from './seeded-random.js';

export type ReassignmentStart =
  | { outcome: 'started'; replicas: number[] }
  | { outcome: 'unsupported'; reason: string }
  | { outcome: 'refused'; reason: string };

/** The replica list a partition moves to (see the header). */
export function newReplicas(
  current: readonly number[],
  brokers: readonly number[],
  picks: [number, number],
): number[] {
  const outside = brokers.filter((b) => !current.includes(b));
  const next = [...current];
  if (outside.length > 0) {
    next[Math.min(next.length - 1, Math.floor(picks[0] * next.length))] = pickWith(outside, picks[1])!;
    return next;
  }
  const by = 1 + Math.floor(picks[1] * (next.length - 1));
  return [...next.slice(by), ...next.slice(0, by)];
}

/** Asks the controller to move `partition` to `replicas` (asking again while it is moving). */
export async function startReassignment(
  cluster: ChaosCluster,
  partition: PartitionView,
  replicas: number[],
): Promise<ReassignmentStart> {
  for (let attempt = 1; ; attempt++) {
    const view = await cluster.metadataFromAny([]);
    const controller = view?.controllerId ?? -1;
    if (controller >= 0 && cluster.node(controller).state === 'up') {
      const answer = await cluster.probe.withConnection(controller, 30_000, (conn) =>
        requestReassignment(conn, partition, replicas),
      );
      if (answer !== 'not-controller') return answer;
    }
    if (attempt >= 10) return { outcome: 'refused', reason: 'no serving controller' };
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/**
 * One AlterPartitionReassignments request on `conn`; 'not-controller' when that broker is not (or
 * no longer) the controller.
 */
export async function requestReassignment(
  conn: Connection,
  partition: Pick<PartitionView, 'topic' | 'partition'>,
  replicas: number[],
): Promise<ReassignmentStart | 'not-controller'> {
  try {
    conn.version(AlterPartitionReassignmentsApi.key);
  } catch (err) {
    return { outcome: 'unsupported', reason: (err as Error).message };
  }
  const answer = await conn.request(AlterPartitionReassignmentsApi, {
    timeoutMs: 25_000,
    topics: [{ name: partition.topic, partitions: [{ partitionIndex: partition.partition, replicas }] }],
  });
  if (answer.errorCode === ErrorCode.UNSUPPORTED_VERSION) {
    return { outcome: 'unsupported', reason: `UNSUPPORTED_VERSION ${answer.errorMessage ?? ''}`.trim() };
  }
  if (answer.errorCode === ErrorCode.NOT_CONTROLLER) return 'not-controller';
  if (answer.errorCode !== ErrorCode.NONE) {
    return {
      outcome: 'refused',
      reason: `${errorName(answer.errorCode)} ${answer.errorMessage ?? ''}`.trim(),
    };
  }
  const result = answer.responses[0]?.partitions[0];
  if (!result) return { outcome: 'refused', reason: 'the answer names no partition' };
  if (result.errorCode !== ErrorCode.NONE) {
    return {
      outcome: 'refused',
      reason: `${errorName(result.errorCode)} ${result.errorMessage ?? ''}`.trim(),
    };
  }
  return { outcome: 'started', replicas };
}

/** Null once the move is done (see the header), else what is still missing. */
export async function reassignmentDone(
  cluster: ChaosCluster,
  partition: PartitionView,
  replicas: readonly number[],
): Promise<string | null> {
  const name = `${partition.topic}/${partition.partition}`;
  const view = await cluster.metadataFromAny([partition.topic]);
  if (!view) return 'no broker answers Metadata';
  const now = view.partitions.find((p) => p.partition === partition.partition);
  if (!now) return `${name} is missing from Metadata`;
  if (now.replicas.join(',') !== replicas.join(','))
    return `${name} has replicas [${now.replicas}], moving to [${replicas}]`;
  if (view.controllerId < 0) return 'no controller';
  const listed = await cluster.probe
    .withConnection(view.controllerId, 5000, async (conn) => {
      try {
        conn.version(ListPartitionReassignmentsApi.key);
      } catch {
        return false; // Without the API, Metadata alone says it is done.
      }
      const answer = await conn.request(ListPartitionReassignmentsApi, {
        timeoutMs: 5000,
        topics: [{ name: partition.topic, partitionIndexes: [partition.partition] }],
      });
      return answer.topics.some((t) => t.partitions.length > 0);
    })
    .catch((err: Error) => err.message);
  if (listed === true) return `${name} is still listed as moving`;
  if (typeof listed === 'string') return `ListPartitionReassignments: ${listed}`;
  return null;
}
