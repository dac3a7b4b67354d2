// The printed report and the targets it checks, on made-up results.
import { describe, expect, it } from 'vitest';
import {
  CASE_HEADERS,
  caseRows,
  formatErrors,
  formatLatency,
  formatTable,
  formatTargets,
} from '../../bench/e2e/results-table.js';
import { applyLimits } from '../../bench/e2e/run-case.js';
import { evaluateTargets } from '../../bench/e2e/targets.js';
import type { LatencyRunResult } from '../../bench/e2e/latency-run.js';
import { sampleCases } from './sample-results.js';

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
