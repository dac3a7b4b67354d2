/**
 * How far the new replicas of moving partitions have caught up, for --verify. A broker does not
 * report a follower's log end offset over the wire (DescribeLogDirs gives its offsetLag as 0, as
 * Kafka's does), so progress is measured in bytes: the size of each new replica's log
 * (DescribeLogDirs on its broker) against the leader's, with the leader's high watermark (ListOffsets)
 * for scale:
 *
 *     orders-0: leader 1 has 4.0 MiB up to offset 51200; replica 3 has 1.0 MiB (25%)
 *
 * A new replica its broker has not created yet "has not started"; a broker that cannot be asked
 * (down, unreachable) leaves its numbers "unknown". Sizes differ slightly between replicas
 * (segments roll at different times), so the percentage is an estimate, capped at 100.
 */
import { formatBytes } from '../client/cli.js';
import { BrokerConnectionError, KafkaError } from '../client/kafka-client.js';
import { partitionName, type PartitionRef } from './plan.js';
import type { ReassignAdmin, Reassignment } from './reassign-admin.js';

export interface MovingPartition {
  move: Reassignment;
  leader: number;
}

/** Asks a broker; undefined when it cannot answer (down, unreachable, or refusing). */
async function ask<T>(work: () => Promise<T>): Promise<T | undefined> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof BrokerConnectionError || err instanceof KafkaError) return undefined;
    throw err;
  }
}

/** One line per moving partition, keyed by its name. */
export async function catchUpLines(
  admin: ReassignAdmin,
  moving: readonly MovingPartition[],
): Promise<Map<string, string>> {
  // Which partitions to ask each broker about: leaders for their size and high watermark, the
  // brokers of new replicas for theirs.
  const asked = new Map<number, PartitionRef[]>();
  const add = (broker: number, p: PartitionRef): void =>
    void asked.set(broker, [...(asked.get(broker) ?? []), p]);
  for (const { move, leader } of moving) {
    if (leader >= 0) add(leader, move);
    for (const b of move.adding) if (b !== leader) add(b, move);
  }
  const sizes = new Map<string, number>();
  for (const [broker, partitions] of asked) {
    const dirs = await ask(() => admin.describeLogDirs(broker, partitions));
    for (const d of dirs ?? []) if (!d.future) sizes.set(`${broker}/${partitionName(d)}`, d.size);
    if (dirs)
      for (const p of partitions)
        if (!sizes.has(`${broker}/${partitionName(p)}`)) sizes.set(`${broker}/${partitionName(p)}`, -1);
  }
  const watermarks = new Map<string, number>();
  const leaders = new Map<number, PartitionRef[]>();
  for (const { move, leader } of moving)
    if (leader >= 0) leaders.set(leader, [...(leaders.get(leader) ?? []), move]);
  for (const [leader, partitions] of leaders) {
    const hw = await ask(() => admin.highWatermarks(leader, partitions));
    for (const [name, offset] of hw ?? []) watermarks.set(name, offset);
  }

  const lines = new Map<string, string>();
  for (const { move, leader } of moving) {
    const name = partitionName(move);
    const leaderSize = sizes.get(`${leader}/${name}`);
    const hw = watermarks.get(name);
    const head =
      leader < 0
        ? 'no leader'
        : leaderSize === undefined || leaderSize < 0
          ? `leader ${leader} unknown`
          : `leader ${leader} has ${formatBytes(leaderSize)}${hw === undefined ? '' : ` up to offset ${hw}`}`;
    const replicas = move.adding.map((b) => {
      const size = sizes.get(`${b}/${name}`);
      if (size === undefined) return `replica ${b} unknown (broker ${b} did not answer)`;
      if (size < 0) return `replica ${b} has not started`;
      const share =
        leaderSize !== undefined && leaderSize > 0
          ? ` (${Math.min(100, Math.floor((100 * size) / leaderSize))}%)`
          : '';
      return `replica ${b} has ${formatBytes(size)}${share}`;
    });
    lines.set(name, `${name}: ${head}; ${replicas.join('; ')}`);
  }
  return lines;
}
