/**
 * The keys and values of __consumer_offsets records, in Kafka's own formats so the data
 * directory reads the same as Kafka's (layouts in offset-store.ts). Kiln writes offset key v1,
 * offset value v3, group key v2 and group value v3; it reads offset values v0-v3 and group values
 * v0-v3. Keys of other versions (the new consumer protocol's records) are skipped.
 */
import { ProtocolReader } from '../protocol/reader.js';
import { ProtocolWriter } from '../protocol/writer.js';

export interface CommittedOffset {
  offset: number;
  leaderEpoch: number;
  metadata: string;
  commitTimestamp: number;
}

export interface StoredMember {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  rebalanceTimeoutMs: number;
  sessionTimeoutMs: number;
  subscription: Buffer;
  assignment: Buffer;
}

export interface StoredGroup {
  groupId: string;
  protocolType: string;
  generationId: number;
  protocolName: string | null;
  leaderId: string | null;
  /** When the group entered its current state; -1 when unknown (value versions before 2). */
  stateTimestamp: number;
  members: StoredMember[];
}

export type RecordKey =
  { kind: 'offset'; group: string; topic: string; partition: number } | { kind: 'group'; group: string };

const OFFSET_KEY_VERSION = 1;
const GROUP_KEY_VERSION = 2;
const OFFSET_VALUE_VERSION = 3;
const GROUP_VALUE_VERSION = 3;

export function offsetKey(group: string, topic: string, partition: number): Buffer {
  return new ProtocolWriter()
    .int16(OFFSET_KEY_VERSION)
    .string(group)
    .string(topic)
    .int32(partition)
    .toBuffer();
}

export function groupKey(group: string): Buffer {
  return new ProtocolWriter().int16(GROUP_KEY_VERSION).string(group).toBuffer();
}

export function offsetValue(value: CommittedOffset): Buffer {
  return new ProtocolWriter()
    .int16(OFFSET_VALUE_VERSION)
    .int64(value.offset)
    .int32(value.leaderEpoch)
    .string(value.metadata)
    .int64(value.commitTimestamp)
    .toBuffer();
}

export function groupValue(group: StoredGroup): Buffer {
  const w = new ProtocolWriter()
    .int16(GROUP_VALUE_VERSION)
    .string(group.protocolType)
    .int32(group.generationId)
    .string(group.protocolName)
    .string(group.leaderId)
    .int64(group.stateTimestamp)
    .int32(group.members.length);
  for (const m of group.members) {
    w.string(m.memberId)
      .string(m.groupInstanceId)
      .string(m.clientId)
      .string(m.clientHost)
      .int32(m.rebalanceTimeoutMs)
      .int32(m.sessionTimeoutMs)
      .bytes(m.subscription)
      .bytes(m.assignment);
  }
  return w.toBuffer();
}

/** The key of a record, or undefined for a key version Kiln does not know. */
export function decodeKey(key: Buffer): RecordKey | undefined {
  const r = new ProtocolReader(key);
  const version = r.int16();
  if (version === 0 || version === 1) {
    const group = r.string() ?? '';
    const topic = r.string() ?? '';
    return { kind: 'offset', group, topic, partition: r.int32() };
  }
  if (version === GROUP_KEY_VERSION) return { kind: 'group', group: r.string() ?? '' };
  return undefined;
}

export function decodeOffsetValue(value: Buffer): CommittedOffset | undefined {
  const r = new ProtocolReader(value);
  const version = r.int16();
  if (version < 0 || version > 3) return undefined;
  const offset = r.int64();
  const leaderEpoch = version >= 3 ? r.int32() : -1;
  const metadata = r.string() ?? '';
  const commitTimestamp = r.int64();
  return { offset, leaderEpoch, metadata, commitTimestamp };
}

export function decodeGroupValue(groupId: string, value: Buffer): StoredGroup | undefined {
  const r = new ProtocolReader(value);
  const version = r.int16();
  if (version < 0 || version > 3) return undefined;
  const protocolType = r.string() ?? '';
  const generationId = r.int32();
  const protocolName = r.string();
  const leaderId = r.string();
  const stateTimestamp = version >= 2 ? r.int64() : -1;
  const count = r.int32();
  const members: StoredMember[] = [];
  for (let i = 0; i < count; i++) {
    const memberId = r.string() ?? '';
    const groupInstanceId = version >= 3 ? r.string() : null;
    const clientId = r.string() ?? '';
    const clientHost = r.string() ?? '';
    const rebalanceTimeout = version >= 1 ? r.int32() : -1;
    const sessionTimeoutMs = r.int32();
    members.push({
      memberId,
      groupInstanceId,
      clientId,
      clientHost,
      rebalanceTimeoutMs: rebalanceTimeout < 0 ? sessionTimeoutMs : rebalanceTimeout,
      sessionTimeoutMs,
      subscription: Buffer.from(r.bytes() ?? EMPTY),
      assignment: Buffer.from(r.bytes() ?? EMPTY),
    });
  }
  return { groupId, protocolType, generationId, protocolName, leaderId, stateTimestamp, members };
}

const EMPTY = Buffer.alloc(0);
