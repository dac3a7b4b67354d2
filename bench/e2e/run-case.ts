/**
 * One benchmark case, start to finish: a fresh broker, the topic created with its partitions (so
 * topic creation is never timed), a produce phase, a consume phase reading everything written, and
 * the broker stopped and its directory removed. Around each phase it measures the broker (CPU from
 * /proc, resident memory sampled every 100 ms, event-loop delay by SIGUSR2) and the client (CPU).
 * A failure is recorded on the case and never thrown, so one broken case cannot end the run.
 */
import { BrokerProcess, type EventLoopDelay } from './broker-process.js';
import { failureOf, runCommand } from './child-processes.js';
import { kilnArgs, perfConsumeArgs, perfProduceArgs, perfReport } from './kiln-perf.js';
import { acksNumber, type BenchCase } from './matrix.js';
import type { PhaseReport } from './phase-report.js';
import { MetricsScraper } from './metrics-scraper.js';
import { MemorySampler, type MemoryPeaks } from './process-stats.js';
import * as rdkafka from './rdkafka-performance.js';

export type Phase = 'produce' | 'consume';

export interface RunContext {
  /** This checkout: the clients (kiln perf, kiln topics) always come from here. */
  repoRoot: string;
  /** The checkout whose broker runs, when not this one (--baseline). */
  brokerRoot?: string;
  /** Path of rdkafka_performance, or null when no case needs it. */
  rdkafkaBinary: string | null;
  log: (message: string) => void;
  /**
   * --metrics-cost: 'off' runs the broker with kiln.admin.listener=none, 'scraped' with the
   * listener on and /metrics read every second (metrics-scraper.ts). Absent: on, not read.
   */
  metrics?: 'off' | 'scraped';
}

export interface PhaseResult {
  phase: Phase;
  command: string;
  /** Why the phase does not count, or null. */
  error: string | null;
  client: PhaseReport | null;
  /** records × record size: the bytes the CPU-per-GB figures are per. */
  payloadBytes: number | null;
  /**
   * MB/s over the disk's write limit (produce) or the loopback limit (consume); filled in by
   * applyLimits once the run has measured the limits a second time, after the last case.
   */
  ratioToLimit: number | null;
  brokerCpuSeconds: number | null;
  brokerCpuSecondsPerGb: number | null;
  clientCpuSeconds: number | null;
  clientWallSeconds: number | null;
  /** VmHWM when the phase ended: the broker's peak resident set so far. */
  brokerVmHwm: number | null;
  /** Maxima sampled during the phase. */
  brokerMemory: MemoryPeaks | null;
  eventLoopDelayMs: EventLoopDelay | null;
}

/** Which broker ran a case, and in which round; set when a case runs more than once. */
export interface RunTag {
  broker: 'base' | 'new';
  round: number;
}

export interface CaseResult extends BenchCase {
  topic: string;
  run?: RunTag;
  error: string | null;
  /** The broker stopped or died during the case without being asked to. */
  brokerDied: boolean;
  /** The error of an earlier attempt whose broker died (the runner then tries the case again). */
  earlierAttemptError?: string;
  brokerCommand: string | null;
  /** With RunContext.metrics 'scraped': the /metrics reads made during the case. */
  metricsScrapes?: { scrapes: number; failures: number; bytes: number };
  produce: PhaseResult | null;
  consume: PhaseResult | null;
  wallSeconds: number;
}

/** Generous: a stuck client is killed, a slow one is not. 30 s plus 4 MB/s of payload. */
export function clientTimeoutMs(payloadBytes: number): number {
  return 30_000 + Math.round(payloadBytes / 4e6) * 1000;
}

export async function createTopic(
  repoRoot: string,
  bootstrap: string,
  topic: string,
  partitions: number,
  replicationFactor?: number,
): Promise<void> {
  const args = [
    '--bootstrap-server',
    bootstrap,
    '--create',
    '--topic',
    topic,
    '--partitions',
    String(partitions),
  ];
  if (replicationFactor !== undefined) args.push('--replication-factor', String(replicationFactor));
  const result = await runCommand(process.execPath, kilnArgs(repoRoot, ['topics', ...args]), {
    cwd: repoRoot,
    timeoutMs: 60_000,
  });
  const failure = failureOf(result);
  if (failure) throw new Error(`creating topic ${topic}: ${failure}`);
}

/** A client run: what to execute and how to read its result from stdout. */
export interface ClientCommand {
  file: string;
  args: string[];
  parse: (stdout: string) => PhaseReport | string;
}

function clientCommand(
  c: BenchCase,
  phase: Phase,
  ctx: RunContext,
  bootstrap: string,
  topic: string,
  records: number,
): ClientCommand {
  const acks = acksNumber(c.acks);
  if (c.client === 'rdkafka') {
    if (!ctx.rdkafkaBinary) throw new Error('rdkafka_performance is not built');
    if (phase === 'produce') {
      const { recordSize, partitions, compression } = c;
      return {
        file: ctx.rdkafkaBinary,
        args: rdkafka.produceArgs({ topic, bootstrap, recordSize, records, acks, partitions, compression }),
        parse: (out) => rdkafka.produceReport(out, records),
      };
    }
    return {
      file: ctx.rdkafkaBinary,
      args: rdkafka.consumeArgs({ topic, bootstrap, records, partitions: c.partitions }),
      parse: (out) => rdkafka.consumeReport(out, records),
    };
  }
  const perf =
    phase === 'produce'
      ? perfProduceArgs({
          bootstrap,
          topic,
          records,
          recordSize: c.recordSize,
          acks,
          compression: c.compression,
        })
      : perfConsumeArgs({ bootstrap, topic, records, from: 'beginning' });
  return {
    file: process.execPath,
    args: kilnArgs(ctx.repoRoot, perf),
    parse: (out) => perfReport(out, phase, records),
  };
}

function round<T extends number | null>(value: T, digits: number): T {
  if (value === null) return value;
  const scale = 10 ** digits;
  return (Math.round(value * scale) / scale) as T;
}

/** Sets each phase's ratio of its MB/s to the limit that bounds it (GB/s, null if unmeasured). */
export function applyLimits(
  cases: CaseResult[],
  diskGbPerSec: number | null,
  loopbackGbPerSec: number | null,
): void {
  for (const c of cases) {
    for (const p of [c.produce, c.consume]) {
      if (!p) continue;
      const limit = p.phase === 'produce' ? diskGbPerSec : loopbackGbPerSec;
      p.ratioToLimit =
        p.client && !p.error && limit ? round((p.client.mbPerSec * 1e6) / (limit * 1e9), 4) : null;
    }
  }
}

/** Runs one client phase against the broker and measures both sides. */
export async function runPhase(
  broker: BrokerProcess,
  phase: Phase,
  command: ClientCommand,
  recordSize: number,
  ctx: RunContext,
  expectedPayloadBytes: number,
): Promise<PhaseResult> {
  // The first mark ends the interval before the phase (startup, topic creation) and starts its own.
  await broker.markEventLoop();
  const cpuBefore = broker.cpuSeconds();
  const sampler = new MemorySampler(broker.pid).start();
  const result = await runCommand(command.file, command.args, {
    cwd: ctx.repoRoot,
    timeoutMs: clientTimeoutMs(expectedPayloadBytes),
  });
  const cpuAfter = broker.cpuSeconds();
  const brokerMemory = sampler.stop();
  const brokerVmHwm = broker.status()?.vmHwm ?? null;
  const eventLoopDelayMs = await broker.markEventLoop();

  let error = failureOf(result);
  let client: PhaseReport | null = null;
  if (!error) {
    const parsed = command.parse(result.stdout);
    if (typeof parsed === 'string') error = parsed;
    else client = parsed;
  }
  if (broker.exitReason) error = `broker ${broker.exitReason} during ${phase}: ${broker.recentOutput(5)}`;
  // Rounded to a tenth of a clock tick: more digits would only be float noise in the results.
  const brokerCpuSeconds = cpuBefore !== null && cpuAfter !== null ? round(cpuAfter - cpuBefore, 3) : null;
  const payloadBytes = client ? client.records * recordSize : null;
  return {
    phase,
    command: result.command,
    error,
    client,
    payloadBytes,
    ratioToLimit: null,
    brokerCpuSeconds,
    brokerCpuSecondsPerGb:
      brokerCpuSeconds !== null && payloadBytes ? round(brokerCpuSeconds / (payloadBytes / 1e9), 3) : null,
    clientCpuSeconds: round(result.cpuSeconds, 3),
    clientWallSeconds: round(result.wallSeconds, 3),
    brokerVmHwm,
    brokerMemory,
    eventLoopDelayMs,
  };
}

export async function runCase(c: BenchCase, ctx: RunContext, run?: RunTag): Promise<CaseResult> {
  const started = performance.now();
  const topic = `e2e-${c.id}`;
  const result: CaseResult = {
    ...c,
    topic,
    ...(run ? { run } : {}),
    error: null,
    brokerDied: false,
    brokerCommand: null,
    produce: null,
    consume: null,
    wallSeconds: 0,
  };
  let broker: BrokerProcess | undefined;
  let scraper: MetricsScraper | undefined;
  try {
    broker = await BrokerProcess.start({
      repoRoot: ctx.brokerRoot ?? ctx.repoRoot,
      partitions: c.partitions,
      profileName: run ? `${c.id}-${run.broker}-r${run.round}` : c.id,
      ...(ctx.metrics === 'off' ? { overrides: { 'kiln.admin.listener': 'none' } } : {}),
    });
    result.brokerCommand = broker.command;
    if (ctx.metrics === 'scraped') {
      if (!broker.adminUrl) throw new Error('the broker has no admin listener to scrape');
      scraper = new MetricsScraper(broker.adminUrl).start();
    }
    await createTopic(ctx.repoRoot, broker.bootstrap, topic, c.partitions);
    const volume = c.records * c.recordSize;
    const producer = clientCommand(c, 'produce', ctx, broker.bootstrap, topic, c.records);
    result.produce = await runPhase(broker, 'produce', producer, c.recordSize, ctx, volume);
    ctx.log(`  produce: ${describePhase(result.produce)}`);
    if (result.produce.error || !result.produce.client) {
      result.error = `produce: ${result.produce.error}`;
    } else {
      // Everything the producer had acknowledged, in every partition.
      const written = result.produce.client.records;
      const consumer = clientCommand(c, 'consume', ctx, broker.bootstrap, topic, written);
      result.consume = await runPhase(broker, 'consume', consumer, c.recordSize, ctx, written * c.recordSize);
      ctx.log(`  consume: ${describePhase(result.consume)}`);
      if (result.consume.error) result.error = `consume: ${result.consume.error}`;
    }
  } catch (err) {
    result.error = (err as Error).message;
  } finally {
    if (scraper) result.metricsScrapes = await scraper.stop();
    result.brokerDied = broker?.exitReason != null;
    await broker?.stop();
  }
  result.wallSeconds = (performance.now() - started) / 1000;
  return result;
}

/** One line for the progress log. */
export function describePhase(p: PhaseResult): string {
  if (p.error || !p.client) return `FAILED ${p.error ?? ''}`;
  const cpu = p.brokerCpuSecondsPerGb === null ? '?' : p.brokerCpuSecondsPerGb.toFixed(2);
  return `${Math.round(p.client.recordsPerSec).toLocaleString('en-US')} records/s, ${p.client.mbPerSec.toFixed(1)} MB/s, broker ${cpu} CPU s/GB`;
}
