// The process-wide "append → high watermark" histogram of acks=all waits: what it records (only
// waits that ended replicated, not the immediate answer of an ISR of one), what it reads, and how
// the event-loop stats line carries it.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PartitionLog } from '../../../../engine/index.js';
import { LeaderPartition } from '../../../../server/cluster/replication/leader-partition.js';
import {
  recordReplicationLatency,
  replicationLatency,
  resetReplicationLatency,
} from '../../../../server/cluster/replication/replication-latency.js';
import { EventLoopStats } from '../../../../server/event-loop-stats.js';
import { makeTempDir, removeTempDir } from '../../../helpers/temp-dir.js';

/** The parts of a log the leader reads: its end and high watermark. */
function fakeLog(leo: number, hw: number): { leo: number; hw: number; asLog: PartitionLog } {
  const log = {
    leo,
    hw,
    get logEndOffset() {
      return this.leo;
    },
    get highWatermark() {
      return this.hw;
    },
    setHighWatermark(offset: number) {
      this.hw = Math.min(offset, this.leo);
    },
  };
  return Object.assign(log, { asLog: log as unknown as PartitionLog });
}

const state = (isr: number[]) => ({
  leaderEpoch: 1,
  isr,
  replicas: [1, 2, 3],
  zkVersion: 0,
  controllerEpoch: 1,
});
const tick = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

beforeEach(() => resetReplicationLatency());
afterEach(() => resetReplicationLatency());

describe('replication latency histogram', () => {
  it('reads zeros with no samples, percentiles in ms with some, and resets', () => {
    expect(replicationLatency()).toEqual({ count: 0, p50: 0, p99: 0, max: 0 });
    for (let i = 1; i <= 100; i++) recordReplicationLatency(i);
    const r = replicationLatency();
    expect(r.count).toBe(100);
    // Three significant figures: within 0.1% of the exact value.
    expect(r.p50).toBeCloseTo(50, 0);
    expect(r.p99).toBeCloseTo(99, 0);
    expect(r.max).toBeCloseTo(100, 0);
    resetReplicationLatency();
    expect(replicationLatency().count).toBe(0);
  });

  it('takes sub-microsecond, zero and negative durations as 1 µs', () => {
    recordReplicationLatency(0);
    recordReplicationLatency(0.0004);
    recordReplicationLatency(-3);
    expect(replicationLatency()).toMatchObject({ count: 3, max: 0.001 });
  });
});

describe('LeaderPartition.waitFor records the wait', () => {
  it('for a request that waited for its followers', async () => {
    const log = fakeLog(10, 0);
    const leader = new LeaderPartition('t', 0, log.asLog, 1, state([1, 2, 3]), 0);
    const waiting = leader.waitFor(10, 10_000);
    await tick(15);
    leader.recordFetch(2, 10, 1);
    leader.recordFetch(3, 10, 1);
    leader.updateHighWatermark();
    expect(await waiting).toBe('replicated');
    const r = replicationLatency();
    expect(r.count).toBe(1);
    expect(r.max).toBeGreaterThanOrEqual(10);
  });

  it('not for the immediate answer, a timeout or a lost leadership', async () => {
    const log = fakeLog(10, 10);
    const leader = new LeaderPartition('t', 0, log.asLog, 1, state([1]), 0);
    expect(await leader.waitFor(10, 10_000)).toBe('replicated');
    log.leo = 20;
    const other = new LeaderPartition('t', 1, fakeLog(20, 10).asLog, 1, state([1, 2, 3]), 0);
    expect(await other.waitFor(20, 5)).toBe('timed-out');
    const resigned = other.waitFor(20, 10_000);
    other.resign();
    expect(await resigned).toBe('not-leader');
    expect(replicationLatency().count).toBe(0);
  });
});

describe('the event-loop stats line', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach(removeTempDir));

  it('carries the interval’s figures only when there were samples, then resets them', () => {
    const dir = makeTempDir('kiln-repl-latency-');
    dirs.push(dir);
    const file = path.join(dir, 'stats.jsonl');
    const stats = new EventLoopStats(1);
    try {
      stats.writeTo(file);
      recordReplicationLatency(2);
      recordReplicationLatency(4);
      stats.writeTo(file);
      stats.writeTo(file);
    } finally {
      stats.stop();
    }
    const lines = fs
      .readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { replicationLatencyMs?: { count: number; p50: number; p99: number } });
    expect(lines).toHaveLength(3);
    expect(lines[0]).not.toHaveProperty('replicationLatencyMs');
    expect(lines[1]?.replicationLatencyMs).toMatchObject({ count: 2 });
    expect(lines[1]?.replicationLatencyMs?.p99).toBeCloseTo(4, 1);
    expect(lines[2]).not.toHaveProperty('replicationLatencyMs');
  });
});
