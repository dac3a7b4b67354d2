/**
 * The reassignment run of the end-to-end benchmark: how fast Kiln copies a partition to a new
 * replica, with and without a replication throttle, and what a steady producer sees meanwhile.
 *
 * One ZooKeeper (Debian's) serves the run; each variant (reassign-plan.ts) gets a chroot of its
 * own and three fresh broker processes (fresh brokers per variant, not a move back: each copy
 * starts from the same state, with no deleted replica or leftover throttle of the one before).
 * It then:
 *   1. creates a topic of one partition on brokers [1,2] and waits until both are in sync;
 *   2. fills it with `kiln perf produce --acks all` (1 KiB records, as fast as it goes);
 *   3. for the throttled variant, sets the throttle (reassign-admin.ts setThrottles); a broker
 *      that refuses the configs ends the variant with that as its error;
 *   4. runs the steady produce (`kiln perf produce --throughput N --acks all`) in windows before
 *      the move (reassign-produce.ts);
 *   5. starts the next window, and once it produces, takes the leader's partition size
 *      (DescribeLogDirs: the bytes to copy) and asks the controller to move the partition to
 *      [3,2]; from the accepted answer it polls ListPartitionReassignments until the partition is
 *      no longer listed, while windows follow one another until the move has ended;
 *   6. checks Metadata shows [3,2], all in sync, and takes the new replica's size.
 * The copy rate is the bytes to copy over the seconds from the accepted request to the first poll
 * that no longer listed the move (to within one poll interval). A failure is recorded on the
 * variant, never thrown; a variant whose broker died is tried once more, as the cluster cases are.
 */
import { KafkaClient } from '../../tools/client/kafka-client.js';
import type { BrokerProcess } from './broker-process.js';
import { failureOf, runCommand } from './child-processes.js';
import { perfProduceArgs, perfReport } from './kiln-perf.js';
import type { PhaseReport } from './phase-report.js';
import { partitionSize, setThrottles, startMove, waitForMoveEnd, waitForReplicas } from './reassign-admin.js';
import {
  copyRateMbPerSec,
  coveredShare,
  moveTimeoutMs,
  splitAtEnd,
  throttleConfigs,
  worstP99,
  type ReassignVariant,
  type ThrottleConfigs,
} from './reassign-plan.js';
import { reassignKilnArgs, SteadyProducer, type ProduceWindow } from './reassign-produce.js';
import { runOnZooKeeper, startClusterBrokers } from './zookeeper-runs.js';
import { clientTimeoutMs, type RunContext } from './run-case.js';

export interface ReassignResult extends ReassignVariant {
  topic: string;
  error: string | null;
  /** A broker stopped or died during the variant without being asked to. */
  brokerDied: boolean;
  /** The error of an earlier attempt whose broker died (the variant is then tried once more). */
  earlierAttemptError?: string;
  zookeeperConnect: string | null;
  brokerCommands: string[];
  fillCommand: string | null;
  fill: PhaseReport | null;
  /** What the throttled variant set before the move; null without a throttle. */
  throttle: ThrottleConfigs | null;
  /**
   * The steady produce's windows (times in ms from the accepted request): before the move, those
   * that produced while it lasted, and those of the chain that began producing after it ended.
   */
  before: ProduceWindow[];
  during: ProduceWindow[];
  afterMove: ProduceWindow[];
  /** The share of the move's seconds during which a window was producing (0 to 1). */
  duringCoverage: number | null;
  /** The worst window's p99 of each phase, ms. */
  produceP99BeforeMs: number | null;
  produceP99DuringMs: number | null;
  /** The leader's partition size (DescribeLogDirs) just before the request. */
  bytesToCopy: number | null;
  /** The added replica's size once the move ended (the copy plus what was produced meanwhile). */
  bytesAtEnd: number | null;
  /** From the accepted request to the first ListPartitionReassignments not listing the move. */
  moveSeconds: number | null;
  copyMbPerSec: number | null;
  pollIntervalMs: number;
  polls: number | null;
  /** Metadata's replicas, ISR and leader after the move. */
  after: { replicas: number[]; isr: number[]; leader: number } | null;
  wallSeconds: number;
}

const TOPIC = 'e2e-reassign';
const PARTITION = 0;
const POLL_MS = 100;
const ISR_TIMEOUT_MS = 60_000;

function round(value: number | null, digits: number): number | null {
  if (value === null) return null;
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

function emptyResult(v: ReassignVariant, error: string | null): ReassignResult {
  return {
    ...v,
    topic: TOPIC,
    error,
    brokerDied: false,
    zookeeperConnect: null,
    brokerCommands: [],
    fillCommand: null,
    fill: null,
    throttle: null,
    before: [],
    during: [],
    afterMove: [],
    duringCoverage: null,
    produceP99BeforeMs: null,
    produceP99DuringMs: null,
    bytesToCopy: null,
    bytesAtEnd: null,
    moveSeconds: null,
    copyMbPerSec: null,
    pollIntervalMs: POLL_MS,
    polls: null,
    after: null,
    wallSeconds: 0,
  };
}

/** Runs every variant on one ZooKeeper started for them; [] without variants. */
export function runReassignments(variants: ReassignVariant[], ctx: RunContext): Promise<ReassignResult[]> {
  return runOnZooKeeper(variants, ctx, {
    what: 'reassignment run',
    skipped: emptyResult,
    announce: (v, i, count) => {
      const throttle =
        v.throttleBytesPerSec === null ? 'no throttle' : `throttle ${v.throttleBytesPerSec / 1e6} MB/s`;
      return `[reassign ${i + 1}/${count}] ${v.id}: ${((v.fillRecords * v.recordSize) / 1e6).toFixed(0)} MB moved from [${v.from.join(',')}] to [${v.to.join(',')}], ${throttle}, produce ${v.produceRecordsPerSec} records/s acks=all`;
    },
    attempt: (v, zookeeperConnect) => runReassignVariant(v, zookeeperConnect, ctx),
    describe: describeReassign,
  });
}

/** kiln topics --create with the partition's replicas given (--replica-assignment). */
async function createTopicOn(repoRoot: string, bootstrap: string, replicas: number[]): Promise<void> {
  const args = ['topics', '--bootstrap-server', bootstrap, '--create', '--topic', TOPIC];
  args.push('--replica-assignment', replicas.join(':'));
  const run = await runCommand(process.execPath, reassignKilnArgs(repoRoot, args), {
    cwd: repoRoot,
    timeoutMs: 60_000,
  });
  const failure = failureOf(run);
  if (failure) throw new Error(`creating topic ${TOPIC}: ${failure}`);
}

/** Writes the partition full before the move: acks=all, as fast as the client goes. */
async function fill(
  v: ReassignVariant,
  bootstrap: string,
  ctx: RunContext,
  result: ReassignResult,
): Promise<void> {
  const args = perfProduceArgs({
    bootstrap,
    topic: TOPIC,
    records: v.fillRecords,
    recordSize: v.recordSize,
    acks: -1,
    compression: 'none',
  });
  const run = await runCommand(process.execPath, reassignKilnArgs(ctx.repoRoot, args), {
    cwd: ctx.repoRoot,
    timeoutMs: clientTimeoutMs(v.fillRecords * v.recordSize),
  });
  result.fillCommand = run.command;
  const failure = failureOf(run);
  if (failure) throw new Error(`filling the partition: ${failure}`);
  const report = perfReport(run.stdout, 'produce', v.fillRecords);
  if (typeof report === 'string') throw new Error(`filling the partition: ${report}`);
  result.fill = report;
}

/** One variant on brokers registered under `zookeeperConnect` (a chroot nobody else uses). */
export async function runReassignVariant(
  v: ReassignVariant,
  zookeeperConnect: string,
  ctx: RunContext,
): Promise<ReassignResult> {
  const started = performance.now();
  const result = emptyResult(v, null);
  result.zookeeperConnect = zookeeperConnect;
  let brokers: BrokerProcess[] = [];
  let client: KafkaClient | undefined;
  const errors: string[] = [];
  try {
    brokers = await startClusterBrokers(
      { count: v.brokerCount, partitions: 1, zookeeperConnect, profilePrefix: v.id },
      ctx,
    );
    result.brokerCommands = brokers.map((b) => b.command);
    const bootstrap = brokers.map((b) => b.bootstrap).join(',');
    await createTopicOn(ctx.repoRoot, bootstrap, v.from);
    client = await KafkaClient.connect(bootstrap, 'kiln-e2e-reassign');
    const before = await waitForReplicas(client, TOPIC, PARTITION, v.from, ISR_TIMEOUT_MS);
    await fill(v, bootstrap, ctx, result);
    if (v.throttleBytesPerSec !== null) {
      result.throttle = throttleConfigs(PARTITION, v.from, v.to, v.throttleBytesPerSec);
      await setThrottles(client, TOPIC, result.throttle);
    }

    const producer = new SteadyProducer({
      repoRoot: ctx.repoRoot,
      bootstrap,
      topic: TOPIC,
      recordsPerSec: v.produceRecordsPerSec,
      recordSize: v.recordSize,
      windowSeconds: v.windowSeconds,
    });
    const beforeWindows = await producer.windows(v.beforeWindows);
    const beforeFailed = beforeWindows.find((w) => w.error);
    if (beforeFailed) errors.push(`produce before the move: ${beforeFailed.error}`);

    // The first window of the move produces before the request goes out.
    const first = producer.start();
    const move: { endedAt: number | null; error: string | null } = { endedAt: null, error: null };
    let duringWindows: ProduceWindow[] = [];
    try {
      await first.producing;
      const leader = (await client.topic(TOPIC)).partitions[PARTITION]?.leader ?? before.leader;
      result.bytesToCopy = await partitionSize(client, leader, TOPIC, PARTITION);
      if (result.bytesToCopy === null)
        throw new Error(`broker ${leader} has no replica of ${TOPIC}-${PARTITION}`);
      producer.origin = performance.now();
      await startMove(client, TOPIC, PARTITION, v.to);
      producer.origin = performance.now();
      const timeoutMs = moveTimeoutMs(result.bytesToCopy, v.throttleBytesPerSec);
      const watching = waitForMoveEnd(client, TOPIC, PARTITION, { pollMs: POLL_MS, timeoutMs }).then(
        (r) => {
          move.endedAt = r.endedAt;
          result.polls = r.polls;
        },
        (err: unknown) => {
          move.error = (err as Error).message;
        },
      );
      duringWindows = await producer.chain(first, () => move.endedAt === null && move.error === null);
      await watching;
    } finally {
      // However the move went, the window already started is waited for (and kept).
      if (duringWindows.length === 0) duringWindows = [await first.done];
      result.before = producer.relative(beforeWindows);
      const endMs = move.endedAt === null ? null : move.endedAt - producer.origin;
      [result.during, result.afterMove] = splitAtEnd(producer.relative(duringWindows), endMs);
      if (endMs !== null) result.duringCoverage = round(coveredShare(result.during, 0, endMs), 3);
      result.produceP99BeforeMs = worstP99(result.before);
      result.produceP99DuringMs = worstP99(result.during);
      const duringFailed = [...result.during, ...result.afterMove].find((w) => w.error);
      if (duringFailed) errors.push(`produce during the move: ${duringFailed.error}`);
    }
    if (move.error !== null) throw new Error(move.error);
    if (move.endedAt !== null) {
      result.moveSeconds = round((move.endedAt - producer.origin) / 1000, 3);
      result.copyMbPerSec = round(copyRateMbPerSec(result.bytesToCopy, result.moveSeconds), 2);
    }
    result.after = await waitForReplicas(client, TOPIC, PARTITION, v.to, ISR_TIMEOUT_MS);
    const added = v.to.find((b) => !v.from.includes(b));
    if (added !== undefined) result.bytesAtEnd = await partitionSize(client, added, TOPIC, PARTITION);
  } catch (err) {
    errors.unshift((err as Error).message);
  } finally {
    client?.close();
    const died = brokers
      .map((b, i) => (b.exitReason ? `broker ${i + 1} ${b.exitReason}` : null))
      .filter(Boolean);
    if (died.length > 0) {
      const dead = brokers.find((b) => b.exitReason);
      errors.push(`${died.join(', ')}: ${dead?.recentOutput(5) ?? ''}`);
    }
    result.brokerDied = died.length > 0;
    await Promise.all(brokers.map((b) => b.stop()));
  }
  result.error = errors.length > 0 ? errors.join('; ') : null;
  result.wallSeconds = round((performance.now() - started) / 1000, 3) ?? 0;
  return result;
}

/** One line for the progress log. */
export function describeReassign(r: ReassignResult): string {
  const ms = (v: number | null): string => (v === null ? '?' : v.toFixed(1));
  const mb = r.bytesToCopy === null ? '?' : (r.bytesToCopy / 1e6).toFixed(1);
  const covered = r.duringCoverage === null ? '?' : (r.duringCoverage * 100).toFixed(0);
  const retries = r.during.reduce((sum, w) => sum + (w.retries ?? 0), 0);
  return (
    `${mb} MB copied in ${r.moveSeconds ?? '?'} s = ${r.copyMbPerSec ?? '?'} MB/s; ` +
    `produce p99 ${ms(r.produceP99BeforeMs)} ms before, ${ms(r.produceP99DuringMs)} ms during ` +
    `(${r.during.length} window${r.during.length === 1 ? '' : 's'}, ${covered}% of the move covered, ${retries} retries)`
  );
}
