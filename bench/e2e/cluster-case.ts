/**
 * The cluster cases of the end-to-end benchmark (PERFORMANCE.md: "cluster, three brokers on this
 * machine"). One ZooKeeper (Debian's, tools/cluster/zookeeper-process.ts) serves the whole section;
 * each case gets three fresh broker child processes under a ZooKeeper chroot of its own, a topic
 * created with its replication factor and waited on until every partition's ISR holds every
 * replica, then one kiln perf produce with all three brokers as bootstrap.
 *
 * Around the produce it reads each broker's CPU from /proc (its main thread's apart). After the
 * client exits it waits until the leader's high watermark covers every record written, so that a
 * follower's CPU covers its whole copy even with acks=1, where followers may trail the client.
 * CPU per GB is over the payload the client wrote, which the leader and every follower each
 * store once. The leader's stats line (SIGUSR2, server/event-loop-stats.ts) gives how long
 * acks=all requests waited from their append to the high watermark. A failure is recorded on the
 * case, never thrown, so one broken case cannot end the run.
 */
import { KafkaClient, LATEST, type TopicMetadata } from '../../tools/client/kafka-client.js';
import {
  type BrokerProcess,
  type BrokerStats,
  type EventLoopDelay,
  type ReplicationLatency,
} from './broker-process.js';
import { failureOf, runCommand } from './child-processes.js';
import { kilnArgs, perfProduceArgs, perfReport } from './kiln-perf.js';
import { acksNumber, type ClusterCase } from './matrix.js';
import type { PhaseReport } from './phase-report.js';
import { runOnZooKeeper, startClusterBrokers } from './zookeeper-runs.js';
import { clientTimeoutMs, createTopic, type RunContext } from './run-case.js';

export interface ClusterBrokerResult {
  brokerId: number;
  /** 'leader' if it leads a partition of the case's topic (with one partition, the leader). */
  role: 'leader' | 'follower';
  /** Partitions of the topic it leads. */
  leads: number;
  command: string;
  /** Over the produce and the wait for the high watermark after it. */
  cpuSeconds: number | null;
  /** Per 10^9 bytes of payload the client wrote (and this broker stored once). */
  cpuSecondsPerGb: number | null;
  /** Its main thread's (the event loop's) part of cpuSeconds; the rest went to other threads. */
  mainThreadCpuSeconds: number | null;
  /** VmHWM at the end of the phase. */
  vmHwm: number | null;
  eventLoopDelayMs: EventLoopDelay | null;
  /** A leader's acks=all waits, append → high watermark; null on followers and with acks=1. */
  replicationLatencyMs: ReplicationLatency | null;
}

export interface ClusterCaseResult extends ClusterCase {
  topic: string;
  error: string | null;
  /** A broker stopped or died during the case without being asked to. */
  brokerDied: boolean;
  /** The error of an earlier attempt whose broker died (the case is then tried once more). */
  earlierAttemptError?: string;
  /** zookeeper.connect of its brokers, chroot included. */
  zookeeperConnect: string | null;
  produceCommand: string | null;
  client: PhaseReport | null;
  clientCpuSeconds: number | null;
  clientWallSeconds: number | null;
  /** records × record size. */
  payloadBytes: number | null;
  /**
   * From the client's exit until the leader's high watermark covered every record it wrote: how
   * far the followers trailed (0-ish with acks=all; the first check comes a few ms after the exit).
   */
  catchUpMs: number | null;
  /** By broker id. */
  brokers: ClusterBrokerResult[];
  wallSeconds: number;
}

/** How long the ISR may take to hold every replica after the topic is created. */
const ISR_TIMEOUT_MS = 60_000;
/** How long the followers may take to catch up once the client has exited. */
const CATCH_UP_TIMEOUT_MS = 60_000;

function round(value: number | null, digits: number): number | null {
  if (value === null) return null;
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

function emptyResult(c: ClusterCase, error: string | null): ClusterCaseResult {
  return {
    ...c,
    topic: `e2e-${c.id}`,
    error,
    brokerDied: false,
    zookeeperConnect: null,
    produceCommand: null,
    client: null,
    clientCpuSeconds: null,
    clientWallSeconds: null,
    payloadBytes: null,
    catchUpMs: null,
    brokers: [],
    wallSeconds: 0,
  };
}

/** The leader's append → high watermark figures (the leader with the most samples). */
export function leaderReplicationLatency(c: ClusterCaseResult): ReplicationLatency | null {
  let best: ReplicationLatency | null = null;
  for (const b of c.brokers) {
    const r = b.replicationLatencyMs;
    if (b.role === 'leader' && r && (!best || r.count > best.count)) best = r;
  }
  return best;
}

/** Runs every cluster case on one ZooKeeper started for them; [] without cases. */
export function runClusterCases(cases: ClusterCase[], ctx: RunContext): Promise<ClusterCaseResult[]> {
  return runOnZooKeeper(cases, ctx, {
    what: 'cluster cases',
    skipped: emptyResult,
    announce: (c, i, count) =>
      `[cluster ${i + 1}/${count}] ${c.id}: ${c.records.toLocaleString('en-US')} records of ${c.recordSize} B, ${c.brokerCount} brokers, RF=${c.replicationFactor}, acks=${c.acks}`,
    attempt: (c, zookeeperConnect) => runClusterCase(c, zookeeperConnect, ctx),
    describe: (result) => `produce: ${describeClusterCase(result)}`,
  });
}

/** Waits until the topic has every partition led with all its replicas in sync. */
async function waitForFullIsr(client: KafkaClient, c: ClusterCase, topic: string): Promise<TopicMetadata> {
  const deadline = performance.now() + ISR_TIMEOUT_MS;
  let last = 'no metadata yet';
  for (;;) {
    try {
      const meta = (await client.metadata([topic])).topics.find((t) => t.name === topic);
      const parts = meta?.partitions ?? [];
      const ready =
        meta?.errorCode === 0 &&
        parts.length === c.partitions &&
        parts.every((p) => p.errorCode === 0 && p.leader >= 0 && p.isr.length === c.replicationFactor);
      if (meta && ready) return meta;
      last = parts
        .map((p) => `partition ${p.partition}: leader ${p.leader}, isr [${p.isr.join(',')}]`)
        .join('; ');
    } catch (err) {
      last = (err as Error).message;
    }
    if (performance.now() > deadline)
      throw new Error(
        `the ISR of ${topic} did not reach ${c.replicationFactor} in ${ISR_TIMEOUT_MS} ms (${last})`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Waits until the high watermarks of the topic's partitions add up to `records`. */
async function waitForHighWatermark(
  client: KafkaClient,
  meta: TopicMetadata,
  records: number,
): Promise<void> {
  const partitions = meta.partitions.map((p) => p.partition);
  const deadline = performance.now() + CATCH_UP_TIMEOUT_MS;
  let reached = -1;
  for (;;) {
    const offsets = await client.listOffsets(meta, partitions, LATEST);
    reached = [...offsets.values()].reduce((sum, o) => sum + Math.max(0, o), 0);
    if (reached >= records) return;
    if (performance.now() > deadline)
      throw new Error(
        `the followers did not catch up in ${CATCH_UP_TIMEOUT_MS} ms: high watermark ${reached} of ${records} records`,
      );
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** One case on brokers registered under `zookeeperConnect` (a chroot nobody else uses). */
export async function runClusterCase(
  c: ClusterCase,
  zookeeperConnect: string,
  ctx: RunContext,
): Promise<ClusterCaseResult> {
  const started = performance.now();
  const result = emptyResult(c, null);
  const { topic } = result;
  result.zookeeperConnect = zookeeperConnect;
  let brokers: BrokerProcess[] = [];
  let client: KafkaClient | undefined;
  try {
    brokers = await startClusterBrokers(
      {
        count: c.brokerCount,
        partitions: c.partitions,
        zookeeperConnect: result.zookeeperConnect,
        profilePrefix: c.id,
      },
      ctx,
    );
    const bootstrap = brokers.map((b) => b.bootstrap).join(',');
    await createTopic(ctx.repoRoot, bootstrap, topic, c.partitions, c.replicationFactor);
    client = await KafkaClient.connect(bootstrap, 'kiln-e2e-bench');
    const meta = await waitForFullIsr(client, c, topic);
    const leads = (index: number): number => meta.partitions.filter((p) => p.leader === index + 1).length;

    // The first mark ends the interval before the phase (startup, topic creation) and starts its own.
    await Promise.all(brokers.map((b) => b.markStats()));
    const cpuBefore = brokers.map((b) => [b.cpuSeconds(), b.mainThreadCpuSeconds()] as const);
    const args = perfProduceArgs({
      bootstrap,
      topic,
      records: c.records,
      recordSize: c.recordSize,
      acks: acksNumber(c.acks),
      compression: 'none',
    });
    const run = await runCommand(process.execPath, kilnArgs(ctx.repoRoot, args), {
      cwd: ctx.repoRoot,
      timeoutMs: clientTimeoutMs(c.records * c.recordSize),
    });
    const clientExited = performance.now();
    result.produceCommand = run.command;
    result.clientCpuSeconds = round(run.cpuSeconds, 3);
    result.clientWallSeconds = round(run.wallSeconds, 3);
    let error = failureOf(run);
    if (!error) {
      const parsed = perfReport(run.stdout, 'produce', c.records);
      if (typeof parsed === 'string') error = parsed;
      else result.client = parsed;
    }
    if (result.client) {
      try {
        await waitForHighWatermark(client, meta, result.client.records);
        result.catchUpMs = round(performance.now() - clientExited, 1);
      } catch (err) {
        error = (err as Error).message;
      }
    }
    const cpuAfter = brokers.map((b) => [b.cpuSeconds(), b.mainThreadCpuSeconds()] as const);
    const vmHwm = brokers.map((b) => b.status()?.vmHwm ?? null);
    const stats: Array<BrokerStats | null> = await Promise.all(brokers.map((b) => b.markStats()));
    result.payloadBytes = result.client ? result.client.records * c.recordSize : null;
    const gb = result.payloadBytes ? result.payloadBytes / 1e9 : null;
    const delta = (after: number | null | undefined, before: number | null | undefined): number | null =>
      after != null && before != null ? round(after - before, 3) : null;
    result.brokers = brokers.map((b, i) => {
      const cpu = delta(cpuAfter[i]?.[0], cpuBefore[i]?.[0]);
      return {
        brokerId: i + 1,
        role: leads(i) > 0 ? 'leader' : 'follower',
        leads: leads(i),
        command: b.command,
        cpuSeconds: cpu,
        cpuSecondsPerGb: cpu !== null && gb ? round(cpu / gb, 3) : null,
        mainThreadCpuSeconds: delta(cpuAfter[i]?.[1], cpuBefore[i]?.[1]),
        vmHwm: vmHwm[i] ?? null,
        eventLoopDelayMs: stats[i]?.eventLoopDelayMs ?? null,
        replicationLatencyMs: stats[i]?.replicationLatencyMs ?? null,
      };
    });
    const died = brokers
      .map((b, i) => (b.exitReason ? `broker ${i + 1} ${b.exitReason}` : null))
      .filter(Boolean);
    if (died.length > 0) {
      const dead = brokers.find((b) => b.exitReason);
      error = `${died.join(', ')} during produce: ${dead?.recentOutput(5) ?? ''}`;
    }
    result.error = error;
  } catch (err) {
    result.error = (err as Error).message;
  } finally {
    client?.close();
    result.brokerDied = brokers.some((b) => b.exitReason !== null);
    await Promise.all(brokers.map((b) => b.stop()));
  }
  result.wallSeconds = (performance.now() - started) / 1000;
  return result;
}

/** One line for the progress log. */
export function describeClusterCase(r: ClusterCaseResult): string {
  if (r.error || !r.client) return `FAILED ${r.error ?? ''}`;
  const perGb = (b: ClusterBrokerResult): string =>
    `${b.brokerId} ${b.cpuSecondsPerGb === null ? '?' : b.cpuSecondsPerGb.toFixed(2)}`;
  const leaders = r.brokers.filter((b) => b.role === 'leader').map(perGb);
  const followers = r.brokers.filter((b) => b.role === 'follower').map(perGb);
  const latency = leaderReplicationLatency(r);
  const hw = latency
    ? `; append→HW p50 ${latency.p50.toFixed(2)} p99 ${latency.p99.toFixed(2)} ms (${latency.count.toLocaleString('en-US')} waits)`
    : '';
  return (
    `${Math.round(r.client.recordsPerSec).toLocaleString('en-US')} records/s, ${r.client.mbPerSec.toFixed(1)} MB/s; ` +
    `CPU s/GB leader ${leaders.join(', ')}, followers ${followers.join(', ')}; ` +
    `caught up ${r.catchUpMs ?? '?'} ms after the client${hw}`
  );
}
