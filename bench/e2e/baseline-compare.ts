/**
 * `--baseline DIR` and `--rounds N`: the order the runs go in (every round runs each case on the
 * baseline's broker, then on this checkout's), the git revision of each checkout, and the
 * comparison of the two brokers per case and phase. On a noisy machine only figures measured side
 * by side in one run compare (PERFORMANCE.md), so the comparison takes each broker's best rate over
 * the rounds (noise only ever slows a run down) and its median broker CPU s/GB (CPU time also
 * drifts upward with the host's load, but less, and a median keeps one odd round from deciding).
 */
import { execFileSync } from 'node:child_process';
import type { BenchCase } from './matrix.js';
import type { CaseResult, Phase, RunTag } from './run-case.js';
import { formatTable } from './results-table.js';

export interface CheckoutInfo {
  dir: string;
  commit: string | null;
  /** `git rev-parse --short HEAD`. */
  revision: string | null;
  /** Uncommitted changes (a node_modules link, as --baseline suggests making, does not count). */
  dirty: boolean | null;
}

export function checkoutInfo(dir: string): CheckoutInfo {
  const git = (args: string[]): string =>
    execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    const commit = git(['rev-parse', 'HEAD']).trim();
    const revision = git(['rev-parse', '--short', 'HEAD']).trim();
    const changes = git(['status', '--porcelain'])
      .split('\n')
      .filter((line) => line.trim() && line !== '?? node_modules');
    return { dir, commit, revision, dirty: changes.length > 0 };
  } catch {
    return { dir, commit: null, revision: null, dirty: null };
  }
}

/** e.g. "2876ea2 + uncommitted changes (/work/main)". */
export function describeCheckout(info: CheckoutInfo): string {
  const changes = info.dirty ? ' + uncommitted changes' : '';
  return `${info.revision ?? 'unknown revision'}${changes} (${info.dir})`;
}

export interface ScheduledRun {
  case: BenchCase;
  /** Absent when each case runs once on this checkout only: the plain benchmark. */
  tag?: RunTag;
}

/**
 * Round by round, each case on the baseline then on this checkout: the two runs of a pair are
 * minutes apart at most, and the rounds spread each case's runs over the whole benchmark.
 */
export function schedule(cases: BenchCase[], rounds: number, withBaseline: boolean): ScheduledRun[] {
  if (rounds === 1 && !withBaseline) return cases.map((c) => ({ case: c }));
  const brokers: RunTag['broker'][] = withBaseline ? ['base', 'new'] : ['new'];
  const runs: ScheduledRun[] = [];
  for (let round = 1; round <= rounds; round++) {
    for (const c of cases) for (const broker of brokers) runs.push({ case: c, tag: { broker, round } });
  }
  return runs;
}

/** This checkout's runs: what the latency run's peak and the targets are taken from. */
export function newRuns(cases: CaseResult[]): CaseResult[] {
  return cases.filter((c) => (c.run?.broker ?? 'new') === 'new');
}

export interface BrokerFigures {
  /** Runs of this case on this broker, and how many of them finished this phase. */
  runs: number;
  ok: number;
  /** Per finished run, in round order. */
  recordsPerSec: number[];
  cpuSecondsPerGb: number[];
  bestRecordsPerSec: number | null;
  medianCpuSecondsPerGb: number | null;
}

export interface ComparisonRow {
  id: string;
  phase: Phase;
  base: BrokerFigures;
  new: BrokerFigures;
  /** new / base: above 1 is faster. */
  rateRatio: number | null;
  /** new / base: below 1 is cheaper. */
  cpuRatio: number | null;
}

export function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function figures(runs: CaseResult[], phase: Phase): BrokerFigures {
  const recordsPerSec: number[] = [];
  const cpuSecondsPerGb: number[] = [];
  let ok = 0;
  for (const r of runs) {
    const p = r[phase];
    if (!p || p.error || !p.client) continue;
    ok++;
    recordsPerSec.push(p.client.recordsPerSec);
    if (p.brokerCpuSecondsPerGb !== null) cpuSecondsPerGb.push(p.brokerCpuSecondsPerGb);
  }
  return {
    runs: runs.length,
    ok,
    recordsPerSec,
    cpuSecondsPerGb,
    bestRecordsPerSec: recordsPerSec.length ? Math.max(...recordsPerSec) : null,
    medianCpuSecondsPerGb: median(cpuSecondsPerGb),
  };
}

function ratio(a: number | null, b: number | null): number | null {
  return a !== null && b !== null && b > 0 ? a / b : null;
}

/** One row per case and phase, in the order the cases ran; empty when nothing ran on a baseline. */
export function compareRuns(cases: CaseResult[]): ComparisonRow[] {
  if (!cases.some((c) => c.run?.broker === 'base')) return [];
  const ids = [...new Set(cases.map((c) => c.id))];
  return ids.flatMap((id) =>
    (['produce', 'consume'] as const).map((phase) => {
      const of = (broker: RunTag['broker']): BrokerFigures =>
        figures(
          cases.filter((c) => c.id === id && c.run?.broker === broker),
          phase,
        );
      const base = of('base');
      const next = of('new');
      return {
        id,
        phase,
        base,
        new: next,
        rateRatio: ratio(next.bestRecordsPerSec, base.bestRecordsPerSec),
        cpuRatio: ratio(next.medianCpuSecondsPerGb, base.medianCpuSecondsPerGb),
      };
    }),
  );
}

const dash = '-';

function rate(value: number | null): string {
  return value === null ? dash : Math.round(value).toLocaleString('en-US');
}

/** The median and, with more than one figure, the range: "0.71 (0.70-0.73)". */
function cpu(f: BrokerFigures): string {
  if (f.medianCpuSecondsPerGb === null) return dash;
  const m = f.medianCpuSecondsPerGb.toFixed(2);
  if (f.cpuSecondsPerGb.length < 2) return m;
  return `${m} (${Math.min(...f.cpuSecondsPerGb).toFixed(2)}-${Math.max(...f.cpuSecondsPerGb).toFixed(2)})`;
}

function times(value: number | null): string {
  return value === null ? dash : value.toFixed(3);
}

export const COMPARISON_HEADERS = [
  'case',
  'phase',
  'runs ok base/new',
  'base records/s',
  'new records/s',
  'new/base rate',
  'base CPU s/GB',
  'new CPU s/GB',
  'new/base CPU',
];

export function comparisonRows(rows: ComparisonRow[]): string[][] {
  return rows.map((r) => [
    r.id,
    r.phase,
    `${r.base.ok}/${r.base.runs} ${r.new.ok}/${r.new.runs}`,
    rate(r.base.bestRecordsPerSec),
    rate(r.new.bestRecordsPerSec),
    times(r.rateRatio),
    cpu(r.base),
    cpu(r.new),
    times(r.cpuRatio),
  ]);
}

/**
 * The printed section: what base and new were (two checkouts with --baseline, describeCheckout;
 * metrics off and on with --metrics-cost), how the figures were taken, and the table.
 */
export function formatComparison(rows: ComparisonRow[], base: string, next: string): string {
  const rounds = Math.max(0, ...rows.map((r) => Math.max(r.base.runs, r.new.runs)));
  return [
    `comparison, ${rounds} round${rounds === 1 ? '' : 's'} alternating base, new (same clients, from this checkout):`,
    `  base: ${base}`,
    `  new:  ${next}`,
    'records/s = best of the rounds; CPU s/GB = median broker CPU s per 10^9 payload bytes (range);',
    'new/base rate above 1 is faster, new/base CPU below 1 is cheaper',
    formatTable(COMPARISON_HEADERS, comparisonRows(rows)),
  ].join('\n');
}
