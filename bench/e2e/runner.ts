/**
 * The end-to-end benchmark's run, in order: build the client, measure the machine's limits, run
 * every case of the matrix on its own broker, run the cluster cases (three brokers and ZooKeeper,
 * cluster-case.ts), run the reassignment run (a partition moved with and without a throttle,
 * reassign-run.ts), run the latency test at half the peak rate, and check the targets. Returns everything as one report; printing and files are the caller's (so a test
 * can drive the same machinery with small counts). With --baseline (and --rounds) every case runs
 * several times, alternating between the baseline's broker and this checkout's (baseline-compare.ts).
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import {
  checkoutInfo,
  compareRuns,
  newRuns,
  schedule,
  type CheckoutInfo,
  type ComparisonRow,
} from './baseline-compare.js';
import { runLatency, type LatencyRunResult } from './latency-run.js';
import {
  FULL_LIMIT_SIZES,
  QUICK_LIMIT_SIZES,
  bestLimits,
  limitGbPerSec,
  measureMachineLimits,
  type LimitSizes,
  type LimitsReport,
  type MachineLimits,
} from './machine-limits.js';
import { runClusterCases, type ClusterCaseResult } from './cluster-case.js';
import { buildClusterMatrix, buildMatrix, isHeadlineCase, type BenchCase } from './matrix.js';
import type { E2eOptions } from './options.js';
import { clockTicksPerSecond } from './process-stats.js';
import { ensureRdkafkaPerformance } from './rdkafka-performance.js';
import { buildReassignPlan } from './reassign-plan.js';
import { runReassignments, type ReassignResult } from './reassign-run.js';
import { applyLimits, runCase, type CaseResult, type RunContext } from './run-case.js';
import { evaluateClusterTargets, evaluateTargets, type TargetResult } from './targets.js';

export interface MachineInfo {
  hostname: string;
  platform: string;
  release: string;
  arch: string;
  cpus: number;
  cpuModel: string;
  totalMemoryBytes: number;
  loadAverageAtStart: number[];
  loadAverageAtEnd: number[];
  clockTicksPerSecond: number;
  /** Where the brokers' data directories and the disk measurement went. */
  dataRoot: string;
}

export interface E2eReport {
  startedAt: string;
  finishedAt: string;
  wallSeconds: number;
  options: Omit<E2eOptions, 'help'>;
  node: string;
  /** This checkout: the clients' and the "new" broker's. */
  git: CheckoutInfo;
  /** The checkout --baseline named, or null. */
  baseline: CheckoutInfo | null;
  machine: MachineInfo;
  rdkafkaPerformance: { path: string; librdkafka: string | null } | { error: string } | null;
  limits: LimitsReport;
  /** Every run of every case, in the order they ran (`run` tells them apart with --baseline/--rounds). */
  cases: CaseResult[];
  /** The cluster cases, run once each on this checkout's brokers; empty with --no-cluster. */
  clusterCases: ClusterCaseResult[];
  /** The reassignment run's variants, on this checkout's brokers; empty with --no-reassign. */
  reassignments: ReassignResult[];
  /** Baseline against this checkout per case and phase; empty without --baseline. */
  comparison: ComparisonRow[];
  latency: LatencyRunResult | null;
  /** From this checkout's runs only. */
  targets: TargetResult[];
}

export interface RunnerHooks {
  log: (message: string) => void;
  /** Smaller limit measurements, for tests. */
  limitSizes?: LimitSizes;
  consumerHeadStartMs?: number;
}

/** The librdkafka version rdkafka_performance links, from its usage text. */
function librdkafkaVersion(binary: string): string | null {
  const usage = spawnSync(binary, ['-h'], { encoding: 'utf8' });
  return /librdkafka version (\S+)/.exec(`${usage.stdout}${usage.stderr}`)?.[1] ?? null;
}

function machineInfo(): Omit<MachineInfo, 'loadAverageAtEnd' | 'clockTicksPerSecond' | 'dataRoot'> {
  const cpus = os.cpus();
  return {
    hostname: os.hostname(),
    platform: os.platform(),
    release: os.release(),
    arch: os.arch(),
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    totalMemoryBytes: os.totalmem(),
    loadAverageAtStart: os.loadavg(),
  };
}

/** The peak the latency run halves: the anchor case's produce rate, or its kiln perf twin's. */
export function latencyPeak(cases: CaseResult[]): { recordsPerSec: number; source: string } | null {
  const twin = (c: BenchCase): boolean => isHeadlineCase({ ...c, client: 'rdkafka' });
  const candidates = [
    ...cases.filter(isHeadlineCase),
    ...cases.filter((c) => c.client === 'kiln' && twin(c)),
  ];
  for (const c of candidates) {
    const rate = c.produce?.error ? undefined : c.produce?.client?.recordsPerSec;
    if (rate && rate > 0) return { recordsPerSec: rate, source: `${c.id} produce` };
  }
  return null;
}

export async function runE2e(options: E2eOptions, repoRoot: string, hooks: RunnerHooks): Promise<E2eReport> {
  const { log } = hooks;
  const started = new Date();
  const startedMs = performance.now();
  const machine = machineInfo();
  const dataRoot = os.tmpdir();
  const matrixOptions = { quick: options.quick, scale: options.scale, only: options.only };
  const cases = buildMatrix(matrixOptions);
  const clusterCases = options.cluster ? buildClusterMatrix(matrixOptions) : [];
  const reassignVariants = options.reassign
    ? buildReassignPlan({
        ...matrixOptions,
        throttleMbPerSec: options.reassignThrottleMbPerSec,
        produceRecordsPerSec: options.reassignProduceRate,
      })
    : [];
  if (cases.length === 0 && clusterCases.length === 0 && reassignVariants.length === 0)
    log('no case matches --only; only the limits (and latency run) will be measured');

  let rdkafkaPerformance: E2eReport['rdkafkaPerformance'] = null;
  let rdkafkaBinary: string | null = null;
  if (cases.some((c) => c.client === 'rdkafka')) {
    try {
      rdkafkaBinary = ensureRdkafkaPerformance(repoRoot);
      rdkafkaPerformance = { path: rdkafkaBinary, librdkafka: librdkafkaVersion(rdkafkaBinary) };
      log(`rdkafka_performance: ${rdkafkaBinary} (librdkafka ${rdkafkaPerformance.librdkafka ?? '?'})`);
    } catch (err) {
      rdkafkaPerformance = { error: (err as Error).message };
      log(`rdkafka_performance unavailable, its cases will fail: ${(err as Error).message}`);
    }
  }
  const limitSizes = hooks.limitSizes ?? (options.quick ? QUICK_LIMIT_SIZES : FULL_LIMIT_SIZES);
  const measureLimits = async (at: 'start' | 'end'): Promise<MachineLimits & { at: 'start' | 'end' }> => {
    log(`measuring machine limits (${at}) ...`);
    const limits = await measureMachineLimits(repoRoot, dataRoot, limitSizes);
    const gb = (v: number | null): string => (v === null ? 'failed' : `${v.toFixed(2)} GB/s`);
    log(
      `  disk write + fdatasync ${gb(limitGbPerSec(limits.diskWrite))}, loopback ${gb(limitGbPerSec(limits.loopback))}`,
    );
    return { at, ...limits };
  };
  const startLimits = await measureLimits('start');
  const ctx: RunContext = { repoRoot, rdkafkaBinary, log };
  const git = checkoutInfo(repoRoot);
  const baseline = options.baseline ? checkoutInfo(options.baseline) : null;
  if (baseline) log(`baseline ${baseline.revision ?? '?'} (${baseline.dir}), new ${git.revision ?? '?'}`);
  // --metrics-cost: base and new are both this checkout's broker, metrics off and on (scraped).
  const baseCtx: RunContext = options.metricsCost
    ? { ...ctx, metrics: 'off' }
    : { ...ctx, brokerRoot: options.baseline ?? repoRoot };
  const newCtx: RunContext = options.metricsCost ? { ...ctx, metrics: 'scraped' } : ctx;

  const results: CaseResult[] = [];
  const runs = schedule(cases, options.rounds, baseline !== null || options.metricsCost);
  for (const [i, { case: c, tag }] of runs.entries()) {
    const which = tag ? ` (round ${tag.round}, ${tag.broker})` : '';
    log(
      `[${i + 1}/${runs.length}] ${c.id}${which}: ${c.records.toLocaleString('en-US')} records of ${c.recordSize} B`,
    );
    const runCtx = tag?.broker === 'base' ? baseCtx : newCtx;
    let result = await runCase(c, runCtx, tag);
    if (result.error && result.brokerDied) {
      // A broker that stops mid-case was most likely signalled from outside (a shared machine);
      // one more try on a fresh broker tells that apart from a broker that cannot run the case.
      log(`  broker died (${result.error.split('\n')[0]}); trying the case once more`);
      const first = result.error;
      result = { ...(await runCase(c, runCtx, tag)), earlierAttemptError: first };
    }
    if (result.metricsScrapes) {
      const { scrapes, failures, bytes } = result.metricsScrapes;
      log(
        `  /metrics read ${scrapes} times (${(bytes / 1e3).toFixed(0)} kB)${failures ? `, ${failures} failed` : ''}`,
      );
    }
    if (result.error) log(`  FAILED: ${result.error.split('\n')[0]}`);
    results.push(result);
  }

  // This checkout's brokers only, once: their figures are leader and follower CPU, not a comparison.
  const clusterResults = await runClusterCases(clusterCases, ctx);
  const reassignments = await runReassignments(reassignVariants, ctx);

  let latency: LatencyRunResult | null = null;
  if (options.latency) {
    const peak = latencyPeak(newRuns(results));
    if (!peak)
      log('latency run skipped: no produce rate of the 100 B / 1 partition / acks=1 / none case to halve');
    else {
      log(`latency run at ${Math.round(peak.recordsPerSec / 2).toLocaleString('en-US')} records/s ...`);
      const latencyOptions = {
        peakRecordsPerSec: peak.recordsPerSec,
        peakSource: peak.source,
        durationSeconds: options.latencySeconds,
        consumerHeadStartMs: hooks.consumerHeadStartMs,
      };
      latency = await runLatency(latencyOptions, ctx);
      if (latency.error && latency.brokerDied) {
        log(`  broker died (${latency.error.split('\n')[0]}); trying the latency run once more`);
        latency = await runLatency(latencyOptions, ctx);
      }
      if (latency.error) log(`  latency run: ${latency.error.split('\n')[0]}`);
    }
  }

  // Measured again at the end: a limit taken while someone else loaded the machine would be low.
  const limits = bestLimits([startLimits, await measureLimits('end')]);
  applyLimits(results, limits.diskGbPerSec, limits.loopbackGbPerSec);

  const { help: _help, ...recordedOptions } = options;
  return {
    startedAt: started.toISOString(),
    finishedAt: new Date().toISOString(),
    wallSeconds: (performance.now() - startedMs) / 1000,
    options: recordedOptions,
    node: process.version,
    git,
    baseline,
    machine: {
      ...machine,
      loadAverageAtEnd: os.loadavg(),
      clockTicksPerSecond: clockTicksPerSecond(),
      dataRoot,
    },
    rdkafkaPerformance,
    limits,
    cases: results,
    clusterCases: clusterResults,
    reassignments,
    comparison: compareRuns(results),
    latency,
    targets: [
      ...evaluateTargets(newRuns(results), latency),
      ...(clusterCases.length > 0 ? evaluateClusterTargets(clusterResults, newRuns(results)) : []),
    ],
  };
}
