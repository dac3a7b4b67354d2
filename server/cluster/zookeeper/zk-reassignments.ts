/**
 * Partition moves in ZooKeeper. A move in progress lives in its topic's assignment znode
 * (`/brokers/topics/<topic>`: "partitions" holds target and original replicas together,
 * "adding_replicas" and "removing_replicas" what the move adds and removes; see znodes.ts), so a
 * new controller resumes it. Moves asked for the old way (Kafka's tools before KIP-455, or an
 * operator) are written to
 *
 *   /admin/reassign_partitions   {"version":1,"partitions":[{"topic":"t","partition":0,
 *                                 "replicas":[1,2,3][,"log_dirs":["any","any","any"]]}]}   persistent
 *
 * The controller starts them, takes each partition out of that znode when its move completes or
 * is refused, and deletes the znode once it is empty. log_dirs is read and kept, not acted on (a
 * replica's directory is its broker's business: AlterReplicaLogDirs).
 */
import { ZkError, type ZkClient, type ZkOp } from './zk-client.js';
import { topicPath, topicZnode, ZnodeFormatError, type TopicAssignment } from './znodes.js';

export const REASSIGN_PARTITIONS_PATH = '/admin/reassign_partitions';

export interface RequestedMove {
  topic: string;
  partition: number;
  replicas: number[];
  logDirs?: string[];
}

export const reassignPartitionsZnode = {
  encode: (moves: readonly RequestedMove[]): Buffer =>
    Buffer.from(
      JSON.stringify({
        version: 1,
        partitions: moves.map((m) => ({
          topic: m.topic,
          partition: m.partition,
          replicas: m.replicas,
          ...(m.logDirs ? { log_dirs: m.logDirs } : {}),
        })),
      }),
      'utf8',
    ),
  decode(data: Buffer): RequestedMove[] {
    const path = REASSIGN_PARTITIONS_PATH;
    let o: unknown;
    try {
      o = JSON.parse(data.toString('utf8'));
    } catch {
      throw new ZnodeFormatError(path, 'not JSON');
    }
    const partitions = (o as { partitions?: unknown } | null)?.partitions;
    if (!Array.isArray(partitions)) throw new ZnodeFormatError(path, 'partitions is not a list');
    return partitions.map((p: unknown) => {
      const e = (p ?? {}) as Record<string, unknown>;
      const replicas = e.replicas;
      if (
        typeof e.topic !== 'string' ||
        !Number.isSafeInteger(e.partition) ||
        !Array.isArray(replicas) ||
        !replicas.every((r) => Number.isSafeInteger(r))
      ) {
        throw new ZnodeFormatError(path, `${JSON.stringify(p)} is not a topic, partition and replicas`);
      }
      const logDirs = Array.isArray(e.log_dirs) ? e.log_dirs.map(String) : undefined;
      return { topic: e.topic, partition: e.partition as number, replicas: replicas as number[], logDirs };
    });
  },
};

/** The moves asked for under /admin/reassign_partitions (watching it: created, changed or deleted), with its version. */
export async function requestedMoves(
  zk: ZkClient,
  watch: () => void,
): Promise<{ moves: RequestedMove[]; version: number } | null> {
  const exists = await zk.exists(REASSIGN_PARTITIONS_PATH, watch);
  if (!exists) return null;
  const node = await zk.get(REASSIGN_PARTITIONS_PATH);
  if (!node) return null;
  return { moves: reassignPartitionsZnode.decode(node.data), version: node.version };
}

/**
 * Takes the partitions `done` says are finished out of /admin/reassign_partitions, deleting it
 * once nothing is left; retried on a concurrent change. Nothing to do when it is gone.
 */
export async function forgetRequestedMoves(
  zk: ZkClient,
  fencedMulti: (ops: ZkOp[]) => Promise<void>,
  done: (move: RequestedMove) => boolean,
): Promise<void> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const node = await zk.get(REASSIGN_PARTITIONS_PATH);
    if (!node) return;
    let moves: RequestedMove[];
    try {
      moves = reassignPartitionsZnode.decode(node.data);
    } catch {
      moves = []; // malformed: nothing in it can be started, so it goes
    }
    const left = moves.filter((m) => !done(m));
    if (left.length === moves.length && moves.length > 0) return;
    const op: ZkOp =
      left.length === 0
        ? { op: 'delete', path: REASSIGN_PARTITIONS_PATH, version: node.version }
        : {
            op: 'set',
            path: REASSIGN_PARTITIONS_PATH,
            data: reassignPartitionsZnode.encode(left),
            version: node.version,
          };
    try {
      await fencedMulti([op]);
      return;
    } catch (err) {
      if (!(err instanceof ZkError && err.path === REASSIGN_PARTITIONS_PATH)) throw err;
      if (err.code !== 'BAD_VERSION' && err.code !== 'NO_NODE') throw err;
    }
  }
}

/** A version-checked rewrite of a topic's assignment, for the controller's fenced multi. */
export const assignmentUpdate = (topic: string, assignment: TopicAssignment, version: number): ZkOp => ({
  op: 'set',
  path: topicPath(topic),
  data: topicZnode.encode(assignment),
  version,
});
