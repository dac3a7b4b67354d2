// The leaderships and the fetches waiting on what they lead (AppendWaiters): who wakes them and
// who must not. Regressions found by review; each test is named for what broke.
import { afterEach, describe, expect, it } from 'vitest';
import type { PartitionLog } from '../../../../engine/index.js';
import { AppendWaiters } from '../../../../server/cluster/append-waiters.js';
import { Leaderships, type ReplicaState } from '../../../../server/cluster/replication/leaderships.js';
import { ErrorCode } from '../../../../server/protocol/error-codes.js';

const config = {
  lagTimeMaxMs: 30_000,
  fetchMaxBytes: 1 << 20,
  fetchResponseMaxBytes: 1 << 20,
  fetchWaitMaxMs: 500,
  fetchMinBytes: 1,
  fetchBackoffMs: 5,
  linger: { ms: 5, bytes: 1 << 20 },
  controlledShutdown: { enable: false, maxRetries: 0, retryBackoffMs: 0 },
};

/** The parts of a log the leader's bookkeeping uses. */
function fakeLog(leo: number) {
  const log = {
    leo,
    hw: leo,
    config: { minInsyncReplicas: 1 },
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
  };
  return Object.assign(log, { asLog: log as unknown as PartitionLog });
}

const state = (): ReplicaState => ({
  leader: 1,
  leaderEpoch: 1,
  isr: [1, 2],
  replicas: [1, 2],
  zkVersion: 0,
  controllerEpoch: 1,
});

let waiters: AppendWaiters;
let leaderships: Leaderships | undefined;

/** Broker 1 leading t-0 and t-1 (follower 2 in the ISR), each log 10 records long, all replicated. */
function leading(): Leaderships {
  waiters = new AppendWaiters();
  leaderships = new Leaderships({
    brokerId: 1,
    config,
    waiters,
    writeIsr: () => Promise.resolve(null),
    readState: () => Promise.resolve(null),
    stateOf: () => state(),
    log: () => {},
  });
  for (const p of [0, 1]) leaderships.lead('t', p, fakeLog(10).asLog, state(), true);
  return leaderships;
}

afterEach(() => {
  leaderships?.stop();
  waiters?.wakeAll();
});

/** A fetch waiting on `keys` (for a minute), and whether something woke it yet. */
function waitingFetch(keys: string[]): { woken: () => boolean } {
  let woken = false;
  void waiters.wait(keys, 60_000).then(() => (woken = true));
  return { woken: () => woken };
}

const settled = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('Leaderships and waiting fetches', () => {
  it('an acks=all request already replicated woke the fetches of its partition (they read again for nothing)', async () => {
    const l = leading();
    // Another request waits for offset 11: the partition is awaited.
    const pending = l.waitForReplication('t', 0, 11, 60_000);
    const fetch = waitingFetch(['t-0']);
    expect(await l.waitForReplication('t', 0, 10, 60_000)).toBe(ErrorCode.NONE);
    await settled();
    expect(fetch.woken()).toBe(false);
    // One that must wait does wake them: a lingering follower fetch is answered for it.
    void l.waitForReplication('t', 0, 12, 60_000);
    await settled();
    expect(fetch.woken()).toBe(true);
    l.resign('t', 0);
    expect(await pending).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
  });

  it('a resign left the fetches of the partition waiting (for NOT_LEADER_OR_FOLLOWER) until their wait ended', async () => {
    const l = leading();
    const onResigned = waitingFetch(['t-0']);
    const onOther = waitingFetch(['t-1']);
    l.resign('t', 0);
    await settled();
    expect(onResigned.woken()).toBe(true);
    expect(onOther.woken()).toBe(false);
    expect(l.get('t', 0)).toBeUndefined();
  });

  it('a session expiry (resignAll) and a stop left fetches waiting until their wait ended', async () => {
    const l = leading();
    const first = [waitingFetch(['t-0']), waitingFetch(['t-1'])];
    l.resignAll();
    await settled();
    expect(first.map((f) => f.woken())).toEqual([true, true]);
    for (const p of [0, 1]) l.lead('t', p, fakeLog(10).asLog, state(), true);
    const second = [waitingFetch(['t-0']), waitingFetch(['t-1'])];
    l.stop();
    await settled();
    expect(second.map((f) => f.woken())).toEqual([true, true]);
  });
});
