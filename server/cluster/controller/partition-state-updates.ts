/**
 * Changing partition states in ZooKeeper as a controller must (Kafka's updateLeaderAndIsr): each
 * state is read fresh, since a leader may have changed its ISR since the controller last looked
 * (the state znode's version then differs from the controller's); the change is computed from
 * what was read, and written with a version-checked set inside the controller's fenced multi.
 * A failed version check means a leader wrote meanwhile: that partition is read and computed
 * again, up to MAX_ATTEMPTS times. Partitions are written one multi each (as Kafka does), so one
 * partition's conflict does not hold back the others; they go out together, a bounded number at
 * a time.
 */
import { boundedAll } from '../bounded-all.js';
import { ZkError, type ZkClient, type ZkOp } from '../zookeeper/zk-client.js';
import { partitionState, stateUpdate, type StoredPartitionState } from '../zookeeper/zk-topics.js';
import { partitionStatePath, type PartitionState } from '../zookeeper/znodes.js';

export interface PartitionRef {
  topic: string;
  partition: number;
}

/** A partition's state after an update round: as read, or as written (`written`). */
export interface UpdatedPartition extends PartitionRef {
  state: StoredPartitionState;
  written: boolean;
}

/** The new state for a partition's current one, or null to leave it. */
export type StateChange = (
  ref: PartitionRef,
  current: StoredPartitionState,
) => PartitionState | null | Promise<PartitionState | null>;

export interface StateUpdateOptions {
  zk: ZkClient;
  /** The controller's fenced multi (ControllerMovedError once it is no longer the controller). */
  fencedMulti: (ops: ZkOp[]) => Promise<void>;
  controllerEpoch: number;
  /** Throws if the controller's term ended (called before each write). */
  stillCurrent: () => void;
  log: (message: string) => void;
}

const MAX_ATTEMPTS = 10;
const CONCURRENCY = 32;

/**
 * Reads each partition's state, applies `change`, writes what changed. Resolves with every
 * partition that has a state (written or as read); partitions without one (the topic went), or
 * written by a newer controller, or still conflicting after MAX_ATTEMPTS, are left out (logged).
 */
export async function updatePartitionStates(
  partitions: readonly PartitionRef[],
  change: StateChange,
  options: StateUpdateOptions,
): Promise<UpdatedPartition[]> {
  const updated = await boundedAll(partitions, CONCURRENCY, (ref) => updateOne(ref, change, options));
  return updated.filter((u): u is UpdatedPartition => u !== null);
}

async function updateOne(
  ref: PartitionRef,
  change: StateChange,
  options: StateUpdateOptions,
): Promise<UpdatedPartition | null> {
  const name = `${ref.topic}-${ref.partition}`;
  for (let attempt = 1; ; attempt++) {
    const current = await partitionState(options.zk, ref.topic, ref.partition);
    if (!current) return null;
    if (current.controllerEpoch > options.controllerEpoch) {
      // Kafka's rule: a state a newer controller wrote is not this one's to change.
      options.log(
        `controller: ${name} was written by controller epoch ${current.controllerEpoch}; left alone`,
      );
      return null;
    }
    const state = await change(ref, current);
    if (!state) return { ...ref, state: current, written: false };
    options.stillCurrent();
    try {
      await options.fencedMulti([stateUpdate(ref.topic, ref.partition, state, current.zkVersion)]);
      return { ...ref, state: { ...state, zkVersion: current.zkVersion + 1 }, written: true };
    } catch (err) {
      const path = partitionStatePath(ref.topic, ref.partition);
      if (!(err instanceof ZkError && err.path === path)) throw err;
      if (err.code === 'NO_NODE') return null;
      if (err.code !== 'BAD_VERSION') throw err;
      if (attempt >= MAX_ATTEMPTS) {
        options.log(`controller: ${name} kept changing under its update; left for the next event`);
        return null;
      }
    }
  }
}
