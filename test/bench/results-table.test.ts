// The printed report and the targets it checks, on made-up results.
import { describe, expect, it } from 'vitest';
import {
  CASE_HEADERS,
  CLUSTER_HEADERS,
  REASSIGN_HEADERS,
  caseRows,
  clusterBrokerRows,
  clusterRows,
  formatCluster,
  formatErrors,
  formatLatency,
  formatReassign,
  formatTable,
  formatTargets,
  reassignRows,
  throttleLabel,
} from '../../bench/e2e/results-table.js';
import { applyLimits } from '../../bench/e2e/run-case.js';
import { evaluateClusterTargets, evaluateTargets } from '../../bench/e2e/targets.js';
import type { LatencyRunResult } from '../../bench/e2e/latency-run.js';
import { clusterResult, reassignResult, result, sampleCases } from './sample-results.js';

const latency: LatencyRunResult = {
  peakRecordsPerSec: 1_300_000,
  peakSource: 'rdkafka-100b-p1-acks1-none produce',
  targetRecordsPerSec: 650_000,
  records: 6_500_000,
  recordSize: 100,
  error: null,
  brokerDied: false,
  produceCommand: 'p',
  consumeCommand: 'c',
  produce: null,
  consume: null,
  produceLatencyMs: { avg: 1, p50: 0.8, p99: 3, p999: 6, max: 20 },
  endToEndLatencyMs: { avg: 2, p50: 1.5, p99: 7.25, p999: 12, max: 30 },
  brokerCpuSeconds: 4,
  brokerVmHwm: 160e6,
  brokerMemory: { vmRss: 150e6, rssAnon: 90e6, rssFile: 70e6, samples: 100 },
  eventLoopDelayMs: { max: 15, p99: 11, mean: 10 },
};

describe('formatTable', () => {
  it('aligns numbers right and words left', () => {
    const text = formatTable(
      ['name', 'rate'],
      [
        ['a', '1,000'],
        ['bbb', '20'],
      ],
    );
    expect(text.split('\n')).toEqual(['name   rate', '----  -----', 'a     1,000', 'bbb      20']);
  });
});

describe('the case table', () => {
  it('has a row per case and phase, and marks failures', () => {
    const rows = caseRows(sampleCases());
    expect(rows).toHaveLength(8);
    expect(rows.every((r) => r.length === CASE_HEADERS.length)).toBe(true);
    expect(rows[0]).toEqual([
      'rdkafka_performance',
      '100 B',
      '1',
      '1',
      'none',
      'produce',
      '1,300,000',
      '130.0',
      '50%',
      '0.10',
      '1.20',
      '0.30',
      '120 (70/40)',
      '12.5',
    ]);
    expect(rows[7]?.[5]).toBe('consume FAILED');
    expect(rows[7]?.[6]).toBe('-');
    expect(formatErrors(sampleCases())).toContain('kiln-100b-p8-acks1-none: consume: kiln perf exited 3');
  });

  it('prints the latency run', () => {
    const text = formatLatency(latency);
    expect(text).toContain('650,000 records/s');
    expect(text).toContain('peak RSS 160 MB (anon 90 / file 70)');
    expect(text).toContain('end to end:        avg 2.00  p50 1.50  p99 7.25  p99.9 12.00  max 30.00 ms');
    expect(formatLatency(null)).toBe('latency run: skipped');
  });
});

describe('evaluateTargets', () => {
  it('checks each target against the figure it is about', () => {
    const targets = evaluateTargets(sampleCases(), latency);
    const byName = Object.fromEntries(targets.map((t) => [t.name, t]));
    expect(byName['produce rate, 100 B, 1 partition, acks=1']).toMatchObject({
      met: true,
      measured: '1.30 M',
      source: 'rdkafka-100b-p1-acks1-none',
    });
    expect(byName['consume rate, 100 B, 1 partition']).toMatchObject({ met: false, measured: '3.50 M' });
    expect(byName['broker CPU per GB produced']).toMatchObject({ met: true, value: 1.2 });
    expect(byName['broker CPU per GB consumed']).toMatchObject({ met: false, value: 0.6 });
    expect(byName['1 KiB produce vs disk write bandwidth']).toMatchObject({
      met: false,
      measured: '50%',
      source: 'rdkafka-1k-p1-acks1-none',
    });
    expect(byName['end-to-end p99 at half the peak rate']).toMatchObject({ met: false, value: 7.25 });
    expect(byName['broker peak RSS (VmHWM)']).toMatchObject({
      met: false,
      measured: '160 MB',
      source: 'latency run',
    });
    expect(byName['broker peak anonymous RSS (file pages excluded)']).toMatchObject({
      met: true,
      value: 90e6,
    });
    // Without the latency run, the cases alone.
    expect(
      evaluateTargets(sampleCases(), null).find((t) => t.name === 'broker peak RSS (VmHWM)'),
    ).toMatchObject({
      met: true,
      measured: '120 MB',
    });
    expect(formatTargets(targets)).toMatch(/NOT MET/);
  });

  it('falls back to the kiln perf twin, and says when nothing was measured', () => {
    const kilnOnly = sampleCases().filter((c) => c.client === 'kiln');
    const targets = evaluateTargets(kilnOnly, null);
    expect(targets[0]).toMatchObject({ measured: '0.40 M', source: 'kiln-100b-p1-acks1-none' });
    expect(targets.find((t) => t.name.startsWith('1 KiB'))).toMatchObject({
      met: null,
      measured: 'not measured',
    });
    expect(targets.find((t) => t.name.startsWith('end-to-end'))).toMatchObject({
      met: null,
      source: 'no latency run',
    });
  });
});

describe('applyLimits', () => {
  it('divides produce MB/s by the disk limit and consume MB/s by the loopback limit', () => {
    const cases = sampleCases();
    applyLimits(cases, 0.5, 4);
    expect(cases[0]?.produce?.ratioToLimit).toBe(0.26); // 130 MB/s of 0.5 GB/s
    expect(cases[0]?.consume?.ratioToLimit).toBe(0.0875); // 350 MB/s of 4 GB/s
    expect(cases[3]?.consume?.ratioToLimit).toBeNull(); // failed
    applyLimits(cases, null, 4);
    expect(cases[0]?.produce?.ratioToLimit).toBeNull();
  });
});

describe('the cluster section', () => {
  const cases = () => [
    clusterResult(100, '1', 500_000, [0.5, 0.55]),
    clusterResult(1024, 'all', 60_000, [0.7, 0.45]),
  ];

  it('has a row per case with leader and follower CPU per GB and the append → HW latency', () => {
    const rows = clusterRows(cases());
    expect(rows).toHaveLength(2);
    const at = (name: string): number => CLUSTER_HEADERS.indexOf(name);
    expect(rows[1]?.[at('records/s')]).toBe('60,000');
    expect(rows[1]?.[at('leader')]).toBe('1');
    expect(rows[1]?.[at('leader CPU s/GB')]).toBe('2.50');
    expect(rows[1]?.[at('followers')]).toBe('2, 3');
    expect(rows[1]?.[at('follower CPU s/GB')]).toBe('0.70, 0.45');
    expect(rows[1]?.[at('append→HW p50 ms')]).toBe('1.25');
    expect(rows[1]?.[at('waits')]).toBe('1,234');
    // acks=1: no request waits for the followers.
    expect(rows[0]?.[at('append→HW p50 ms')]).toBe('-');
    expect(rows.every((r) => r.length === CLUSTER_HEADERS.length)).toBe(true);
  });

  it('has a row per broker, its CPU split into the main thread and the others', () => {
    const rows = clusterBrokerRows(cases());
    expect(rows).toHaveLength(6);
    expect(rows[4]?.slice(0, 3)).toEqual(['cluster-1k-p1-rf3-acksall', '2', 'follower']);
    // 0.7 s/GB of 102.4 MB: 0.072 s, half of it on the main thread.
    expect(rows[4]?.slice(3, 7)).toEqual(['0.07', '0.70', '0.04', '0.04']);
  });

  it('prints both tables and the failures, and a failed case as FAILED', () => {
    const failed = clusterResult(100, 'all', 1, [1, 1]);
    failed.error = 'the ISR of e2e-x did not reach 3';
    failed.client = null;
    failed.brokers = [];
    const text = formatCluster([...cases(), failed]);
    expect(text).toMatch(/^cluster cases \(3 brokers and ZooKeeper/);
    expect(text).toContain('follower CPU s/GB');
    expect(text).toContain('main thread CPU s');
    expect(text).toMatch(/100 B\s+all\s+FAILED/);
    expect(text).toContain('cluster-100b-p1-rf3-acksall: the ISR of e2e-x did not reach 3');
    expect(formatCluster([])).toBe('cluster cases: none ran');
  });
});

describe('evaluateClusterTargets', () => {
  const single = (rate: number, acks: '1' | 'all' = '1') =>
    result({ client: 'kiln', recordSize: 1024, partitions: 1, acks, compression: 'none' }, rate, 1);

  it('takes the worst follower, and the 1 KiB acks=all rate over the single-node acks=1 rate', () => {
    const cluster = [
      clusterResult(100, '1', 500_000, [0.5, 0.55]),
      clusterResult(1024, 'all', 60_000, [0.7, 0.45]),
    ];
    // A single-node acks=all case is no baseline (PERFORMANCE.md: half the single-node acks=1 rate).
    const [follower, rate] = evaluateClusterTargets(cluster, [
      single(100_000),
      single(150_000),
      single(70_000, 'all'),
    ]);
    expect(follower).toMatchObject({
      met: false,
      value: 0.7,
      measured: '0.70 s/GB',
      source: 'cluster-1k-p1-rf3-acksall broker 2 (of 4 followers)',
    });
    // The best of the twin's rounds: 60 k of 150 k.
    expect(rate).toMatchObject({
      met: false,
      measured: '40%',
      source: 'cluster-1k-p1-rf3-acksall vs kiln-1k-p1-acks1-none',
    });
    expect(evaluateClusterTargets(cluster, [single(100_000)])[1]).toMatchObject({
      met: true,
      measured: '60%',
    });
  });

  it('says when the run has no single-node baseline or no such cluster case', () => {
    const [follower, rate] = evaluateClusterTargets([clusterResult(1024, 'all', 60_000, [0.4, 0.5])], []);
    expect(follower).toMatchObject({ met: true, value: 0.5 });
    expect(rate).toMatchObject({ met: null, value: null });
    expect(rate?.measured).toContain('no baseline in this run');
    expect(evaluateClusterTargets([], [single(1)])).toMatchObject([
      { met: null, source: 'no cluster case ran' },
      { met: null, measured: 'not measured' },
    ]);
  });
});

describe('the reassignment section', () => {
  const results = () => [
    reassignResult(null, 150_123_456, 2.5, { before: [4.5, 6.25], during: [120, 80.5] }),
    reassignResult(10e6, 150_000_000, 15.2, { before: [5, 5.5], during: [7, 9, 8] }),
  ];

  it('has a row per variant: throttle, MB copied, seconds, MB/s, p99 before and during', () => {
    const rows = reassignRows(results());
    expect(rows.every((r) => r.length === REASSIGN_HEADERS.length)).toBe(true);
    expect(rows[0]).toEqual(['none', '150.1', '2.50', '60.0', '6.25', '120.00', '2', '90%', '1', 'ok']);
    // 150 MB over 15.2 s; the three windows retried 0 + 1 + 2 requests.
    expect(rows[1]).toEqual(['10 MB/s', '150.0', '15.20', '9.9', '5.50', '9.00', '3', '90%', '3', 'ok']);
  });

  it('prints what the figures are, the table and the failures; a refused throttle shows as FAILED', () => {
    const refused = reassignResult(2.5e6, 0, 1, { before: [5], during: [6] });
    Object.assign(refused, {
      error: 'the throttle was not set: broker 1 refused leader.replication.throttled.rate (INVALID_CONFIG)',
      bytesToCopy: null,
      moveSeconds: null,
      copyMbPerSec: null,
      during: [],
      duringCoverage: null,
      produceP99DuringMs: null,
    });
    const text = formatReassign([...results(), refused]);
    expect(text).toMatch(/^reassignment \(a partition of 15 MB moved from brokers \[1,2\] to \[3,2\]/);
    expect(text).toContain('kiln perf produce --throughput 1000 (1024 B, acks=all,');
    expect(text).toMatch(/throttle\s+MB copied\s+seconds\s+MB\/s\s+produce p99 before ms\s+during ms/);
    expect(text).toMatch(/2\.5 MB\/s\s+-\s+-\s+-\s+5\.00\s+-\s+-\s+-\s+-\s+FAILED/);
    expect(text).toContain(
      'reassign-throttle-2.5mbps: the throttle was not set: broker 1 refused leader.replication.throttled.rate',
    );
    expect(formatReassign([])).toBe('reassignment: none ran');
  });

  it('notes a throttled move too small for the throttle to bind', () => {
    expect(formatReassign(results())).not.toContain('note:');
    const small = reassignResult(10e6, 80e6, 2, { before: [5], during: [6] });
    expect(formatReassign([small])).toContain(
      'note: reassign-throttle-10mbps copied 80 MB, no more than the 100 MB a 10 MB/s throttle\nlets through',
    );
  });

  it('labels throttles in MB/s', () => {
    expect(throttleLabel(null)).toBe('none');
    expect(throttleLabel(10e6)).toBe('10 MB/s');
    expect(throttleLabel(1_234_567)).toBe('1.23457 MB/s');
  });
});
