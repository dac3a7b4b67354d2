/**
 * The controller's side of leaders' ISR changes (writeIsrChange in zk-topics.ts): each
 * notification under /isr_change_notification names partitions whose state znode a leader
 * rewrote. The controller watches the children, reads the notifications, reads those partitions'
 * states again (the caller does) and deletes the notifications it handled, through its fenced
 * multi as Kafka does, so a deposed controller cannot take them from its successor. A notification
 * that cannot be decoded is deleted too, and logged: left, it would be read again at every change.
 */
import { ZkError, type ZkClient, type ZkOp } from '../zookeeper/zk-client.js';
import { isrChangePath, isrChangeZnode, PATHS } from '../zookeeper/znodes.js';
import type { PartitionRef } from './partition-state-updates.js';

export interface IsrChanges {
  /** The partitions named, each once. */
  partitions: PartitionRef[];
  /** The notifications read (those malformed included): delete them once handled. */
  names: string[];
}

/** Reads the pending notifications; `watch` fires once when the next one is created (or any is deleted). */
export async function readIsrChanges(
  zk: ZkClient,
  watch: () => void,
  log: (message: string) => void,
): Promise<IsrChanges> {
  let names = await zk.children(PATHS.isrChangeNotification, watch);
  if (names === null) {
    // No parent, no watch: every broker makes it at start, but a watch on nothing would never fire.
    await zk.ensurePath(PATHS.isrChangeNotification);
    names = (await zk.children(PATHS.isrChangeNotification, watch)) ?? [];
  }
  const partitions = new Map<string, PartitionRef>();
  const read: string[] = [];
  for (const name of names.sort()) {
    const path = isrChangePath(name);
    const node = await zk.get(path);
    if (!node) continue; // deleted meanwhile
    read.push(name);
    try {
      for (const p of isrChangeZnode.decode(path, node.data)) {
        partitions.set(`${p.topic}-${p.partition}`, { topic: p.topic, partition: p.partition });
      }
    } catch (err) {
      log(`controller: deleting unreadable ISR change notification: ${(err as Error).message}`);
    }
  }
  return { partitions: [...partitions.values()], names: read };
}

/** Deletes handled notifications, each fenced by the controller's epoch; one already gone is fine. */
export async function deleteIsrChanges(
  fencedMulti: (ops: ZkOp[]) => Promise<void>,
  names: readonly string[],
): Promise<void> {
  await Promise.all(
    names.map(async (name) => {
      try {
        await fencedMulti([{ op: 'delete', path: isrChangePath(name) }]);
      } catch (err) {
        if (!(err instanceof ZkError && err.code === 'NO_NODE')) throw err;
      }
    }),
  );
}
