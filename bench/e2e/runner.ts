/**
 * The end-to-end benchmark's run, in order: build the client, measure the machine's limits, run
 * every case of the matrix on its own broker, run the latency test at half the peak rate, and check
 * the targets. Returns everything as one report; printing and files are the caller's (so a test
 * can drive the same machinery with small counts).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import os from 'node:os';
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
import { buildMatrix, isHeadlineCase, type BenchCase } from './matrix.js';
import type { E2eOptions } from './options.js';
import { clockTicksPerSecond } from './process-stats.js';
import { ensureRdkafkaPerformance } from './rdkafka-performance.js';
import { applyLimits, runCase, type CaseResult, type RunContext } from './run-case.js';
import { evaluateTargets, type TargetResult } from './targets.js';

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
  git: { commit: string | null; dirty: boolean | null };
  machine: MachineInfo;
  rdkafkaPerformance: { path: string; librdkafka: string | null } | { error: string } | null;
  limits: LimitsReport;
  cases: CaseResult[];
  latency: LatencyRunResult | null;
  targets: TargetResult[];
}

export interface RunnerHooks {
  log: (message: string) => void;
  /** Smaller limit measurements, for tests. */
  limitSizes?: LimitSizes;
  consumerHeadStartMs?: number;
}

function gitInfo(repoRoot: string): E2eReport['git'] {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
    const status = execFileSync('git', ['status', '--porcelain'], { cwd: repoRoot, encoding: 'utf8' });
    return { commit, dirty: status.trim().length > 0 };
  } catch {
    return { commit: null, dirty: null };
  }
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
  const cases = buildMatrix({ quick: options.quick, scale: options.scale, only: options.only });
  if (cases.length === 0) log('no case matches --only; only the limits (and latency run) will be measured');

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

  const results: CaseResult[] = [];
  for (const [i, c] of cases.entries()) {
    log(
      `[${i + 1}/${cases.length}] ${c.id}: ${c.records.toLocaleString('en-US')} records of ${c.recordSize} B`,
    );
    let result = await runCase(c, ctx);
    if (result.error && result.brokerDied) {
      // A broker that stops mid-case was most likely signalled from outside (a shared machine);
      // one more try on a fresh broker tells that apart from a broker that cannot run the case.
      log(`  broker died (${result.error.split('\n')[0]}); trying the case once more`);
      const first = result.error;
      result = { ...(await runCase(c, ctx)), earlierAttemptError: first };
    }
    if (result.error) log(`  FAILED: ${result.error.split('\n')[0]}`);
    results.push(result);
  }

  let latency: LatencyRunResult | null = null;
  if (options.latency) {
    const peak = latencyPeak(results);
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
    git: gitInfo(repoRoot),
    machine: {
      ...machine,
      loadAverageAtEnd: os.loadavg(),
      clockTicksPerSecond: clockTicksPerSecond(),
      dataRoot,
    },
    rdkafkaPerformance,
    limits,
    cases: results,
    latency,
    targets: evaluateTargets(results, latency),
  };
}
