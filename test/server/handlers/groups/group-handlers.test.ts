import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GroupCoordinator } from '../../../../server/group/group-coordinator.js';
import { groupHandlers } from '../../../../server/handlers/groups/index.js';
import type { AnyHandler, RequestContext } from '../../../../server/handlers/registry.js';
import { decodeMessage, encodeMessage, type Message } from '../../../../server/protocol/codec.js';
import { decodeRequestHeaderStart, skipHeaderTaggedFields } from '../../../../server/protocol/headers.js';
import { ProtocolReader } from '../../../../server/protocol/reader.js';
import { inRange } from '../../../../server/protocol/schema.js';
import { ProtocolWriter } from '../../../../server/protocol/writer.js';
import { ErrorCode } from '../../../../server/protocol/error-codes.js';
import { goldenFrames, type GoldenFrame } from '../../../helpers/golden-frames.js';
import { openTestBroker, type TestBroker } from '../../../helpers/group-context.js';
import { makeTempDir, removeTempDir } from '../../../helpers/temp-dir.js';

let dir: string;
let broker: TestBroker;
let coordinator: GroupCoordinator;
let handlers: Map<number, AnyHandler>;

beforeEach(async () => {
  dir = makeTempDir('kiln-group-handlers-');
  broker = openTestBroker(dir);
  coordinator = await GroupCoordinator.open(broker.context);
  handlers = new Map(groupHandlers(broker.context, coordinator).map((h) => [h.api.key, h]));
  broker.context.topics.create('t', 2, 1, {});
});

afterEach(() => {
  coordinator.close();
  broker.close();
  removeTempDir(dir);
});

function context(clientId = 'client'): RequestContext {
  return { header: { apiKey: 0, apiVersion: 0, correlationId: 1, clientId }, connection: undefined };
}

/** Encodes the request, decodes it, runs the handler, and encodes/decodes the response: the shapes fit. */
async function call(key: number, version: number, request: Message, clientId = 'client'): Promise<Message> {
  const handler = handlers.get(key)!;
  const flexible = inRange(version, handler.api.flexible);
  const w = new ProtocolWriter();
  encodeMessage(handler.api.request, version, flexible, request, w);
  const decoded = decodeMessage(handler.api.request, version, flexible, new ProtocolReader(w.toBuffer()));
  const response = (await handler.handle(decoded, version, context(clientId)))!;
  const out = new ProtocolWriter();
  encodeMessage(handler.api.response, version, flexible, response, out);
  const reader = new ProtocolReader(out.toBuffer());
  const back = decodeMessage(handler.api.response, version, flexible, reader);
  expect(reader.remaining).toBe(0);
  return back;
}

describe('group handlers through the codec', () => {
  it('FindCoordinator answers with this broker, one entry per key from v4', async () => {
    expect(await call(10, 0, { key: 'g' })).toMatchObject({
      errorCode: 0,
      nodeId: 0,
      host: '127.0.0.1',
      port: 19092,
    });
    const v4 = await call(10, 4, { keyType: 0, coordinatorKeys: ['a', 'b'] });
    expect((v4.coordinators as Message[]).map((c) => [c.key, c.errorCode, c.port])).toEqual([
      ['a', 0, 19092],
      ['b', 0, 19092],
    ]);
    expect((await call(10, 2, { key: 'tx', keyType: 1 })).errorCode).toBe(0);
    expect((await call(10, 2, { key: 'x', keyType: 7 })).errorCode).toBe(ErrorCode.INVALID_REQUEST);
  });

  it('runs one member through every API at old and new versions', async () => {
    const join = (version: number, memberId: string) =>
      call(11, version, {
        groupId: 'g',
        sessionTimeoutMs: 10_000,
        rebalanceTimeoutMs: 10_000,
        memberId,
        groupInstanceId: null,
        protocolType: 'consumer',
        protocols: [{ name: 'range', metadata: Buffer.from('m') }],
        reason: null,
      });
    const required = await join(9, '');
    expect(required).toMatchObject({ errorCode: ErrorCode.MEMBER_ID_REQUIRED, protocolName: null });
    const joined = await join(9, required.memberId as string);
    expect(joined).toMatchObject({
      errorCode: 0,
      generationId: 1,
      protocolType: 'consumer',
      protocolName: 'range',
    });
    const memberId = joined.memberId as string;
    const sync = await call(14, 5, {
      groupId: 'g',
      generationId: 1,
      memberId,
      groupInstanceId: null,
      protocolType: 'consumer',
      protocolName: 'range',
      assignments: [{ memberId, assignment: Buffer.from('A') }],
    });
    expect(sync).toMatchObject({ errorCode: 0, protocolName: 'range', assignment: Buffer.from('A') });
    expect(
      await call(12, 4, { groupId: 'g', generationId: 1, memberId, groupInstanceId: null }),
    ).toMatchObject({
      errorCode: 0,
    });
    const partitions = [
      { partitionIndex: 0, committedOffset: 10, committedLeaderEpoch: 1, committedMetadata: 'md' },
      { partitionIndex: 5, committedOffset: 1, committedLeaderEpoch: 1, committedMetadata: null },
    ];
    const commit = await call(8, 9, {
      groupId: 'g',
      generationIdOrMemberEpoch: 1,
      memberId,
      groupInstanceId: null,
      topics: [{ name: 't', partitions }],
    });
    expect(((commit.topics as Message[])[0]!.partitions as Message[]).map((p) => p.errorCode)).toEqual([
      0,
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    ]);
    const fetchV1 = await call(9, 1, { groupId: 'g', topics: [{ name: 't', partitionIndexes: [0, 1] }] });
    expect(((fetchV1.topics as Message[])[0]!.partitions as Message[]).map((p) => p.committedOffset)).toEqual(
      [10, -1],
    );
    const fetchV8 = await call(9, 8, {
      groups: [
        { groupId: 'g', topics: null },
        { groupId: 'other', topics: [{ name: 't', partitionIndexes: [0] }] },
      ],
      requireStable: false,
    });
    const groups = fetchV8.groups as Message[];
    expect(groups.map((g) => g.groupId)).toEqual(['g', 'other']);
    expect(((groups[0]!.topics as Message[])[0]!.partitions as Message[])[0]).toMatchObject({
      committedOffset: 10,
      committedLeaderEpoch: 1,
      metadata: 'md',
    });
    const list = await call(16, 4, { statesFilter: ['stable'] });
    expect(list.groups).toEqual([
      { groupId: 'g', protocolType: 'consumer', groupState: 'Stable', groupType: '' },
    ]);
    expect((await call(16, 5, { statesFilter: [], typesFilter: ['consumer'] })).groups).toEqual([]);
    const described = await call(15, 5, { groups: ['g', 'nope'], includeAuthorizedOperations: false });
    const [g, nope] = described.groups as Message[];
    expect(g).toMatchObject({ groupState: 'Stable', protocolData: 'range' });
    expect((g!.members as Message[])[0]).toMatchObject({
      memberId,
      clientId: 'client',
      memberAssignment: Buffer.from('A'),
    });
    expect(nope).toMatchObject({ errorCode: 0, groupState: 'Dead' });
    expect((await call(42, 2, { groupsNames: ['g'] })).results).toEqual([
      { groupId: 'g', errorCode: ErrorCode.NON_EMPTY_GROUP },
    ]);
    const offsetDelete = await call(47, 0, {
      groupId: 'g',
      topics: [{ name: 't', partitions: [{ partitionIndex: 0 }] }],
    });
    expect(offsetDelete.errorCode).toBe(ErrorCode.NON_EMPTY_GROUP);
    const leave = await call(13, 5, {
      groupId: 'g',
      members: [{ memberId, groupInstanceId: null, reason: 'bye' }],
    });
    expect(leave).toMatchObject({
      errorCode: 0,
      members: [{ memberId, groupInstanceId: null, errorCode: 0 }],
    });
    expect((await call(13, 1, { groupId: 'g', memberId })).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(
      (await call(47, 0, { groupId: 'g', topics: [{ name: 't', partitions: [{ partitionIndex: 0 }] }] }))
        .errorCode,
    ).toBe(0);
    expect((await call(42, 0, { groupsNames: ['g'] })).results).toEqual([{ groupId: 'g', errorCode: 0 }]);
  });

  it('accepts kafka-python style manual commits (v2, generation -1, no member) into an Empty group', async () => {
    const commit = await call(8, 2, {
      groupId: 'manual',
      generationIdOrMemberEpoch: -1,
      memberId: '',
      retentionTimeMs: -1,
      topics: [{ name: 't', partitions: [{ partitionIndex: 1, committedOffset: 3, committedMetadata: '' }] }],
    });
    expect(((commit.topics as Message[])[0]!.partitions as Message[])[0]!.errorCode).toBe(0);
    const fetched = await call(9, 2, { groupId: 'manual', topics: null });
    expect(fetched).toMatchObject({
      errorCode: 0,
      topics: [{ name: 't', partitions: [{ partitionIndex: 1, committedOffset: 3 }] }],
    });
  });
});

/** Requests consumer B (client.id cfk-member-b) sent in the errors/ capture; A sent the rest. */
const MEMBER_B_SEQS = new Set([52, 53, 57, 60, 91]);

/** A golden frame's request body, decoded. */
function goldenRequest(frame: GoldenFrame): Message {
  const api = handlers.get(frame.apiKey)!.api;
  const reader = new ProtocolReader(frame.request);
  const header = decodeRequestHeaderStart(reader);
  const flexible = inRange(header.apiVersion, api.flexible);
  if (flexible) skipHeaderTaggedFields(reader);
  return decodeMessage(api.request, header.apiVersion, flexible, reader);
}

function goldenResponse(frame: GoldenFrame): Message {
  const api = handlers.get(frame.apiKey)!.api;
  const reader = new ProtocolReader(frame.response!);
  reader.int32();
  const flexible = inRange(frame.apiVersion, api.flexible);
  if (flexible) skipHeaderTaggedFields(reader);
  return decodeMessage(api.response, frame.apiVersion, flexible, reader);
}

describe('the two-member rebalance captured from Kafka 2.4.1 (errors/)', () => {
  it('replays with the same error codes, generations and protocol', async () => {
    const frames = new Map(
      goldenFrames()
        .filter((f) => f.client === 'errors')
        .map((f) => [f.seq, f]),
    );
    broker.context.topics.create('err-rebal', 2, 1, {});
    // Kafka's member ids are not ours: map each one Kafka issued onto the one Kiln issued.
    const ids = new Map<string, string>();
    const ours = (id: string) => ids.get(id) ?? id;
    const replay = async (seq: number): Promise<{ got: Message; want: Message }> => {
      const frame = frames.get(seq)!;
      const request = goldenRequest(frame);
      for (const field of ['memberId'] as const)
        if (typeof request[field] === 'string') request[field] = ours(request[field]);
      if (Array.isArray(request.assignments))
        request.assignments = (request.assignments as Message[]).map((a) => ({
          ...a,
          memberId: ours(a.memberId as string),
        }));
      const clientId = MEMBER_B_SEQS.has(seq) ? 'cfk-member-b' : 'cfk-member-a';
      const got = await call(frame.apiKey, frame.apiVersion, request, clientId);
      const want = goldenResponse(frame);
      if (typeof want.memberId === 'string' && typeof got.memberId === 'string' && want.memberId !== '')
        ids.set(want.memberId, got.memberId);
      return { got, want };
    };
    const same = (r: { got: Message; want: Message }, fields: string[]) => {
      for (const f of fields) expect([f, r.got[f]]).toEqual([f, r.want[f]]);
    };
    // A joins alone: MEMBER_ID_REQUIRED, then generation 1, sync, heartbeat.
    same(await replay(29), ['errorCode']);
    same(await replay(30), ['errorCode', 'generationId', 'protocolName']);
    same(await replay(32), ['errorCode', 'assignment']);
    same(await replay(33), ['errorCode']);
    // B joins: its second JoinGroup is held; A's heartbeat says REBALANCE_IN_PROGRESS; A rejoins.
    same(await replay(52), ['errorCode']);
    const bJoin = replay(53);
    same(await replay(54), ['errorCode']);
    const aJoin = await replay(55);
    same(aJoin, ['errorCode', 'generationId', 'protocolName']);
    expect(aJoin.got.members as Message[]).toHaveLength((aJoin.want.members as Message[]).length);
    same(await bJoin, ['errorCode', 'generationId', 'protocolName']);
    // B's SyncGroup waits for the leader's.
    const bSync = replay(57);
    same(await replay(58), ['errorCode', 'assignment']);
    same(await bSync, ['errorCode', 'assignment']);
    same(await replay(60), ['errorCode']);
    // B leaves; A is told to rejoin and gets the next generation alone.
    same(await replay(91), ['errorCode']);
    same(await replay(93), ['errorCode']);
    same(await replay(94), ['errorCode', 'generationId', 'protocolName']);
    same(await replay(96), ['errorCode', 'assignment']);
    same(await replay(106), ['errorCode']);
  });
});
