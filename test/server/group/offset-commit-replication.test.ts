// Offset commits in cluster mode, with a stand-in replica manager: answered only once replicated,
// Kafka's error codes for a write that failed, and OffsetFetch showing only replicated commits.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EngineError, type PartitionLog } from '../../../engine/index.js';
import { GroupCoordinator, type CommitTopicResult } from '../../../server/group/group-coordinator.js';
import { OFFSETS_TOPIC, partitionForGroup } from '../../../server/group/offset-store.js';
import { ErrorCode } from '../../../server/protocol/error-codes.js';
import { FakeOffsetsReplicas } from '../../helpers/fake-offsets-replicas.js';
import { atOnce, openTestBroker, type TestBroker } from '../../helpers/group-context.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';

const GROUP = 'g';
let dir: string;
let broker: TestBroker;
let coordinator: GroupCoordinator;
let replicas: FakeOffsetsReplicas;
let appended: number[];

async function open(properties: Record<string, string> = {}): Promise<void> {
  broker = openTestBroker(dir, { 'offsets.commit.timeout.ms': '1234', ...properties });
  coordinator = await GroupCoordinator.open(broker.context);
  broker.context.topics.create('t', 2, 1, {});
  coordinator.store.ensureTopic();
  replicas = new FakeOffsetsReplicas().install(broker.context);
  appended = [];
  coordinator.store.appended = (partition) => appended.push(partition);
}

function commit(offset: number, partitionIndex = 0): CommitTopicResult[] | Promise<CommitTopicResult[]> {
  return coordinator.commitOffsets({
    groupId: GROUP,
    generationId: -1,
    memberId: '',
    groupInstanceId: null,
    topics: [
      {
        name: 't',
        partitions: [
          {
            partitionIndex,
            committedOffset: offset,
            committedLeaderEpoch: -1,
            commitTimestamp: -1,
            committedMetadata: '',
          },
        ],
      },
    ],
  });
}

const codeOf = (result: CommitTopicResult[]): number => result[0]!.partitions[0]!.errorCode;

/** The offset OffsetFetch returns for t-`partition` (-1: none). */
function fetched(partition = 0): number {
  const result = coordinator.fetchOffsets(GROUP, [{ name: 't', partitionIndexes: [partition] }]);
  expect(result.errorCode).toBe(ErrorCode.NONE);
  return result.topics[0]!.partitions[0]!.committedOffset;
}

function groupLog(): PartitionLog {
  return broker.context.logs.getLog(OFFSETS_TOPIC, partitionForGroup(GROUP, coordinator.store.partitions))!;
}

beforeEach(() => {
  dir = makeTempDir('kiln-commit-replication-');
});

afterEach(() => {
  coordinator.close();
  broker.close();
  removeTempDir(dir);
});

describe('offset commits in a cluster', () => {
  it('are answered once the high watermark passes them, and only then fetched', async () => {
    await open();
    const log = groupLog();
    const pending = commit(42);
    expect(pending).toBeInstanceOf(Promise);
    // Written to the leader's log at once, followers woken, and waiting for the ISR.
    expect(appended).toEqual([log.partition]);
    expect(replicas.waits).toHaveLength(1);
    expect(replicas.waits[0]).toMatchObject({
      partition: log.partition,
      offset: log.logEndOffset,
      timeoutMs: 1234,
    });
    expect(fetched()).toBe(-1);
    replicas.waits[0]!.resolve(ErrorCode.NONE);
    expect(codeOf(await pending)).toBe(ErrorCode.NONE);
    expect(fetched()).toBe(42);
  });

  it('refuses before the append when the ISR is below min.insync.replicas: COORDINATOR_NOT_AVAILABLE, nothing written', async () => {
    await open();
    const end = groupLog().logEndOffset;
    replicas.beforeAppend = ErrorCode.NOT_ENOUGH_REPLICAS;
    expect(codeOf(await commit(42))).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    expect(groupLog().logEndOffset).toBe(end);
    expect(replicas.waits).toHaveLength(0);
    expect(fetched()).toBe(-1);
  });

  // Kafka 2.4's storeOffsets callback: too few replicas -> COORDINATOR_NOT_AVAILABLE, lost
  // leadership -> NOT_COORDINATOR, and a timeout reaches the client as it is.
  it.each([
    [
      'NOT_ENOUGH_REPLICAS_AFTER_APPEND',
      ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND,
      ErrorCode.COORDINATOR_NOT_AVAILABLE,
    ],
    ['REQUEST_TIMED_OUT', ErrorCode.REQUEST_TIMED_OUT, ErrorCode.REQUEST_TIMED_OUT],
    ['NOT_LEADER_OR_FOLLOWER', ErrorCode.NOT_LEADER_OR_FOLLOWER, ErrorCode.NOT_COORDINATOR],
  ])('a commit whose wait ends %s (%i) is answered %i and never fetched', async (_name, waited, answered) => {
    await open();
    expect(codeOf(await settle(7))).toBe(ErrorCode.NONE);
    const end = groupLog().logEndOffset;
    const pending = commit(42);
    // The record is in the leader's log, past what was replicated.
    expect(groupLog().logEndOffset).toBeGreaterThan(end);
    replicas.waits.at(-1)!.resolve(waited);
    expect(codeOf(await pending)).toBe(answered);
    expect(fetched()).toBe(7);
  });

  it.each([
    ['a failure the engine does not name', new Error('the disk caught fire'), ErrorCode.UNKNOWN_SERVER_ERROR],
    ['a storage failure', new EngineError('STORAGE_ERROR', 'EIO'), ErrorCode.NOT_COORDINATOR],
    [
      'a batch too large',
      new EngineError('RECORD_TOO_LARGE', 'too large'),
      ErrorCode.INVALID_COMMIT_OFFSET_SIZE,
    ],
  ])('an append that fails with %s is answered %i', async (_name, thrown, answered) => {
    await open();
    groupLog().append = () => {
      throw thrown;
    };
    expect(codeOf(await commit(42))).toBe(answered);
    expect(replicas.waits).toHaveLength(0);
    expect(fetched()).toBe(-1);
  });

  it('goes to the group partition only while this broker leads it (NOT_COORDINATOR otherwise)', async () => {
    await open();
    replicas.leading = new Set();
    expect(codeOf(atOnce(commit(42)))).toBe(ErrorCode.NOT_COORDINATOR);
    expect(replicas.waits).toHaveLength(0);
  });

  it('with offsets.commit.required.acks=1 is answered once appended, whatever the ISR', async () => {
    await open({ 'offsets.commit.required.acks': '1' });
    replicas.beforeAppend = ErrorCode.NOT_ENOUGH_REPLICAS;
    expect(codeOf(await commit(42))).toBe(ErrorCode.NONE);
    expect(replicas.waits).toHaveLength(0);
    expect(fetched()).toBe(42);
  });

  it('enter the cache in the order they were written', async () => {
    await open();
    const first = commit(1);
    const second = commit(2);
    const [a, b] = replicas.waits;
    a!.resolve(ErrorCode.NONE);
    expect(codeOf(await first)).toBe(ErrorCode.NONE);
    expect(fetched()).toBe(1);
    b!.resolve(ErrorCode.NONE);
    expect(codeOf(await second)).toBe(ErrorCode.NONE);
    expect(fetched()).toBe(2);
  });

  it('deleted while waiting (OffsetDelete) stays deleted when the write then succeeds', async () => {
    await open();
    const pending = commit(42);
    expect(
      coordinator.deleteOffsets(GROUP, [{ name: 't', partitions: [{ partitionIndex: 0 }] }]).errorCode,
    ).toBe(ErrorCode.NONE);
    replicas.waits[0]!.resolve(ErrorCode.NONE);
    expect(codeOf(await pending)).toBe(ErrorCode.NONE);
    expect(fetched()).toBe(-1);
    // The log says the same: read again (as a new leader would), the offset is still deleted.
    await coordinator.offsetsLeadershipChanged(groupLog().partition, true);
    expect(fetched()).toBe(-1);
  });

  it('of a group deleted while waiting (DeleteGroups) stay deleted, in memory and in the log', async () => {
    await open();
    const pending = commit(42);
    expect(coordinator.deleteGroups([GROUP])).toEqual([{ groupId: GROUP, errorCode: ErrorCode.NONE }]);
    replicas.waits[0]!.resolve(ErrorCode.NONE);
    expect(codeOf(await pending)).toBe(ErrorCode.NONE);
    expect(fetched()).toBe(-1);
    await coordinator.offsetsLeadershipChanged(groupLog().partition, true);
    expect(fetched()).toBe(-1);
  });

  it('of a partition unloaded while waiting (leadership moved) are not kept in memory', async () => {
    await open();
    const partition = groupLog().partition;
    const pending = commit(42);
    replicas.leading = new Set();
    await coordinator.offsetsLeadershipChanged(partition, false);
    replicas.waits[0]!.resolve(ErrorCode.NONE);
    expect(codeOf(await pending)).toBe(ErrorCode.NONE);
    expect(coordinator.store.hasOffsets(GROUP)).toBe(false);
  });
});

describe('offset commits on a single node', () => {
  it('are answered at once, with no wait', async () => {
    broker = openTestBroker(dir);
    coordinator = await GroupCoordinator.open(broker.context);
    broker.context.topics.create('t', 1, 1, {});
    expect(codeOf(atOnce(commit(42)))).toBe(ErrorCode.NONE);
    expect(fetched()).toBe(42);
  });
});

/** Commits `offset` and lets its wait succeed; the answer. */
async function settle(offset: number): Promise<CommitTopicResult[]> {
  const pending = commit(offset);
  replicas.waits.at(-1)!.resolve(ErrorCode.NONE);
  return pending;
}

describe('offset commits in a cluster, with expiry and topic deletion', () => {
  it('expiry leaves a partition whose new commit is waiting, and the group with it (an acknowledged commit was tombstoned)', async () => {
    await open({ 'offsets.retention.minutes': '1' });
    expect(codeOf(await settle(10))).toBe(ErrorCode.NONE);
    const second = commit(20);
    // Long after the first commit: it is old enough to expire, but its replacement is on its way.
    expect(coordinator.expireOffsets(Date.now() + 10 * 60_000)).toBe(0);
    replicas.waits.at(-1)!.resolve(ErrorCode.NONE);
    expect(codeOf(await second)).toBe(ErrorCode.NONE);
    expect(fetched()).toBe(20);
  });

  it("a deleted topic's commits still waiting do not come back when they complete", async () => {
    await open();
    const pending = commit(42);
    coordinator.store.deleteTopic('t');
    replicas.waits.at(-1)!.resolve(ErrorCode.NONE);
    expect(codeOf(await pending)).toBe(ErrorCode.NONE);
    expect(fetched()).toBe(-1);
  });
});
