/**
 * The latency run: a steady produce at half the peak rate for about ten seconds, with a consumer
 * reading the same partition as the records arrive. `kiln perf produce --throughput` reports the
 * ack latency; `kiln perf consume` reports end-to-end latency from a timestamp the producer embeds
 * in each record. At half the peak the broker has headroom, so these show its own latency, not a
 * queue building up in front of it.
 */
import { BrokerProcess, type EventLoopDelay } from './broker-process.js';
import { failureOf, runCommand } from './child-processes.js';
import { kilnArgs, perfConsumeArgs, perfProduceArgs, perfReport } from './kiln-perf.js';
import type { LatencySummary, PhaseReport } from './phase-report.js';
import { MemorySampler, type MemoryPeaks } from './process-stats.js';
import { clientTimeoutMs, createTopic, type RunContext } from './run-case.js';

export interface LatencyRunOptions {
  /** Records per second the peak was measured at, and where that figure came from. */
  peakRecordsPerSec: number;
  peakSource: string;
  durationSeconds: number;
  recordSize?: number;
  /** How long the consumer gets to start and join before the first record is sent. */
  consumerHeadStartMs?: number;
}

export interface LatencyRunResult {
  peakRecordsPerSec: number;
  peakSource: string;
  targetRecordsPerSec: number;
  records: number;
  recordSize: number;
  error: string | null;
  /** The broker stopped or died during the run without being asked to. */
  brokerDied: boolean;
  produceCommand: string | null;
  consumeCommand: string | null;
  produce: PhaseReport | null;
  consume: PhaseReport | null;
  /** Produce request to acknowledgement. */
  produceLatencyMs: LatencySummary | null;
  /** Producer's timestamp in the record to the consumer receiving it. */
  endToEndLatencyMs: LatencySummary | null;
  brokerCpuSeconds: number | null;
  /** VmHWM at the end of the run, and the maxima sampled during it. */
  brokerVmHwm: number | null;
  brokerMemory: MemoryPeaks | null;
  eventLoopDelayMs: EventLoopDelay | null;
}

export async function runLatency(options: LatencyRunOptions, ctx: RunContext): Promise<LatencyRunResult> {
  const recordSize = options.recordSize ?? 100;
  const target = Math.max(100, Math.round(options.peakRecordsPerSec / 2));
  const records = Math.max(500, Math.round(target * options.durationSeconds));
  const result: LatencyRunResult = {
    peakRecordsPerSec: options.peakRecordsPerSec,
    peakSource: options.peakSource,
    targetRecordsPerSec: target,
    records,
    recordSize,
    error: null,
    brokerDied: false,
    produceCommand: null,
    consumeCommand: null,
    produce: null,
    consume: null,
    produceLatencyMs: null,
    endToEndLatencyMs: null,
    brokerCpuSeconds: null,
    brokerVmHwm: null,
    brokerMemory: null,
    eventLoopDelayMs: null,
  };
  let broker: BrokerProcess | undefined;
  try {
    broker = await BrokerProcess.start({ repoRoot: ctx.repoRoot, partitions: 1, profileName: 'latency-run' });
    const topic = 'e2e-latency';
    await createTopic(ctx.repoRoot, broker.bootstrap, topic, 1);
    const bootstrap = broker.bootstrap;
    const timeoutMs = clientTimeoutMs(records * recordSize) + options.durationSeconds * 2000;

    await broker.markEventLoop();
    const cpuBefore = broker.cpuSeconds();
    const sampler = new MemorySampler(broker.pid).start();
    // The topic is new and empty, so reading from the beginning sees exactly the records produced
    // below, however long the consumer takes to start; the head start keeps that startup out of
    // the first records' end-to-end latency.
    const consumeArgs = kilnArgs(
      ctx.repoRoot,
      perfConsumeArgs({ bootstrap, topic, records, from: 'beginning' }),
    );
    const consuming = runCommand(process.execPath, consumeArgs, { cwd: ctx.repoRoot, timeoutMs });
    await new Promise((r) => setTimeout(r, options.consumerHeadStartMs ?? 3000));
    const produceArgs = kilnArgs(
      ctx.repoRoot,
      perfProduceArgs({
        bootstrap,
        topic,
        records,
        recordSize,
        acks: 1,
        compression: 'none',
        throughput: target,
      }),
    );
    const produced = await runCommand(process.execPath, produceArgs, { cwd: ctx.repoRoot, timeoutMs });
    const consumed = await consuming;
    const cpuAfter = broker.cpuSeconds();
    result.brokerMemory = sampler.stop();
    result.brokerVmHwm = broker.status()?.vmHwm ?? null;
    result.eventLoopDelayMs = await broker.markEventLoop();
    result.brokerCpuSeconds = cpuBefore !== null && cpuAfter !== null ? cpuAfter - cpuBefore : null;
    result.produceCommand = produced.command;
    result.consumeCommand = consumed.command;

    const errors: string[] = [];
    const producedFailure = failureOf(produced);
    if (producedFailure) errors.push(`produce: ${producedFailure}`);
    else {
      const report = perfReport(produced.stdout, 'produce', records);
      if (typeof report === 'string') errors.push(`produce: ${report}`);
      else result.produce = report;
    }
    const consumedFailure = failureOf(consumed);
    if (consumedFailure) errors.push(`consume: ${consumedFailure}`);
    else {
      const report = perfReport(consumed.stdout, 'consume', records);
      if (typeof report === 'string') errors.push(`consume: ${report}`);
      else result.consume = report;
    }
    if (broker.exitReason) errors.push(`broker ${broker.exitReason}: ${broker.recentOutput(5)}`);
    result.produceLatencyMs = result.produce?.latencyMs ?? null;
    result.endToEndLatencyMs = result.consume?.latencyMs ?? null;
    if (result.consume && !result.endToEndLatencyMs) errors.push('kiln perf consume reported no latency');
    result.error = errors.length > 0 ? errors.join('; ') : null;
  } catch (err) {
    result.error = (err as Error).message;
  } finally {
    result.brokerDied = broker?.exitReason != null;
    await broker?.stop();
  }
  return result;
}
