import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildBatch, iterateBatches, readRecords } from '../../../engine/index.js';
import { GroupCoordinator, type CommitPartition } from '../../../server/group/group-coordinator.js';
import { OFFSETS_TOPIC, partitionForGroup } from '../../../server/group/offset-store.js';
import { decodeKey, decodeOffsetValue } from '../../../server/group/offset-records.js';
import { ErrorCode } from '../../../server/protocol/error-codes.js';
import { atOnce, openTestBroker, type TestBroker } from '../../helpers/group-context.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';

const part = (
  partitionIndex: number,
  committedOffset: number,
  metadata: string | null = 'm',
): CommitPartition => ({
  partitionIndex,
  committedOffset,
  committedLeaderEpoch: 3,
  commitTimestamp: -1,
  committedMetadata: metadata,
});

let dir: string;
let broker: TestBroker;
let coordinator: GroupCoordinator;

async function open(properties: Record<string, string> = {}): Promise<void> {
  broker = openTestBroker(dir, properties);
  coordinator = await GroupCoordinator.open(broker.context);
  if (!broker.context.topics.store.get('t')) broker.context.topics.create('t', 3, 1, {});
}

function restart(): Promise<void> {
  coordinator.close();
  broker.close();
  return open();
}

/** A simple-consumer commit (generation -1, no member). */
function commit(groupId: string, partitions: CommitPartition[]): number[] {
  const result = coordinator.commitOffsets({
    groupId,
    generationId: -1,
    memberId: '',
    groupInstanceId: null,
    topics: [{ name: 't', partitions }],
  });
  return atOnce(result)[0]!.partitions.map((p) => p.errorCode);
}

beforeEach(() => {
  dir = makeTempDir('kiln-offsets-');
});

afterEach(() => {
  coordinator.close();
  broker.close();
  removeTempDir(dir);
});

describe('offset store', () => {
  it('creates the compacted internal topic when a group first needs it', async () => {
    await open();
    expect(broker.context.topics.store.get(OFFSETS_TOPIC)).toBeUndefined();
    expect(coordinator.store.ensureTopic()).toBe(true);
    const topic = broker.context.topics.store.get(OFFSETS_TOPIC)!;
    expect(topic.partitions).toBe(4);
    expect(topic.internal).toBe(true);
    expect(topic.configs).toEqual({ 'cleanup.policy': 'compact', 'segment.bytes': '104857600' });
  });

  it('keeps committed offsets across a restart, in Kafka record formats', async () => {
    await open();
    expect(commit('g', [part(0, 42), part(1, 7, null)])).toEqual([0, 0]);
    expect(commit('g', [part(0, 43)])).toEqual([0]);
    expect(commit('g', [part(9, 1)])).toEqual([ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
    expect(commit('g', [part(2, 1, 'x'.repeat(5000))])).toEqual([ErrorCode.OFFSET_METADATA_TOO_LARGE]);
    await restart();
    const fetched = coordinator.fetchOffsets('g', [{ name: 't', partitionIndexes: [0, 1, 2] }]);
    expect(fetched.topics[0]!.partitions).toEqual([
      { partitionIndex: 0, committedOffset: 43, committedLeaderEpoch: 3, metadata: 'm', errorCode: 0 },
      { partitionIndex: 1, committedOffset: 7, committedLeaderEpoch: 3, metadata: '', errorCode: 0 },
      { partitionIndex: 2, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode: 0 },
    ]);
    expect(coordinator.listGroups()).toEqual([{ groupId: 'g', protocolType: '', groupState: 'Empty' }]);
    // The records on disk: key v1 (group, topic, partition), value v3.
    const log = broker.context.logs.getLog(OFFSETS_TOPIC, partitionForGroup('g', 4))!;
    const read = await log.read(0, 1 << 20);
    const records = [...iterateBatches(read.records)].flatMap((b) => [...readRecords(b)]);
    expect(records[0]!.key!.readInt16BE(0)).toBe(1);
    expect(decodeKey(records[0]!.key!)).toEqual({ kind: 'offset', group: 'g', topic: 't', partition: 0 });
    expect(records[0]!.value!.readInt16BE(0)).toBe(3);
    expect(decodeOffsetValue(records[0]!.value!)).toMatchObject({
      offset: 42,
      leaderEpoch: 3,
      metadata: 'm',
    });
  });

  it('returns every offset of a group for a null topic list', async () => {
    await open();
    commit('g', [part(2, 5), part(0, 1)]);
    const all = coordinator.fetchOffsets('g', null);
    expect(all.topics).toEqual([
      {
        name: 't',
        partitions: [
          { partitionIndex: 0, committedOffset: 1, committedLeaderEpoch: 3, metadata: 'm', errorCode: 0 },
          { partitionIndex: 2, committedOffset: 5, committedLeaderEpoch: 3, metadata: 'm', errorCode: 0 },
        ],
      },
    ]);
  });

  it('writes tombstones for deleted offsets and groups, which a restart honours', async () => {
    await open();
    commit('g', [part(0, 1), part(1, 2)]);
    commit('h', [part(0, 9)]);
    const deleted = coordinator.deleteOffsets('g', [{ name: 't', partitions: [{ partitionIndex: 0 }] }]);
    expect(deleted.errorCode).toBe(ErrorCode.NONE);
    expect(coordinator.deleteGroups(['h', 'missing'])).toEqual([
      { groupId: 'h', errorCode: ErrorCode.NONE },
      { groupId: 'missing', errorCode: ErrorCode.GROUP_ID_NOT_FOUND },
    ]);
    await restart();
    expect(coordinator.fetchOffsets('g', null).topics[0]!.partitions.map((p) => p.partitionIndex)).toEqual([
      1,
    ]);
    expect(coordinator.fetchOffsets('h', null).topics).toEqual([]);
    expect(coordinator.group('h')).toBeUndefined();
  });

  it('restores a Stable group with its members, and refuses to delete it', async () => {
    await open();
    const joining = coordinator.joinGroup('cg', {
      memberId: '',
      groupInstanceId: 'static-1',
      clientId: 'c',
      clientHost: '/10.0.0.1',
      sessionTimeoutMs: 30_000,
      rebalanceTimeoutMs: 30_000,
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: Buffer.from('sub') }],
      requireKnownMemberId: true,
    });
    const joined = await joining;
    await coordinator.syncGroup('cg', {
      generationId: joined.generationId,
      memberId: joined.memberId,
      groupInstanceId: 'static-1',
      protocolType: 'consumer',
      protocolName: 'range',
      assignments: [{ memberId: joined.memberId, assignment: Buffer.from('asg') }],
    });
    await restart();
    const described = coordinator.describeGroup('cg');
    expect(described).toMatchObject({
      groupState: 'Stable',
      protocolType: 'consumer',
      protocolData: 'range',
    });
    expect(described.members).toEqual([
      {
        memberId: joined.memberId,
        groupInstanceId: 'static-1',
        clientId: 'c',
        clientHost: '/10.0.0.1',
        memberMetadata: Buffer.from('sub'),
        memberAssignment: Buffer.from('asg'),
      },
    ]);
    expect(coordinator.heartbeat('cg', joined.memberId, 'static-1', joined.generationId)).toBe(
      ErrorCode.NONE,
    );
    expect(coordinator.deleteGroups(['cg'])[0]!.errorCode).toBe(ErrorCode.NON_EMPTY_GROUP);
  });

  it('expires offsets of Empty groups after offsets.retention.ms and then the group itself', async () => {
    await open();
    commit('old', [part(0, 1)]);
    const retention = broker.context.config.offsetsRetentionMs;
    expect(coordinator.expireOffsets(Date.now() + retention - 60_000)).toBe(0);
    expect(coordinator.expireOffsets(Date.now() + retention + 1)).toBe(1);
    expect(coordinator.group('old')).toBeUndefined();
    await restart();
    expect(coordinator.fetchOffsets('old', null).topics).toEqual([]);
    expect(coordinator.listGroups()).toEqual([]);
  });

  it('refuses member commits with a wrong generation or from strangers', async () => {
    await open();
    const base = { groupInstanceId: null, topics: [{ name: 't', partitions: [part(0, 1)] }] };
    const code = (r: ReturnType<GroupCoordinator['commitOffsets']>) => atOnce(r)[0]!.partitions[0]!.errorCode;
    expect(
      code(coordinator.commitOffsets({ ...base, groupId: 'none', generationId: 3, memberId: 'x' })),
    ).toBe(ErrorCode.ILLEGAL_GENERATION);
    const joined = await coordinator.joinGroup('g', {
      memberId: '',
      groupInstanceId: null,
      clientId: 'c',
      clientHost: '',
      sessionTimeoutMs: 30_000,
      rebalanceTimeoutMs: 30_000,
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: Buffer.alloc(0) }],
      requireKnownMemberId: false,
    });
    await coordinator.syncGroup('g', {
      generationId: 1,
      memberId: joined.memberId,
      groupInstanceId: null,
      protocolType: null,
      protocolName: null,
      assignments: [],
    });
    const commitAs = (generationId: number, memberId: string) =>
      code(coordinator.commitOffsets({ ...base, groupId: 'g', generationId, memberId }));
    expect(commitAs(-1, '')).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(commitAs(2, joined.memberId)).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect(commitAs(1, 'stranger')).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(commitAs(1, joined.memberId)).toBe(ErrorCode.NONE);
    expect(
      coordinator.deleteOffsets('g', [{ name: 't', partitions: [{ partitionIndex: 0 }] }]).errorCode,
    ).toBe(ErrorCode.NON_EMPTY_GROUP);
  });
  it('a record it cannot parse in __consumer_offsets is skipped at load, not fatal', async () => {
    await open();
    expect(commit('g', [part(0, 42)])).toEqual([0]);
    const log = broker.context.logs.getLog(OFFSETS_TOPIC, partitionForGroup('g', 4))!;
    // What `echo 'k:v' | kcat -P -t __consumer_offsets -K:` wrote before produce refused internal
    // topics: a 1-byte key made every later start fail with "truncated".
    log.append(buildBatch({ records: [{ key: 'k', value: 'v' }] }));
    // A known key version with a value that ends too soon, and a group record of garbage.
    const key = Buffer.from([0, 1, 0, 1, 0x67, 0, 1, 0x74, 0, 0, 0, 1]);
    log.append(buildBatch({ records: [{ key, value: Buffer.from([0, 3, 1]) }] }));
    log.append(
      buildBatch({ records: [{ key: Buffer.from([0, 2, 0, 1, 0x67]), value: Buffer.from([0, 3, 0]) }] }),
    );
    expect(commit('g', [part(2, 9)])).toEqual([0]);
    await restart();
    const fetched = coordinator.fetchOffsets('g', [{ name: 't', partitionIndexes: [0, 2] }]);
    expect(fetched.topics[0]!.partitions.map((p) => p.committedOffset)).toEqual([42, 9]);
  });
});
