/**
 * Topics as the cluster keeps them in ZooKeeper: creating one (its config and its replica
 * assignment in one atomic multi, as any broker may on CreateTopics), reading the topics, their
 * assignments and their partitions' states, and marking a topic for deletion for the controller.
 *
 * Partition states (`.../partitions/<p>/state`) are written by the controller (`statesToCreate`
 * and `stateUpdate` build the operations, which it applies through its fenced multi) and by a
 * partition's leader, which changes only the ISR (`writeIsrChange`). Each state carries the znode
 * version it was read at, the "partition epoch" a later update must name, so two writers can
 * never both think they won.
 */
import { ZkError, type ZkClient, type ZkOp } from './zk-client.js';
import {
  deleteTopicPath,
  entityConfigZnode,
  ISR_CHANGE_PREFIX,
  isrChangeZnode,
  partitionStatePath,
  partitionStateZnode,
  PATHS,
  topicConfigPath,
  topicPath,
  topicZnode,
  type PartitionState,
  type TopicAssignment,
} from './znodes.js';

/** The topic exists already (CreateTopics answers TOPIC_ALREADY_EXISTS). */
export class TopicExistsError extends Error {
  constructor(topic: string) {
    super(`topic ${topic} already exists`);
    this.name = 'TopicExistsError';
  }
}

export interface StoredPartitionState extends PartitionState {
  /** The state znode's version: what an update of it must name. */
  zkVersion: number;
}

/** Creates the topic: `/config/topics/<t>` then `/brokers/topics/<t>`, both or neither. */
export async function createTopic(
  zk: ZkClient,
  topic: string,
  assignment: TopicAssignment,
  config: Record<string, string>,
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    if (await zk.exists(topicPath(topic))) throw new TopicExistsError(topic);
    const ops: ZkOp[] = [];
    const configPath = topicConfigPath(topic);
    const existingConfig = await zk.get(configPath);
    // A config left by a topic deleted before (Kafka keeps it until the deletion completes) is replaced.
    if (existingConfig) {
      ops.push({
        op: 'set',
        path: configPath,
        data: entityConfigZnode.encode(config),
        version: existingConfig.version,
      });
    } else {
      ops.push({ op: 'create', path: configPath, data: entityConfigZnode.encode(config) });
    }
    ops.push({ op: 'create', path: topicPath(topic), data: topicZnode.encode(assignment) });
    try {
      await zk.multi(ops);
      return;
    } catch (err) {
      const raced = err instanceof ZkError && (err.code === 'NODE_EXISTS' || err.code === 'BAD_VERSION');
      if (!raced) throw err;
      // Another broker created it (or its config) meanwhile: whoever wrote the topic node won.
      if (await zk.exists(topicPath(topic))) throw new TopicExistsError(topic);
      if (attempt >= 5) throw err;
    }
  }
}

/** Every topic's name (children of /brokers/topics); `watch` fires once on the next change. */
export async function topicNames(zk: ZkClient, watch?: () => void): Promise<string[]> {
  return (await zk.children(PATHS.brokerTopics, watch)) ?? [];
}

/** The topic's assignment, or null if it does not exist; `watch` fires once when it changes. */
export async function topicAssignment(
  zk: ZkClient,
  topic: string,
  watch?: () => void,
): Promise<TopicAssignment | null> {
  return (await versionedAssignment(zk, topic, watch))?.assignment ?? null;
}

/** The topic's assignment and its znode version (what a change of it must name), or null. */
export async function versionedAssignment(
  zk: ZkClient,
  topic: string,
  watch?: () => void,
): Promise<{ assignment: TopicAssignment; version: number } | null> {
  const node = await zk.get(topicPath(topic), watch);
  return node ? { assignment: topicZnode.decode(topic, node.data), version: node.version } : null;
}

/** Replaces the topic's assignment read at `version` (CreatePartitions); ZkError BAD_VERSION if it changed since. */
export async function setAssignment(
  zk: ZkClient,
  topic: string,
  assignment: TopicAssignment,
  version: number,
): Promise<void> {
  await zk.set(topicPath(topic), topicZnode.encode(assignment), version);
}

/** The topic's config overrides ({} if none are stored). */
export async function topicConfig(zk: ZkClient, topic: string): Promise<Record<string, string>> {
  const path = topicConfigPath(topic);
  const node = await zk.get(path);
  return node ? entityConfigZnode.decode(path, node.data) : {};
}

/** A partition's state and its znode version, or null if the controller has not written one yet. */
export async function partitionState(
  zk: ZkClient,
  topic: string,
  partition: number,
): Promise<StoredPartitionState | null> {
  const node = await zk.get(partitionStatePath(topic, partition));
  if (!node) return null;
  return { ...partitionStateZnode.decode(topic, partition, node.data), zkVersion: node.version };
}

/**
 * Makes the empty nodes Kafka keeps above partition states (`partitions`, `partitions/<p>`);
 * those already there are left alone (a controller that failed over midway may have made some).
 */
export async function ensurePartitionParents(
  zk: ZkClient,
  topic: string,
  partitions: number[],
): Promise<void> {
  for (const p of partitions) await zk.ensurePath(`${topicPath(topic)}/partitions/${p}`);
}

/** The operations that create partitions' first states (their parents must exist). */
export function statesToCreate(topic: string, states: Map<number, PartitionState>): ZkOp[] {
  return [...states].map(([p, state]) => ({
    op: 'create' as const,
    path: partitionStatePath(topic, p),
    data: partitionStateZnode.encode(state),
  }));
}

/** The operation that replaces a partition's state read at `zkVersion`. */
export function stateUpdate(
  topic: string,
  partition: number,
  state: PartitionState,
  zkVersion: number,
): ZkOp {
  return {
    op: 'set',
    path: partitionStatePath(topic, partition),
    data: partitionStateZnode.encode(state),
    version: zkVersion,
  };
}

/**
 * A leader's change of its partition's ISR: the state znode replaced if its version is still
 * `zkVersion` (the one the controller's LeaderAndIsr named, or this leader's last write), then a
 * notification for the controller (`/isr_change_notification/isr_change_<seq>`), which reads the
 * state again and tells every broker. Resolves with the state's new version, or null when the
 * version check failed: the controller changed the state meanwhile, and will say what it is now.
 *
 * One notification per change: Kafka's leaders batch theirs (at most one every few seconds);
 * ISR changes are rare enough here that the controller reading a node per change costs little,
 * and the change reaches the other brokers without that wait.
 */
export async function writeIsrChange(
  zk: ZkClient,
  topic: string,
  partition: number,
  state: PartitionState,
  zkVersion: number,
): Promise<number | null> {
  let version: number;
  try {
    version = await zk.set(
      partitionStatePath(topic, partition),
      partitionStateZnode.encode(state),
      zkVersion,
    );
  } catch (err) {
    if (!(err instanceof ZkError && err.code === 'BAD_VERSION')) throw err;
    // A write that landed but whose answer was lost with the connection fails its resend this way:
    // it was ours if the state is exactly what we wrote, one version on (Kafka checks the same).
    const now = await partitionState(zk, topic, partition);
    if (!now || now.zkVersion !== zkVersion + 1 || !sameState(now, state)) return null;
    version = now.zkVersion;
  }
  const notification = isrChangeZnode.encode([{ topic, partition }]);
  try {
    await zk.create(ISR_CHANGE_PREFIX, notification, 'persistent_sequential');
  } catch (err) {
    if (!(err instanceof ZkError && err.code === 'NO_NODE')) throw err;
    // Every broker makes the parent at start; a cluster's ZooKeeper wiped since is the exception.
    await zk.ensurePath(PATHS.isrChangeNotification);
    await zk.create(ISR_CHANGE_PREFIX, notification, 'persistent_sequential');
  }
  return version;
}

function sameState(a: PartitionState, b: PartitionState): boolean {
  return (
    a.leader === b.leader &&
    a.leaderEpoch === b.leaderEpoch &&
    a.controllerEpoch === b.controllerEpoch &&
    a.isr.length === b.isr.length &&
    a.isr.every((r, i) => r === b.isr[i])
  );
}

/** Marks the topic for deletion (`/admin/delete_topics/<t>`); the controller carries it out. */
export async function markForDeletion(zk: ZkClient, topic: string): Promise<void> {
  try {
    await zk.create(deleteTopicPath(topic), Buffer.alloc(0));
  } catch (err) {
    if (!(err instanceof ZkError && err.code === 'NODE_EXISTS')) throw err;
  }
}

/**
 * The operations that remove a deleted topic from ZooKeeper, children before parents: its
 * partition states and their parents, its assignment, its config, and its deletion mark. Only
 * nodes that exist are named (a multi deleting a missing node would fail whole).
 */
export async function topicRemovalOps(zk: ZkClient, topic: string): Promise<ZkOp[]> {
  const ops: ZkOp[] = [];
  const base = topicPath(topic);
  const partitions = await zk.children(`${base}/partitions`);
  for (const p of partitions ?? []) {
    for (const child of (await zk.children(`${base}/partitions/${p}`)) ?? []) {
      ops.push({ op: 'delete', path: `${base}/partitions/${p}/${child}` });
    }
    ops.push({ op: 'delete', path: `${base}/partitions/${p}` });
  }
  if (partitions) ops.push({ op: 'delete', path: `${base}/partitions` });
  if (await zk.exists(base)) ops.push({ op: 'delete', path: base });
  if (await zk.exists(topicConfigPath(topic))) ops.push({ op: 'delete', path: topicConfigPath(topic) });
  if (await zk.exists(deleteTopicPath(topic))) ops.push({ op: 'delete', path: deleteTopicPath(topic) });
  return ops;
}

/** The topics marked for deletion; `watch` fires once on the next change. */
export async function topicsToDelete(zk: ZkClient, watch?: () => void): Promise<string[]> {
  return (await zk.children(PATHS.deleteTopics, watch)) ?? [];
}
