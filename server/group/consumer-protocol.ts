/**
 * Kafka's consumer protocol (the "consumer" protocol type of classic groups), version 0: what a
 * member puts in JoinGroup's protocol metadata and what the leader hands out in SyncGroup; and the
 * range assignor. Classic (non-compact) encodings, big-endian:
 *
 *   Subscription v0  int16 version 0, topics: int32 count + (int16 length, UTF-8) each,
 *                    userData: int32 length (-1 = null) + bytes
 *   Assignment v0    int16 version 0, int32 count of topics, each: string topic, int32 count +
 *                    int32 partitions, userData: int32 length (-1 = null) + bytes
 *
 * Later versions only append fields, so reading the v0 prefix works for any version a member sends.
 */
import { ProtocolReader } from '../protocol/reader.js';
import { ProtocolWriter } from '../protocol/writer.js';

export const RANGE_ASSIGNOR = 'range';
/** Round robin under Java's name and under kafkajs's (its consumers offer only that one by default). */
export const ROUND_ROBIN_ASSIGNORS = ['roundrobin', 'RoundRobinAssigner'] as const;
/** What a Kiln member offers in JoinGroup, most preferred first. */
export const ASSIGNORS: readonly string[] = [RANGE_ASSIGNOR, ...ROUND_ROBIN_ASSIGNORS];

export function encodeSubscription(topics: readonly string[]): Buffer {
  const w = new ProtocolWriter();
  w.int16(0).arrayLength(topics.length, false);
  for (const topic of topics) w.string(topic);
  return w.bytes(null).toBuffer();
}

export function decodeSubscription(bytes: Buffer): string[] {
  const r = new ProtocolReader(bytes);
  r.int16();
  const count = r.arrayLength(false);
  const topics: string[] = [];
  for (let i = 0; i < count; i++) topics.push(r.string() ?? '');
  return topics;
}

/** Topic -> partitions. */
export type Assignment = Map<string, number[]>;

export function encodeAssignment(assignment: Assignment): Buffer {
  const w = new ProtocolWriter();
  w.int16(0).arrayLength(assignment.size, false);
  for (const [topic, partitions] of assignment) {
    w.string(topic).arrayLength(partitions.length, false);
    for (const p of partitions) w.int32(p);
  }
  return w.bytes(null).toBuffer();
}

export function decodeAssignment(bytes: Buffer | null): Assignment {
  const assignment: Assignment = new Map();
  // An empty assignment (a member that got nothing) may come as no bytes at all.
  if (!bytes || bytes.length === 0) return assignment;
  const r = new ProtocolReader(bytes);
  r.int16();
  const topics = r.arrayLength(false);
  for (let t = 0; t < topics; t++) {
    const topic = r.string() ?? '';
    const count = r.arrayLength(false);
    const partitions: number[] = [];
    for (let i = 0; i < count; i++) partitions.push(r.int32());
    assignment.set(topic, partitions);
  }
  return assignment;
}

/**
 * The range assignor: per topic, the members subscribed to it in member id order each take a
 * consecutive range of partitions, the first (partitions % members) of them one extra.
 */
export function assignRange(
  members: readonly { memberId: string; topics: readonly string[] }[],
  partitionCounts: ReadonlyMap<string, number>,
): Map<string, Assignment> {
  const result = new Map<string, Assignment>(members.map((m) => [m.memberId, new Map()]));
  for (const [topic, partitions] of partitionCounts) {
    const subscribed = members
      .filter((m) => m.topics.includes(topic))
      .map((m) => m.memberId)
      .sort();
    if (subscribed.length === 0) continue;
    const each = Math.floor(partitions / subscribed.length);
    const extra = partitions % subscribed.length;
    subscribed.forEach((memberId, i) => {
      const start = i * each + Math.min(i, extra);
      const length = each + (i < extra ? 1 : 0);
      if (length === 0) return;
      result.get(memberId)!.set(
        topic,
        Array.from({ length }, (_, k) => start + k),
      );
    });
  }
  return result;
}

/**
 * The round-robin assignor: every subscribed partition, ordered by topic then partition, goes to
 * the next member (in member id order) that subscribes to its topic.
 */
export function assignRoundRobin(
  members: readonly { memberId: string; topics: readonly string[] }[],
  partitionCounts: ReadonlyMap<string, number>,
): Map<string, Assignment> {
  const result = new Map<string, Assignment>(members.map((m) => [m.memberId, new Map()]));
  const sorted = [...members].sort((a, b) =>
    a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0,
  );
  let next = 0;
  for (const topic of [...partitionCounts.keys()].sort()) {
    for (let partition = 0; partition < partitionCounts.get(topic)!; partition++) {
      for (let tries = 0; tries < sorted.length; tries++) {
        const member = sorted[next++ % sorted.length]!;
        if (!member.topics.includes(topic)) continue;
        const assignment = result.get(member.memberId)!;
        assignment.set(topic, [...(assignment.get(topic) ?? []), partition]);
        break;
      }
    }
  }
  return result;
}

/** Assigns with the assignor the group chose (`range`, or round robin under either name). */
export function assignPartitions(
  protocol: string,
  members: readonly { memberId: string; topics: readonly string[] }[],
  partitionCounts: ReadonlyMap<string, number>,
): Map<string, Assignment> {
  return (ROUND_ROBIN_ASSIGNORS as readonly string[]).includes(protocol)
    ? assignRoundRobin(members, partitionCounts)
    : assignRange(members, partitionCounts);
}
