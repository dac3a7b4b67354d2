// The reassignment run for real, through the benchmark's runner with --only reassign and --quick
// at a fifth of its size (3 MB moved): ZooKeeper, three broker processes per variant, kiln perf
// produce filling the partition and running around the move, the move followed to its end. No
// timing is asserted: only that every part ran, the figures hang together, and nothing is left.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseOptions } from '../../bench/e2e/options.js';
import { formatReassign } from '../../bench/e2e/results-table.js';
import { runE2e } from '../../bench/e2e/runner.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

const repoRoot = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));
const outDir = makeTempDir('kiln-e2e-reassign-out-');

afterAll(() => removeTempDir(outDir));

describe('the reassignment run', () => {
  // The broker is compiled first (tsc, a minute on a busy machine); the run itself takes about 30 s.
  it('moves a filled partition to another broker with and without a throttle, a producer running', async () => {
    const log: string[] = [];
    const options = parseOptions(
      ['--quick', '--scale', '0.2', '--only', 'reassign', '--no-latency', '--out', outDir],
      repoRoot,
    );
    const report = await runE2e(options, repoRoot, {
      log: (m) => log.push(m),
      limitSizes: { diskBytes: 4 * 1024 * 1024, loopbackBytes: 8e6 },
    });
    expect(report.cases).toEqual([]);
    expect(report.clusterCases).toEqual([]);
    expect(report.reassignments.map((r) => r.id)).toEqual([
      'reassign-no-throttle',
      'reassign-throttle-10mbps',
    ]);
    for (const r of report.reassignments) {
      expect(r.error, log.join('\n')).toBeNull();
      expect(r.fill?.records).toBe(r.fillRecords);
      // The log holds the payload and the batches' overhead, and the producer adds to it.
      expect(r.bytesToCopy).toBeGreaterThan(r.fillRecords * r.recordSize);
      expect(r.bytesAtEnd).toBeGreaterThanOrEqual(r.bytesToCopy!);
      expect(r.moveSeconds).toBeGreaterThan(0);
      expect(r.copyMbPerSec).toBeCloseTo(r.bytesToCopy! / 1e6 / r.moveSeconds!, 1);
      expect(r.polls).toBeGreaterThanOrEqual(1);
      expect(r.after?.replicas).toEqual([3, 2]);
      expect([...(r.after?.isr ?? [])].sort()).toEqual([2, 3]);
      expect(r.before).toHaveLength(1);
      expect(r.during.length).toBeGreaterThanOrEqual(1);
      for (const w of [...r.before, ...r.during]) {
        expect(w.error).toBeNull();
        expect(w.records).toBe(r.produceRecordsPerSec * r.windowSeconds);
        expect(w.latencyMs?.p99).toBeGreaterThanOrEqual(0);
      }
      // The first window of the move produced before the request was accepted (time 0).
      expect(r.during[0]!.producingMs).toBeLessThan(0);
      expect(r.before.every((w) => w.endMs <= r.during[0]!.startMs)).toBe(true);
      expect(r.duringCoverage).toBeGreaterThan(0);
      expect(r.duringCoverage).toBeLessThanOrEqual(1);
      expect(r.produceP99DuringMs).toBe(Math.max(...r.during.map((w) => w.latencyMs!.p99)));
      // The brokers' directories are gone.
      for (const command of r.brokerCommands) {
        const dataDir = /log\.dirs=(\S+)/.exec(command)?.[1];
        expect(dataDir).toBeDefined();
        expect(fs.existsSync(path.dirname(dataDir!))).toBe(false);
      }
    }
    expect(report.reassignments[0]?.throttle).toBeNull();
    expect(report.reassignments[1]?.throttle?.topicConfigs).toEqual({
      'leader.replication.throttled.replicas': '0:1,0:2',
      'follower.replication.throttled.replicas': '0:3',
    });
    expect(formatReassign(report.reassignments)).toMatch(/10 MB\/s\s+\d/);
  }, 240_000);
});
