// A produce window's figures from kiln perf produce --json: retried requests (a moved leader) are
// no failure, records that failed for good or never came are.
import { describe, expect, it } from 'vitest';
import { windowReport } from '../../bench/e2e/reassign-produce.js';

const latencyMs = { avg: 2.5, p50: 2, p95: 6, p99: 9.25, p999: 20, max: 31 };

function perfLine(extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    mode: 'produce',
    topic: 'e2e-reassign',
    records: 2000,
    bytes: 2_048_000,
    seconds: 2.01,
    recordsPerSec: 995,
    mbPerSec: 1.02,
    latencyMs,
    errors: 0,
    retries: 0,
    failedRecords: 0,
    requests: 150,
    config: {},
    ...extra,
  });
}

describe('windowReport', () => {
  it('takes the records, the retries and the latency of a window', () => {
    expect(windowReport(perfLine(), 2000)).toEqual({ records: 2000, retries: 0, latencyMs });
  });

  it('counts a window whose requests were retried after a moved leader', () => {
    const out = `progress line\n${perfLine({ errors: 12, retries: 12 })}\n`;
    expect(windowReport(out, 2000)).toEqual({ records: 2000, retries: 12, latencyMs });
  });

  it('refuses records that failed for good, a short run, no latency and no JSON', () => {
    expect(windowReport(perfLine({ errors: 1, failedRecords: 15 }), 2000)).toMatch(/failed 15 records/);
    expect(windowReport(perfLine({ records: 1500 }), 2000)).toMatch(/^1500 of 2000 records produced/);
    expect(windowReport(perfLine({ latencyMs: null }), 2000)).toMatch(/reported no latency/);
    expect(windowReport('kiln perf: cannot reach broker', 2000)).toBe(
      'no JSON result on the stdout of kiln perf',
    );
    expect(windowReport(perfLine({ mode: 'consume' }), 2000)).toMatch(/mode consume, expected produce/);
  });
});
