// The group metadata written when a rebalance completes (the leader's SyncGroup), in cluster mode
// with a stand-in replica manager: the members get their assignment only once it is replicated,
// and Kafka's codes for group metadata (not those of offset commits) when the write fails.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EngineError } from '../../../engine/index.js';
import {
  GroupCoordinator,
  type JoinResult,
  type SyncResult,
} from '../../../server/group/group-coordinator.js';
import { OFFSETS_TOPIC, partitionForGroup } from '../../../server/group/offset-store.js';
import { ErrorCode } from '../../../server/protocol/error-codes.js';
import { FakeOffsetsReplicas } from '../../helpers/fake-offsets-replicas.js';
import { joinRequest, openTestBroker, type TestBroker } from '../../helpers/group-context.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';

const GROUP = 'g';
let dir: string;
let broker: TestBroker;
let coordinator: GroupCoordinator;
let replicas: FakeOffsetsReplicas;

beforeEach(async () => {
  dir = makeTempDir('kiln-group-replication-');
  broker = openTestBroker(dir);
  coordinator = await GroupCoordinator.open(broker.context);
  coordinator.store.ensureTopic();
  replicas = new FakeOffsetsReplicas().install(broker.context);
});

afterEach(() => {
  coordinator.close();
  broker.close();
  removeTempDir(dir);
});

/** Every promise callback already due has run. */
const settled = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** One member joins (generation 1, its leader) and sends its assignment: the SyncGroup answer. */
async function joinAndSync(): Promise<{ joined: JoinResult; sync: SyncResult | Promise<SyncResult> }> {
  const joined = await coordinator.joinGroup(GROUP, joinRequest());
  expect(joined.errorCode).toBe(ErrorCode.NONE);
  const sync = coordinator.syncGroup(GROUP, {
    generationId: joined.generationId,
    memberId: joined.memberId,
    groupInstanceId: null,
    protocolType: null,
    protocolName: null,
    assignments: [{ memberId: joined.memberId, assignment: Buffer.from('mine') }],
  });
  return { joined, sync };
}

describe('group metadata in a cluster', () => {
  it('is replicated before the members get their assignment', async () => {
    const { sync } = await joinAndSync();
    expect(replicas.waits).toHaveLength(1);
    expect(coordinator.group(GROUP)?.state).toBe('CompletingRebalance');
    const log = broker.context.logs.getLog(
      OFFSETS_TOPIC,
      partitionForGroup(GROUP, coordinator.store.partitions),
    )!;
    expect(replicas.waits[0]).toMatchObject({ offset: log.logEndOffset, timeoutMs: 5000 });
    replicas.waits[0]!.resolve(ErrorCode.NONE);
    const answer = await sync;
    expect(answer.errorCode).toBe(ErrorCode.NONE);
    expect(answer.assignment.toString()).toBe('mine');
    expect(coordinator.group(GROUP)?.state).toBe('Stable');
  });

  // Kafka 2.4's storeGroup callback, which differs from the offset commit's: a timeout is
  // REBALANCE_IN_PROGRESS and a batch too large UNKNOWN_SERVER_ERROR. Either way the assignment
  // is dropped and the group rebalances again.
  it.each([
    ['REQUEST_TIMED_OUT', ErrorCode.REQUEST_TIMED_OUT, ErrorCode.REBALANCE_IN_PROGRESS],
    [
      'NOT_ENOUGH_REPLICAS_AFTER_APPEND',
      ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND,
      ErrorCode.COORDINATOR_NOT_AVAILABLE,
    ],
    ['NOT_LEADER_OR_FOLLOWER', ErrorCode.NOT_LEADER_OR_FOLLOWER, ErrorCode.NOT_COORDINATOR],
  ])(
    'a write whose wait ends %s (%i) answers SyncGroup %i and rebalances again',
    async (_name, waited, answered) => {
      const { sync } = await joinAndSync();
      replicas.waits[0]!.resolve(waited);
      const answer = await sync;
      expect(answer.errorCode).toBe(answered);
      expect(answer.assignment).toHaveLength(0);
      expect(coordinator.group(GROUP)?.state).toBe('PreparingRebalance');
      expect([...coordinator.group(GROUP)!.members.values()][0]!.assignment).toHaveLength(0);
    },
  );

  it('is refused before the append when the ISR is below min.insync.replicas: COORDINATOR_NOT_AVAILABLE', async () => {
    replicas.beforeAppend = ErrorCode.NOT_ENOUGH_REPLICAS;
    const { sync } = await joinAndSync();
    expect(replicas.waits).toHaveLength(0);
    expect((await sync).errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    expect(coordinator.group(GROUP)?.state).toBe('PreparingRebalance');
  });

  it.each([
    ['a failure the engine does not name', new Error('the disk caught fire'), ErrorCode.UNKNOWN_SERVER_ERROR],
    ['a storage failure', new EngineError('STORAGE_ERROR', 'EIO'), ErrorCode.NOT_COORDINATOR],
    ['a batch too large', new EngineError('RECORD_TOO_LARGE', 'too large'), ErrorCode.UNKNOWN_SERVER_ERROR],
  ])('an append that fails with %s answers SyncGroup %i', async (_name, thrown, answered) => {
    const log = broker.context.logs.getLog(
      OFFSETS_TOPIC,
      partitionForGroup(GROUP, coordinator.store.partitions),
    )!;
    log.append = () => {
      throw thrown;
    };
    const { sync } = await joinAndSync();
    expect((await sync).errorCode).toBe(answered);
    expect(coordinator.group(GROUP)?.state).toBe('PreparingRebalance');
  });

  it('finishing after the rebalance moved on changes nothing (the leader left meanwhile)', async () => {
    const { joined, sync } = await joinAndSync();
    const left = coordinator.leaveGroup(GROUP, [{ memberId: joined.memberId, groupInstanceId: null }]);
    expect(left.members[0]!.errorCode).toBe(ErrorCode.NONE);
    // The leaving member's held SyncGroup was answered by the leave.
    expect((await sync).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    const state = coordinator.group(GROUP)!.state;
    replicas.waits[0]!.resolve(ErrorCode.NONE);
    await settled();
    expect(coordinator.group(GROUP)!.state).toBe(state);
  });

  it('of a group unloaded meanwhile (leadership moved) leaves the dropped group Dead', async () => {
    const { sync } = await joinAndSync();
    const group = coordinator.group(GROUP)!;
    replicas.leading = new Set();
    await coordinator.offsetsLeadershipChanged(partitionForGroup(GROUP, coordinator.store.partitions), false);
    expect((await sync).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    replicas.waits[0]!.resolve(ErrorCode.NONE);
    await settled();
    expect(group.state).toBe('Dead');
    expect(coordinator.group(GROUP)).toBeUndefined();
  });
});
