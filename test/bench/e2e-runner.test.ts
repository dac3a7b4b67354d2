// The whole end-to-end machinery in --quick mode with small counts against a real broker child
// process, with the kiln perf client only (rdkafka_performance is the benchmark's to build, not
// the tests'). No timing is asserted: only that every part ran and the results are complete.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseOptions } from '../../bench/e2e/options.js';
import { writeResults } from '../../bench/e2e/results-file.js';
import { runE2e } from '../../bench/e2e/runner.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

const repoRoot = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));
const outDir = makeTempDir('kiln-e2e-out-');

afterAll(() => removeTempDir(outDir));

describe('runE2e with kiln perf', () => {
  it('runs a case and the latency run, and writes the results', async () => {
    const log: string[] = [];
    const options = parseOptions(
      ['--quick', '--scale', '0.25', '--only', '^kiln-100b', '--latency-seconds', '1', '--out', outDir],
      repoRoot,
    );
    const report = await runE2e(options, repoRoot, {
      log: (m) => log.push(m),
      limitSizes: { diskBytes: 4 * 1024 * 1024, loopbackBytes: 8e6 },
      consumerHeadStartMs: 1500,
    });
    expect(report.cases.map((c) => c.id)).toEqual(['kiln-100b-p1-acks1-none']);
    const c = report.cases[0]!;
    expect(c.error, log.join('\n')).toBeNull();
    expect(c.produce?.client?.records).toBe(10_000);
    expect(c.consume?.client?.records).toBe(10_000);
    expect(c.produce?.brokerCpuSeconds).toBeGreaterThanOrEqual(0);
    expect(c.produce?.clientCpuSeconds).toBeGreaterThan(0);
    expect(c.consume?.brokerVmHwm).toBeGreaterThan(1e6);
    expect(report.limits.measurements.map((m) => m.at)).toEqual(['start', 'end']);
    expect(report.limits.diskGbPerSec).toBeGreaterThan(0);
    expect(report.limits.loopbackGbPerSec).toBeGreaterThan(0);
    expect(c.produce?.ratioToLimit).toBeGreaterThan(0);
    expect(report.latency?.error, log.join('\n')).toBeNull();
    expect(report.latency?.peakSource).toBe('kiln-100b-p1-acks1-none produce');
    expect(report.latency?.endToEndLatencyMs?.p99).toBeGreaterThanOrEqual(0);
    expect(report.targets.length).toBeGreaterThan(0);
    // --only left no cluster case: no ZooKeeper was started and no cluster target checked.
    expect(report.clusterCases).toEqual([]);
    expect(report.targets.some((t) => t.name.startsWith('cluster'))).toBe(false);

    const files = writeResults(report, outDir);
    const saved = JSON.parse(fs.readFileSync(files.latestJson, 'utf8')) as typeof report;
    expect(saved.cases[0]?.id).toBe('kiln-100b-p1-acks1-none');
    expect(fs.readFileSync(files.svg, 'utf8')).toContain('</svg>');
    // The case's broker directory is gone.
    const dataDir = /log\.dirs=(\S+)/.exec(c.brokerCommand ?? '')?.[1];
    expect(dataDir).toBeDefined();
    expect(fs.existsSync(path.dirname(dataDir!))).toBe(false);
  });
});

describe('runE2e with a baseline', () => {
  it('runs the case on both brokers, alternating, and compares them', async () => {
    const log: string[] = [];
    // This checkout as its own baseline: the same machinery as a second checkout, built once.
    const options = parseOptions(
      [
        '--quick',
        '--scale',
        '0.1',
        '--only',
        '^kiln-100b',
        '--no-latency',
        '--baseline',
        repoRoot,
        '--out',
        outDir,
      ],
      repoRoot,
    );
    expect(options.rounds).toBe(2);
    const report = await runE2e(options, repoRoot, {
      log: (m) => log.push(m),
      limitSizes: { diskBytes: 4 * 1024 * 1024, loopbackBytes: 8e6 },
    });
    expect(report.cases.map((c) => `${c.run?.broker} ${c.run?.round}`)).toEqual([
      'base 1',
      'new 1',
      'base 2',
      'new 2',
    ]);
    for (const c of report.cases) expect(c.error, log.join('\n')).toBeNull();
    expect(report.baseline?.revision).toBe(report.git.revision);
    expect(report.git.revision).toMatch(/^[0-9a-f]{7,}$/);
    expect(report.comparison.map((r) => r.phase)).toEqual(['produce', 'consume']);
    expect(report.comparison[0]?.base.ok).toBe(2);
    expect(report.comparison[0]?.rateRatio).toBeGreaterThan(0);
    expect(report.latency).toBeNull();
  });
});

describe('runE2e with a cluster case', () => {
  it('runs three brokers on ZooKeeper, measures leader and followers, and leaves nothing behind', async () => {
    const log: string[] = [];
    const options = parseOptions(
      ['--quick', '--scale', '0.25', '--only', '^cluster-100b', '--no-latency', '--out', outDir],
      repoRoot,
    );
    const report = await runE2e(options, repoRoot, {
      log: (m) => log.push(m),
      limitSizes: { diskBytes: 4 * 1024 * 1024, loopbackBytes: 8e6 },
    });
    expect(report.cases).toEqual([]);
    expect(report.clusterCases.map((c) => c.id)).toEqual(['cluster-100b-p1-rf3-acks1']);
    // --only cluster leaves the reassignment run out.
    expect(report.reassignments).toEqual([]);
    const c = report.clusterCases[0]!;
    expect(c.error, log.join('\n')).toBeNull();
    expect(c.client?.records).toBe(5000);
    expect(c.catchUpMs).toBeGreaterThanOrEqual(0);
    expect(c.brokers.map((b) => b.role).sort()).toEqual(['follower', 'follower', 'leader']);
    for (const b of c.brokers) {
      expect(b.cpuSeconds).toBeGreaterThanOrEqual(0);
      expect(b.mainThreadCpuSeconds).toBeLessThanOrEqual(b.cpuSeconds! + 0.02);
      expect(b.vmHwm).toBeGreaterThan(1e6);
      // acks=1: nothing waited for the followers.
      expect(b.replicationLatencyMs).toBeNull();
    }
    const names = report.targets.map((t) => t.name).filter((n) => n.startsWith('cluster'));
    expect(names).toHaveLength(2);
    // The brokers' directories are gone.
    for (const b of c.brokers) {
      const dataDir = /log\.dirs=(\S+)/.exec(b.command)?.[1];
      expect(dataDir).toBeDefined();
      expect(fs.existsSync(path.dirname(dataDir!))).toBe(false);
    }
  });
});
