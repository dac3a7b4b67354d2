// --baseline and --rounds: the order of the runs, the comparison of the two brokers and its table,
// and the git revisions recorded for each checkout.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  COMPARISON_HEADERS,
  checkoutInfo,
  compareRuns,
  comparisonRows,
  describeCheckout,
  formatComparison,
  median,
  newRuns,
  schedule,
} from '../../bench/e2e/baseline-compare.js';
import { buildMatrix } from '../../bench/e2e/matrix.js';
import { caseHeaders, caseRows, formatErrors } from '../../bench/e2e/results-table.js';
import type { CaseResult, RunTag } from '../../bench/e2e/run-case.js';
import { evaluateTargets } from '../../bench/e2e/targets.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';
import { phase, result } from './sample-results.js';

const repoRoot = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));
const dirs: string[] = [];
afterAll(() => dirs.forEach(removeTempDir));

const anchor = { client: 'kiln', recordSize: 100, partitions: 1, acks: '1', compression: 'none' } as const;

/** One run of the anchor case on `broker` in `round`, with these produce figures. */
function run(broker: RunTag['broker'], round: number, rate: number, cpuPerGb: number): CaseResult {
  const r = result(anchor, rate, rate * 2);
  r.run = { broker, round };
  r.produce = phase('produce', rate, 100, { brokerCpuSecondsPerGb: cpuPerGb });
  return r;
}

describe('schedule', () => {
  const cases = buildMatrix({ only: '^kiln-100b-p1-acks1-(none|lz4)$' });

  it('alternates base and new, case by case, round by round', () => {
    const order = schedule(cases, 2, true).map((r) => `${r.case.id} ${r.tag?.broker} ${r.tag?.round}`);
    expect(order).toEqual([
      'kiln-100b-p1-acks1-none base 1',
      'kiln-100b-p1-acks1-none new 1',
      'kiln-100b-p1-acks1-lz4 base 1',
      'kiln-100b-p1-acks1-lz4 new 1',
      'kiln-100b-p1-acks1-none base 2',
      'kiln-100b-p1-acks1-none new 2',
      'kiln-100b-p1-acks1-lz4 base 2',
      'kiln-100b-p1-acks1-lz4 new 2',
    ]);
  });

  it('tags nothing in a plain run, and repeats this checkout alone with --rounds', () => {
    expect(schedule(cases, 1, false).map((r) => r.tag)).toEqual([undefined, undefined]);
    expect(schedule(cases, 2, false).map((r) => r.tag?.broker)).toEqual(['new', 'new', 'new', 'new']);
  });
});

describe('compareRuns', () => {
  const runs = [run('base', 1, 1_000_000, 0.8), run('new', 1, 1_100_000, 0.6)];
  runs.push(run('base', 2, 900_000, 1.0), run('new', 2, 1_300_000, 0.7), run('base', 3, 950_000, 0.9));

  it('takes the best rate and the median CPU s/GB of each broker, and their ratios', () => {
    const rows = compareRuns(runs);
    expect(rows.map((r) => `${r.id} ${r.phase}`)).toEqual([
      'kiln-100b-p1-acks1-none produce',
      'kiln-100b-p1-acks1-none consume',
    ]);
    const produce = rows[0]!;
    expect(produce.base).toMatchObject({ runs: 3, ok: 3, bestRecordsPerSec: 1_000_000 });
    expect(produce.base.medianCpuSecondsPerGb).toBe(0.9);
    expect(produce.new).toMatchObject({ runs: 2, ok: 2, bestRecordsPerSec: 1_300_000 });
    expect(produce.new.medianCpuSecondsPerGb).toBeCloseTo(0.65);
    expect(produce.rateRatio).toBeCloseTo(1.3);
    expect(produce.cpuRatio).toBeCloseTo(0.65 / 0.9);
  });

  it('leaves out a failed phase, and has no ratio when one broker has no figure', () => {
    const failed = run('new', 3, 5_000_000, 0.1);
    failed.produce = phase('produce', 5_000_000, 100, { error: 'boom', client: null });
    const rows = compareRuns([...runs, failed]);
    expect(rows[0]?.new).toMatchObject({ runs: 3, ok: 2, bestRecordsPerSec: 1_300_000 });
    const onlyBase = compareRuns(runs.filter((r) => r.run?.broker === 'base'));
    expect(onlyBase[0]).toMatchObject({ rateRatio: null, cpuRatio: null });
    expect(onlyBase[0]?.new).toMatchObject({ runs: 0, ok: 0, bestRecordsPerSec: null });
  });

  it('is empty without a baseline', () => {
    expect(compareRuns(runs.filter((r) => r.run?.broker === 'new'))).toEqual([]);
    expect(compareRuns([result(anchor, 1, 1)])).toEqual([]);
  });

  it('prints both revisions, the figures and the ratios', () => {
    const rows = comparisonRows(compareRuns(runs));
    expect(rows.every((r) => r.length === COMPARISON_HEADERS.length)).toBe(true);
    expect(rows[0]).toEqual([
      'kiln-100b-p1-acks1-none',
      'produce',
      '3/3 2/2',
      '1,000,000',
      '1,300,000',
      '1.300',
      '0.90 (0.80-1.00)',
      '0.65 (0.60-0.70)',
      '0.722',
    ]);
    const base = { dir: '/tmp/base', commit: 'a'.repeat(40), revision: 'aaaaaaa', dirty: false };
    const next = { dir: '/work/main', commit: 'b'.repeat(40), revision: 'bbbbbbb', dirty: true };
    const text = formatComparison(compareRuns(runs), describeCheckout(base), describeCheckout(next));
    expect(text).toContain('3 rounds alternating base, new');
    expect(text).toContain('base: aaaaaaa (/tmp/base)');
    expect(text).toContain('new:  bbbbbbb + uncommitted changes (/work/main)');
    expect(text).toMatch(/new\/base rate\s+base CPU s\/GB/);
  });

  it('is median of the middle two for an even count', () => {
    expect(median([])).toBeNull();
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});

describe('the case table and the targets with several runs', () => {
  const runs = [run('base', 1, 2_000_000, 0.5), run('new', 1, 1_000_000, 0.8), run('new', 2, 1_200_000, 0.9)];

  it('shows the broker and the round of every run', () => {
    const headers = caseHeaders(runs);
    expect(headers.slice(4, 8)).toEqual(['codec', 'broker', 'round', 'phase']);
    const rows = caseRows(runs);
    expect(rows.every((r) => r.length === headers.length)).toBe(true);
    expect(rows.map((r) => `${r[5]} ${r[6]} ${r[7]}`)).toEqual([
      'base 1 produce',
      'base 1 consume',
      'new 1 produce',
      'new 1 consume',
      'new 2 produce',
      'new 2 consume',
    ]);
    runs[1]!.error = 'produce: boom';
    expect(formatErrors(runs)).toContain('kiln-100b-p1-acks1-none (new, round 1): produce: boom');
    runs[1]!.error = null;
  });

  it("checks the targets on this checkout's best round", () => {
    expect(newRuns(runs).map((r) => r.run?.round)).toEqual([1, 2]);
    const targets = evaluateTargets(newRuns(runs), null);
    expect(targets[0]).toMatchObject({ measured: '1.20 M' });
    expect(targets.find((t) => t.name === 'broker CPU per GB produced')?.value).toBe(0.9);
  });
});

describe('checkoutInfo', () => {
  it('gives the short revision and whether a checkout has changes, a node_modules link aside', () => {
    const dir = makeTempDir('kiln-checkout-');
    dirs.push(dir);
    const git = (...args: string[]): string =>
      execFileSync('git', ['-C', dir, '-c', 'user.name=t', '-c', 'user.email=t@t', ...args], {
        encoding: 'utf8',
      });
    git('init', '-q');
    fs.writeFileSync(path.join(dir, 'a.txt'), 'a');
    git('add', 'a.txt');
    git('commit', '-q', '-m', 'a');
    fs.symlinkSync(path.join(repoRoot, 'node_modules'), path.join(dir, 'node_modules'));
    const info = checkoutInfo(dir);
    expect(info.revision).toBe(git('rev-parse', '--short', 'HEAD').trim());
    expect(info.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(info.dirty).toBe(false);
    fs.writeFileSync(path.join(dir, 'a.txt'), 'b');
    expect(checkoutInfo(dir).dirty).toBe(true);
  });

  it('has nulls outside a git repository', () => {
    const dir = makeTempDir('kiln-not-git-');
    dirs.push(dir);
    expect(checkoutInfo(dir)).toEqual({ dir, commit: null, revision: null, dirty: null });
  });
});
