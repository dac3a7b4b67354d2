// Regressions found by review of replication: each test is named for what broke.
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PartitionLog } from '../../../../engine/index.js';
import { parseLogConfig } from '../../../../engine/log/log-config.js';
import { PartitionLog as RealLog } from '../../../../engine/log/partition-log.js';
import { MappingBudget } from '../../../../engine/segment/mapping-budget.js';
import type { AppendWaiters } from '../../../../server/cluster/append-waiters.js';
import type { FetchAnswer } from '../../../../server/cluster/replication/fetch-worker.js';
import { Leaderships, type ReplicaState } from '../../../../server/cluster/replication/leaderships.js';
import { ReplicaFetcher } from '../../../../server/cluster/replication/replica-fetcher.js';
import type { PartitionState } from '../../../../server/cluster/zookeeper/znodes.js';
import { ErrorCode } from '../../../../server/protocol/error-codes.js';
import { batchOf } from '../../../helpers/log-fixtures.js';
import { makeTempDir, removeTempDir } from '../../../helpers/temp-dir.js';

const config = {
  lagTimeMaxMs: 30_000,
  fetchMaxBytes: 1 << 20,
  fetchResponseMaxBytes: 1 << 20,
  fetchWaitMaxMs: 1,
  fetchMinBytes: 1,
  fetchBackoffMs: 5,
  linger: { ms: 0, bytes: 0 },
  controlledShutdown: { enable: false, maxRetries: 0, retryBackoffMs: 0 },
};
const waiters = { notify() {} } as unknown as AppendWaiters;

/** The parts of a log the leader's bookkeeping uses. */
function fakeLog(leo: number) {
  return {
    leo,
    hw: leo,
    config: { minInsyncReplicas: 2 },
    onAppend: undefined as undefined | (() => void),
    get logEndOffset() {
      return this.leo;
    },
    get highWatermark() {
      return this.hw;
    },
    setHighWatermark(o: number) {
      this.hw = Math.min(o, this.leo);
    },
    assignLeaderEpoch() {},
    append(n: number) {
      this.leo += n;
      this.onAppend?.();
    },
  };
}

describe('replication regressions', () => {
  it('acks=all was answered while ZooKeeper already named a joining follower that lacked the records', async () => {
    const zk = { isr: [1, 2], version: 0 };
    let finishWrite: (() => void) | undefined;
    const states = new Map<string, ReplicaState>();
    const leaderships = new Leaderships({
      brokerId: 1,
      config,
      waiters,
      log: () => {},
      stateOf: (t, p) => states.get(`${t}-${p}`),
      readState: () => Promise.resolve(null),
      // The write lands in ZooKeeper at once; its answer comes later.
      writeIsr: (_t, _p, state: PartitionState) => {
        zk.isr = state.isr;
        zk.version++;
        return new Promise((resolve) => (finishWrite = () => resolve(zk.version)));
      },
    });
    const log = fakeLog(100);
    const state: ReplicaState = {
      leader: 1,
      leaderEpoch: 1,
      isr: [1, 2],
      replicas: [1, 3, 2],
      zkVersion: 0,
      controllerEpoch: 1,
    };
    states.set('t-0', state);
    leaderships.lead('t', 0, log as unknown as PartitionLog, state, true);
    leaderships.recordFollowerFetch('t', 0, 2, 100);
    leaderships.recordFollowerFetch('t', 0, 3, 100); // 3 caught up: the expansion is being written
    expect(zk.isr).toEqual([1, 2, 3]);
    log.append(10);
    leaderships.recordFollowerFetch('t', 0, 2, 110); // only 2 has the new records
    // Broker 3 is in ZooKeeper's ISR, so the high watermark must wait for it too.
    expect(log.highWatermark).toBe(100);
    const acked = leaderships.waitForReplication('t', 0, 110, 5_000);
    finishWrite!();
    leaderships.recordFollowerFetch('t', 0, 3, 110);
    expect(await acked).toBe(ErrorCode.NONE);
    expect(log.highWatermark).toBe(110);
    leaderships.stop();
  });

  it('an ISR write answered after the state was replaced left a stale version, refusing every later change', async () => {
    const states = new Map<string, ReplicaState>();
    let answer: ((v: number | null) => void) | undefined;
    const stored = { leader: 1, leaderEpoch: 1, isr: [1, 2, 3], controllerEpoch: 1, zkVersion: 1 };
    const leaderships = new Leaderships({
      brokerId: 1,
      config,
      waiters,
      log: () => {},
      stateOf: (t, p) => states.get(`${t}-${p}`),
      readState: () => Promise.resolve(stored),
      writeIsr: () => new Promise((resolve) => (answer = resolve)),
    });
    const log = fakeLog(10);
    const first: ReplicaState = {
      leader: 1,
      leaderEpoch: 1,
      isr: [1, 2],
      replicas: [1, 2, 3],
      zkVersion: 0,
      controllerEpoch: 1,
    };
    states.set('t-0', first);
    leaderships.lead('t', 0, log as unknown as PartitionLog, first, true);
    leaderships.recordFollowerFetch('t', 0, 3, 10); // 3 joins: write in flight
    // A new controller repeats the same state (same epoch, same version) meanwhile.
    const repeated: ReplicaState = { ...first, isr: [1, 2] };
    states.set('t-0', repeated);
    leaderships.lead('t', 0, log as unknown as PartitionLog, repeated, false);
    answer!(1);
    await new Promise((resolve) => setTimeout(resolve, 10));
    // The leader read the state again and holds ZooKeeper's version and ISR.
    expect(states.get('t-0')!.zkVersion).toBe(1);
    expect(leaderships.get('t', 0)!.isr).toEqual([1, 2, 3]);
    leaderships.stop();
  });

  it('a dead follower the controller took out of the ISR was put back by its last offsets when another follower fetched', () => {
    const states = new Map<string, ReplicaState>();
    const written: number[][] = [];
    const leaderships = new Leaderships({
      brokerId: 1,
      config,
      waiters,
      log: () => {},
      stateOf: (t, p) => states.get(`${t}-${p}`),
      readState: () => Promise.resolve(null),
      writeIsr: (_t, _p, state: PartitionState) => {
        written.push(state.isr);
        return new Promise(() => {});
      },
    });
    const log = fakeLog(10);
    const first: ReplicaState = {
      leader: 1,
      leaderEpoch: 1,
      isr: [1, 2, 3],
      replicas: [1, 2, 3],
      zkVersion: 0,
      controllerEpoch: 1,
    };
    states.set('t-0', first);
    leaderships.lead('t', 0, log as unknown as PartitionLog, first, true);
    leaderships.recordFollowerFetch('t', 0, 2, 10);
    leaderships.recordFollowerFetch('t', 0, 3, 10);
    // Broker 2 dies: the controller takes it out, at the next epoch.
    const shrunk: ReplicaState = { ...first, leaderEpoch: 2, isr: [1, 3], zkVersion: 1 };
    states.set('t-0', shrunk);
    leaderships.lead('t', 0, log as unknown as PartitionLog, shrunk, true);
    leaderships.recordFollowerFetch('t', 0, 3, 10);
    expect(written).toEqual([]);
    leaderships.stop();
  });

  it("a fetcher's stop waited forever on a round trip to a leader that never answers", async () => {
    let sent = 0;
    const fetcher = new ReplicaFetcher(
      2,
      { host: 'x', port: 1 },
      {
        brokerId: 1,
        brokerEpoch: () => 1,
        config,
        log: () => {},
        run: () => {
          sent++;
          return new Promise(() => {});
        },
      },
    );
    const log = {
      latestEpoch: -1,
      logEndOffset: 0,
      highWatermark: 0,
      logStartOffset: 0,
      truncateTo: () => false,
    };
    fetcher.add({
      topic: 't',
      topicId: 'id',
      partition: 0,
      log: log as unknown as PartitionLog,
      leaderEpoch: 1,
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(sent).toBe(1);
    const outcome = await Promise.race([
      fetcher.stop().then(() => 'stopped'),
      new Promise((resolve) => setTimeout(() => resolve('hung'), 1000)),
    ]);
    expect(outcome).toBe('stopped');
  });

  it('a fetch pool that threw at once left a deadline timer that ended the process 15 s later', async () => {
    const unhandled: unknown[] = [];
    const listener = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', listener);
    const fetcher = new ReplicaFetcher(
      2,
      { host: 'x', port: 1 },
      {
        brokerId: 1,
        brokerEpoch: () => 1,
        config: { ...config, fetchWaitMaxMs: -14_990 }, // a deadline of 10 ms
        log: () => {},
        run: () => {
          throw new Error('the pool cannot start a worker');
        },
      },
    );
    const log = {
      latestEpoch: -1,
      logEndOffset: 0,
      highWatermark: 0,
      logStartOffset: 0,
      truncateTo: () => false,
    };
    fetcher.add({
      topic: 't',
      topicId: 'id',
      partition: 0,
      log: log as unknown as PartitionLog,
      leaderEpoch: 1,
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await fetcher.stop();
    process.off('unhandledRejection', listener);
    expect(unhandled).toEqual([]);
  });

  it('the same leader at an epoch after a gap was followed on without truncating', () => {
    const fetcher = new ReplicaFetcher(
      2,
      { host: 'x', port: 1 },
      {
        brokerId: 1,
        brokerEpoch: () => 1,
        config,
        log: () => {},
        run: () => new Promise(() => {}),
      },
    );
    const log = {
      latestEpoch: -1,
      logEndOffset: 0,
      highWatermark: 0,
      logStartOffset: 0,
      truncateTo: () => false,
    };
    fetcher.add({
      topic: 't',
      topicId: 'id',
      partition: 0,
      log: log as unknown as PartitionLog,
      leaderEpoch: 5,
    });
    expect(fetcher.setLeaderEpoch('t', 0, 5)).toBe(true); // the same epoch again
    expect(fetcher.setLeaderEpoch('t', 0, 6)).toBe(true); // the next one: an ISR change
    expect(fetcher.setLeaderEpoch('t', 0, 8)).toBe(false); // epoch 7 was someone else's
    void fetcher.stop();
  });

  describe('with real logs', () => {
    let root: string;
    const open = (name: string): RealLog =>
      RealLog.open({
        dir: path.join(root, name),
        topic: 't',
        partition: 0,
        config: parseLogConfig({}),
        budget: new MappingBudget(64),
        cleanShutdown: true,
        now: 1_700_000_000_000,
      });
    beforeEach(() => (root = makeTempDir()));
    afterEach(() => removeTempDir(root));

    it("a follower whose start fell inside the leader's first batch (DeleteRecords) never got past it", async () => {
      const leader = open('leader');
      for (let i = 0; i < 3; i++) leader.append(batchOf(10, `b${i}`)); // offsets 0..29
      leader.deleteRecordsBefore(15); // log start 15, inside the batch 10..19
      const follower = open('follower');
      follower.replicated = true;
      const fetcher = new ReplicaFetcher(
        2,
        { host: 'x', port: 1 },
        {
          brokerId: 1,
          brokerEpoch: () => 1,
          config,
          log: () => {},
          run: async (task) => {
            await new Promise((resolve) => setTimeout(resolve, 1)); // a leader takes a moment
            if (task.kind === 'epochs') throw new Error('the follower has no epochs to ask about');
            const offset = Number(task.body.topics[0]!.partitions[0]!.fetchOffset);
            const base = {
              topic: 't',
              topicId: 'id',
              partition: 0,
              highWatermark: leader.highWatermark,
              logStartOffset: leader.logStartOffset,
              start: 0,
              length: 0,
            };
            if (offset < leader.logStartOffset)
              return {
                errorCode: 0,
                store: null,
                partitions: [{ ...base, errorCode: ErrorCode.OFFSET_OUT_OF_RANGE }],
              };
            const read = await leader.read(offset, 1 << 20, { upTo: leader.logEndOffset });
            const copy = new Uint8Array(read.records.length);
            copy.set(read.records);
            return {
              errorCode: 0,
              store: copy.buffer,
              partitions: [{ ...base, errorCode: 0, length: copy.length }],
            } satisfies FetchAnswer;
          },
        },
      );
      fetcher.add({ topic: 't', topicId: 'id', partition: 0, log: follower, leaderEpoch: 1 });
      const deadline = Date.now() + 5000;
      while (follower.logEndOffset < 30 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      await fetcher.stop();
      expect(follower.logEndOffset).toBe(30);
      expect(follower.logStartOffset).toBe(15);
      leader.close();
      follower.close();
    });
  });
});
