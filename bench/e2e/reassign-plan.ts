/**
 * The reassignment run's plan and its pure figures (bench/e2e/reassign-run.ts runs it). Each
 * variant moves one partition, filled beforehand with `fillRecords` records of 1 KiB (150 MB at
 * scale 1, a tenth of that with --quick), from brokers [1,2] to [3,2] on three fresh brokers: once
 * with no throttle and once with a replication throttle set the way Kafka's
 * kafka-reassign-partitions --throttle sets it (throttleConfigs). A steady acks=all produce runs in
 * windows of `windowSeconds` before the move and while it lasts (reassign-produce.ts).
 *
 * MB is 10^6 bytes throughout.
 */
import type { LatencySummary } from './phase-report.js';

export interface ReassignVariant {
  /** reassign-no-throttle or reassign-throttle-<rate>mbps; what --only matches. */
  id: string;
  /** The replication throttle in bytes/s on every broker involved, or null for none. */
  throttleBytesPerSec: number | null;
  brokerCount: number;
  /** The partition's replicas before the move, and the list it moves to. */
  from: number[];
  to: number[];
  /** Records of `recordSize` bytes written (acks=all, as fast as possible) before the move. */
  fillRecords: number;
  recordSize: number;
  /** The steady produce before and during the move: records/s, acks=all. */
  produceRecordsPerSec: number;
  /** How long each kiln perf produce window runs, and how many run before the move. */
  windowSeconds: number;
  beforeWindows: number;
}

/** What the partition holds before the move at scale 1. */
export const REASSIGN_FILL_BYTES = 150e6;
/** --quick multiplies the fill by this (15 MB): enough for a throttle to show, quick to write. */
export const REASSIGN_QUICK_SCALE = 0.1;
export const REASSIGN_RECORD_SIZE = 1024;
export const REASSIGN_FROM: readonly number[] = [1, 2];
export const REASSIGN_TO: readonly number[] = [3, 2];
export const DEFAULT_THROTTLE_MB_PER_SEC = 10;
/** 1 MB/s of 1 KiB records: well under the default throttle, so the throttled copy catches up. */
export const DEFAULT_PRODUCE_RECORDS_PER_SEC = 1000;

export interface ReassignPlanOptions {
  quick?: boolean;
  scale?: number;
  /** A regular expression; a variant runs if its id matches. */
  only?: string;
  throttleMbPerSec: number;
  produceRecordsPerSec: number;
}

/** The id of a variant: its throttle in MB/s, written as short as it goes (10, 2.5). */
export function reassignId(throttleMbPerSec: number | null): string {
  return throttleMbPerSec === null ? 'reassign-no-throttle' : `reassign-throttle-${throttleMbPerSec}mbps`;
}

/**
 * Why this steady produce and throttle cannot make a move that ends, or null: the throttled copy
 * must outrun what the producer adds to the partition meanwhile.
 */
export function produceVsThrottleProblem(
  produceRecordsPerSec: number,
  throttleMbPerSec: number,
): string | null {
  const produced = (produceRecordsPerSec * REASSIGN_RECORD_SIZE) / 1e6;
  if (produced < throttleMbPerSec) return null;
  return (
    `the steady produce (${produceRecordsPerSec} records/s of ${REASSIGN_RECORD_SIZE} B = ${produced.toFixed(2)} MB/s) ` +
    `must stay below the throttle (${throttleMbPerSec} MB/s), or the throttled copy never catches up`
  );
}

/** The variants to run, unthrottled first; [] when --only matches neither. */
export function buildReassignPlan(options: ReassignPlanOptions): ReassignVariant[] {
  const scale = (options.scale ?? 1) * (options.quick ? REASSIGN_QUICK_SCALE : 1);
  if (!(scale > 0)) throw new Error(`scale must be a positive number, got ${options.scale}`);
  if (!(options.throttleMbPerSec > 0))
    throw new Error(`the throttle must be a positive number of MB/s, got ${options.throttleMbPerSec}`);
  if (!(Number.isInteger(options.produceRecordsPerSec) && options.produceRecordsPerSec > 0))
    throw new Error(
      `the produce rate must be a whole number of records/s, got ${options.produceRecordsPerSec}`,
    );
  const only = options.only ? new RegExp(options.only, 'i') : null;
  const fillRecords = Math.max(1000, Math.round((REASSIGN_FILL_BYTES * scale) / REASSIGN_RECORD_SIZE));
  const variants: ReassignVariant[] = [];
  for (const throttleMbPerSec of [null, options.throttleMbPerSec]) {
    const id = reassignId(throttleMbPerSec);
    if (only && !only.test(id)) continue;
    variants.push({
      id,
      throttleBytesPerSec: throttleMbPerSec === null ? null : Math.round(throttleMbPerSec * 1e6),
      brokerCount: 3,
      from: [...REASSIGN_FROM],
      to: [...REASSIGN_TO],
      fillRecords,
      recordSize: REASSIGN_RECORD_SIZE,
      produceRecordsPerSec: options.produceRecordsPerSec,
      windowSeconds: options.quick ? 2 : 4,
      beforeWindows: options.quick ? 1 : 2,
    });
  }
  return variants;
}

/** Kafka's throttled-replicas list: "partition:broker" per replica, comma-separated ("0:1,0:2"). */
export function throttledReplicas(partition: number, brokers: readonly number[]): string {
  return brokers.map((b) => `${partition}:${b}`).join(',');
}

export const LEADER_RATE = 'leader.replication.throttled.rate';
export const FOLLOWER_RATE = 'follower.replication.throttled.rate';
export const LEADER_REPLICAS = 'leader.replication.throttled.replicas';
export const FOLLOWER_REPLICAS = 'follower.replication.throttled.replicas';

/** What a throttled move sets before it starts, as kafka-reassign-partitions --throttle does. */
export interface ThrottleConfigs {
  /** Every broker the move involves (old and new replicas), each given both rates. */
  brokers: number[];
  brokerConfigs: Record<string, string>;
  /** The leader list names the current replicas; the follower list the replicas being added. */
  topicConfigs: Record<string, string>;
}

export function throttleConfigs(
  partition: number,
  from: readonly number[],
  to: readonly number[],
  bytesPerSec: number,
): ThrottleConfigs {
  const brokers = [...new Set([...from, ...to])].sort((a, b) => a - b);
  const adding = to.filter((b) => !from.includes(b));
  const rate = String(Math.round(bytesPerSec));
  return {
    brokers,
    brokerConfigs: { [LEADER_RATE]: rate, [FOLLOWER_RATE]: rate },
    topicConfigs: {
      [LEADER_REPLICAS]: throttledReplicas(partition, from),
      [FOLLOWER_REPLICAS]: throttledReplicas(partition, adding),
    },
  };
}

/** Bytes over seconds in MB/s (10^6 bytes), or null without both figures. */
export function copyRateMbPerSec(bytes: number | null, seconds: number | null): number | null {
  if (bytes === null || seconds === null || !(seconds > 0) || !(bytes >= 0)) return null;
  return bytes / 1e6 / seconds;
}

/** How long a move of `bytes` may take before the run gives up on it. */
export function moveTimeoutMs(bytes: number, throttleBytesPerSec: number | null): number {
  // Unthrottled, the machine's own rate; a copy slower than 5 MB/s is as good as stuck.
  const expectedSeconds = bytes / (throttleBytesPerSec ?? 5e6);
  return Math.round(120_000 + 3000 * expectedSeconds);
}

/** The records a produce window of `seconds` sends at `recordsPerSec`. */
export function windowRecords(recordsPerSec: number, seconds: number): number {
  return Math.max(1, Math.round(recordsPerSec * seconds));
}

/** The worst p99 among the windows that measured one, or null. */
export function worstP99(windows: ReadonlyArray<{ latencyMs: LatencySummary | null }>): number | null {
  let worst: number | null = null;
  for (const w of windows) {
    const p99 = w.latencyMs?.p99;
    if (p99 !== undefined && Number.isFinite(p99) && (worst === null || p99 > worst)) worst = p99;
  }
  return worst;
}

/** A produce window's span, in ms on one clock: from when it produced (else its start) to its end. */
export interface WindowSpan {
  startMs: number;
  producingMs: number | null;
  endMs: number;
}

/** The share (0 to 1) of [fromMs, toMs] during which some window was producing; null if empty. */
export function coveredShare(windows: readonly WindowSpan[], fromMs: number, toMs: number): number | null {
  if (!(toMs > fromMs)) return null;
  const spans = windows
    .map((w) => [Math.max(fromMs, w.producingMs ?? w.startMs), Math.min(toMs, w.endMs)] as const)
    .filter(([a, b]) => b > a)
    .sort((x, y) => x[0] - y[0]);
  let covered = 0;
  let reach = fromMs;
  for (const [a, b] of spans) {
    const start = Math.max(a, reach);
    if (b > start) covered += b - start;
    reach = Math.max(reach, b);
  }
  return covered / (toMs - fromMs);
}

/** Splits chained windows into those producing before `endMs` (the move's end) and the rest. */
export function splitAtEnd<W extends WindowSpan>(windows: readonly W[], endMs: number | null): [W[], W[]] {
  if (endMs === null) return [[...windows], []];
  const during = windows.filter((w) => (w.producingMs ?? w.startMs) < endMs);
  return [during, windows.filter((w) => !during.includes(w))];
}

/**
 * The seconds of a throttle's rate a move may send before the throttle binds: a replication
 * quota divides the bytes of its window by no less than all its samples but one
 * (replication.quota.window.num − 1 = 10 samples of replication.quota.window.size.seconds = 1 s,
 * Kafka's defaults and the brokers' here), so a copy of less than rate × 10 s is not slowed.
 */
export const THROTTLE_BURST_SECONDS = 10;

/** The bytes a move under a throttle of `bytesPerSec` sends before the throttle binds. */
export function throttleBurstBytes(bytesPerSec: number): number {
  return bytesPerSec * THROTTLE_BURST_SECONDS;
}
