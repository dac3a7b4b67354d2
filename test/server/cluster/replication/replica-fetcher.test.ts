// The follower throttle in the replica fetcher, against a fake leader (the fetch pool's run
// function answering from real logs) and a quota the test controls: a throttled partition that is
// not caught up is left out of the fetch while the quota is exceeded, the others go on; a caught-up
// one is never held back; bytes appended of throttled partitions are counted; and with everything
// held back the fetcher sleeps as long as the quota says rather than spinning.
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseLogConfig } from '../../../../engine/log/log-config.js';
import { PartitionLog } from '../../../../engine/log/partition-log.js';
import { MappingBudget } from '../../../../engine/segment/mapping-budget.js';
import type { FetchAnswer, FetchTask } from '../../../../server/cluster/replication/fetch-worker.js';
import { ReplicaFetcher } from '../../../../server/cluster/replication/replica-fetcher.js';
import { batchOf } from '../../../helpers/log-fixtures.js';
import { makeTempDir, removeTempDir } from '../../../helpers/temp-dir.js';
import { waitFor } from '../../../helpers/wait-for.js';

const config = {
  lagTimeMaxMs: 30_000,
  fetchMaxBytes: 1 << 20,
  fetchResponseMaxBytes: 1 << 20,
  fetchWaitMaxMs: 20,
  fetchMinBytes: 1,
  fetchBackoffMs: 5,
  linger: { ms: 0, bytes: 0 },
  controlledShutdown: { enable: false, maxRetries: 0, retryBackoffMs: 0 },
};

/** A follower quota the test steers: which partitions it throttles and whether it is exceeded. */
class SteeredQuota {
  readonly limited = true;
  throttled = new Set<number>();
  over = false;
  recorded = 0;
  waitAsked = 0;
  isThrottled(_topic: string, partition: number): boolean {
    return this.throttled.has(partition);
  }
  exceeded(): boolean {
    return this.over;
  }
  onRecord: (() => void) | undefined;
  record(bytes: number): void {
    this.recorded += bytes;
    this.onRecord?.();
  }
  msUntilWithin(): number {
    this.waitAsked++;
    return 50;
  }
}

let root: string;
const open = (name: string, partition: number): PartitionLog =>
  PartitionLog.open({
    dir: path.join(root, `${name}-${partition}`),
    topic: 't',
    partition,
    config: parseLogConfig({}),
    budget: new MappingBudget(64),
    cleanShutdown: true,
    now: 1_700_000_000_000,
  });

beforeEach(() => (root = makeTempDir()));
afterEach(() => removeTempDir(root));

describe('the follower throttle in ReplicaFetcher', () => {
  it('leaves a throttled partition that is behind out of the fetch while the quota is exceeded, and counts its bytes', async () => {
    const leaders = [open('leader', 0), open('leader', 1)];
    const followers = [open('follower', 0), open('follower', 1)];
    for (const f of followers) f.replicated = true;
    for (const l of leaders) for (let i = 0; i < 3; i++) l.append(batchOf(10, `p${l.partition}-${i}`));
    const quota = new SteeredQuota();
    quota.throttled.add(0);
    quota.over = true;
    /** The partitions each fetch asked for. */
    const asked: number[][] = [];
    /** Partitions whose follower the fake leader counts in sync (it caught up once). */
    const inSync = new Set<number>();
    const run = async (task: FetchTask): Promise<FetchAnswer> => {
      if (task.kind !== 'fetch') throw new Error('the followers have no epochs to ask about');
      const wanted = task.body.topics.flatMap((t) => t.partitions);
      asked.push(wanted.map((p) => p.partition));
      const reads = await Promise.all(
        wanted.map(async (p) => {
          const leader = leaders[p.partition]!;
          // One batch per answer, so that a copy takes several fetches.
          return (
            await leader.read(Number(p.fetchOffset), 1, { upTo: leader.logEndOffset, minOneBatch: true })
          ).records;
        }),
      );
      // A leader with nothing new holds the fetch a moment (its long poll).
      if (reads.every((r) => r.length === 0)) await new Promise((resolve) => setTimeout(resolve, 10));
      const store = new Uint8Array(reads.reduce((n, r) => n + r.length, 0));
      let start = 0;
      const partitions = wanted.map((p, i) => {
        store.set(reads[i]!, start);
        const leader = leaders[p.partition]!;
        const fetchOffset = Number(p.fetchOffset);
        if (fetchOffset >= leader.logEndOffset) inSync.add(p.partition);
        // As a leader's: up to where its ISR (this follower too, once in sync) has the log.
        const highWatermark = inSync.has(p.partition)
          ? Math.min(leader.logEndOffset, fetchOffset)
          : leader.logEndOffset;
        const entry = {
          topic: 't',
          topicId: 'id',
          partition: p.partition,
          errorCode: 0,
          highWatermark,
          logStartOffset: leader.logStartOffset,
          start,
          length: reads[i]!.length,
        };
        start += reads[i]!.length;
        return entry;
      });
      return { errorCode: 0, store: store.buffer, partitions };
    };
    const fetcher = new ReplicaFetcher(
      2,
      { host: 'x', port: 1 },
      { brokerId: 3, brokerEpoch: () => 1, config, log: () => {}, run, quota },
    );
    const fetchesOf0 = () => asked.filter((a) => a.includes(0)).length;
    try {
      for (const [p, log] of followers.entries())
        fetcher.add({ topic: 't', topicId: 'id', partition: p, log, leaderEpoch: 1 });
      // Partition 1 (not throttled) copies everything; partition 0 (its lag not known yet) is not asked for.
      await waitFor(() => followers[1]!.logEndOffset === 30, { what: 'partition 1 copied' });
      await waitFor(() => asked.length >= 5, { what: 'more fetches of partition 1' });
      expect(fetchesOf0()).toBe(0);
      expect(followers[0]!.logEndOffset).toBe(0);
      expect(quota.recorded).toBe(0); // partition 1's bytes are not throttled ones
      // The quota lets one fetch through, whose bytes exceed it again: partition 0, 20 behind, waits.
      quota.onRecord = () => (quota.over = true);
      quota.over = false;
      await waitFor(() => followers[0]!.logEndOffset === 10, { what: 'one batch of partition 0' });
      const seen = asked.length;
      await waitFor(() => asked.length >= seen + 5, { what: 'fetches of partition 1 meanwhile' });
      expect(fetchesOf0()).toBe(1);
      expect(followers[0]!.logEndOffset).toBe(10);
      expect(quota.recorded).toBe(followers[0]!.size);
      // The quota allows again, for good: partition 0 is copied to the end, every byte counted.
      quota.onRecord = undefined;
      quota.over = false;
      await waitFor(() => followers[0]!.logEndOffset === 30, { what: 'partition 0 copied' });
      expect(quota.recorded).toBe(followers[0]!.size);
      // Caught up (its lag is 0), it is never held back: the ISR is not disturbed.
      await waitFor(() => inSync.has(0), { what: 'partition 0 in sync' });
      quota.over = true;
      leaders[0]!.append(batchOf(10, 'p0-late'));
      await waitFor(() => followers[0]!.logEndOffset === 40, {
        what: 'the caught-up partition following on',
      });
      expect(quota.recorded).toBe(followers[0]!.size);
    } finally {
      await fetcher.stop();
      for (const l of [...leaders, ...followers]) l.close();
    }
  });

  it('with every partition held back it sleeps for as long as the quota says instead of spinning; one not throttled still goes', async () => {
    const leader = open('leader', 0);
    const follower = open('follower', 0);
    follower.replicated = true;
    leader.append(batchOf(10, 'x'));
    const quota = new SteeredQuota();
    quota.throttled.add(0);
    quota.throttled.add(1);
    quota.over = true;
    const other = open('follower', 1);
    other.replicated = true;
    let fetches = 0;
    const askedFor: number[] = [];
    const run = async (task: FetchTask): Promise<FetchAnswer> => {
      fetches++;
      if (task.kind === 'fetch')
        askedFor.push(...task.body.topics.flatMap((t) => t.partitions.map((p) => p.partition)));
      await new Promise((resolve) => setTimeout(resolve, 10)); // nothing new: the leader's long poll
      const wanted = task.kind === 'fetch' ? task.body.topics.flatMap((t) => t.partitions) : [];
      return {
        errorCode: 0,
        store: null,
        partitions: wanted.map((p) => ({
          topic: 't',
          topicId: 'id',
          partition: p.partition,
          errorCode: 0,
          highWatermark: 0,
          logStartOffset: 0,
          start: 0,
          length: 0,
        })),
      };
    };
    const fetcher = new ReplicaFetcher(
      2,
      { host: 'x', port: 1 },
      { brokerId: 3, brokerEpoch: () => 1, config, log: () => {}, run, quota },
    );
    try {
      fetcher.add({ topic: 't', topicId: 'id', partition: 0, log: follower, leaderEpoch: 1 });
      await waitFor(() => quota.waitAsked >= 3, { what: 'the fetcher asking the quota how long to wait' });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(fetches).toBe(0);
      // 50 ms sleeps: in 300 ms and more it asked a handful of times, never in a tight loop.
      const asked = quota.waitAsked;
      expect(asked).toBeLessThan(20);
      // A partition not throttled is fetched (the held-back one still is not).
      quota.throttled.delete(1);
      fetcher.add({ topic: 't', topicId: 'id', partition: 1, log: other, leaderEpoch: 1 });
      await waitFor(() => fetches > 0, { what: 'the unthrottled partition fetched' });
      expect(askedFor).not.toContain(0);
    } finally {
      await fetcher.stop();
      for (const l of [leader, follower, other]) l.close();
    }
  });
});
