/**
 * The benchmark's printed report: one row per case and phase, the machine limits, the cluster
 * cases (one row per case, then one per broker), the reassignment run (one row per variant), the
 * latency run and the targets with met / not met. Plain fixed-width text, so it reads the same in
 * a terminal, a CI log and a pasted issue comment. MB is 10^6 bytes throughout, GB 10^9.
 */
import { leaderReplicationLatency, type ClusterCaseResult } from './cluster-case.js';
import type { LatencyRunResult } from './latency-run.js';
import type { LimitsReport, MachineLimits } from './machine-limits.js';
import type { LatencySummary } from './phase-report.js';
import { THROTTLE_BURST_SECONDS, throttleBurstBytes } from './reassign-plan.js';
import type { ReassignResult } from './reassign-run.js';
import type { CaseResult, PhaseResult } from './run-case.js';
import type { TargetResult } from './targets.js';

/** Right-aligns numeric-looking columns, left-aligns the rest. */
export function formatTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const numeric = headers.map(
    (_, i) => rows.length > 0 && rows.every((r) => /^[-\d.,%/() ]*$/.test(r[i] ?? '')),
  );
  const line = (cells: string[]): string =>
    cells
      .map((cell, i) => (numeric[i] ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const dash = '-';

function num(value: number | null | undefined, digits: number): string {
  return value === null || value === undefined || !Number.isFinite(value) ? dash : value.toFixed(digits);
}

function count(value: number | null | undefined): string {
  return value === null || value === undefined ? dash : Math.round(value).toLocaleString('en-US');
}

function megabytes(bytes: number | null | undefined): string {
  return bytes === null || bytes === undefined ? dash : (bytes / 1e6).toFixed(0);
}

function sizeLabel(bytes: number): string {
  return bytes >= 1024 ? `${bytes / 1024} KiB` : `${bytes} B`;
}

function rss(p: PhaseResult): string {
  const m = p.brokerMemory;
  return `${megabytes(p.brokerVmHwm ?? m?.vmRss)} (${megabytes(m?.rssAnon)}/${megabytes(m?.rssFile)})`;
}

export const CASE_HEADERS = [
  'client',
  'size',
  'parts',
  'acks',
  'codec',
  'phase',
  'records/s',
  'MB/s',
  'of limit',
  'broker CPU s',
  'CPU s/GB',
  'client CPU s',
  'peak RSS MB (anon/file)',
  'loop max ms',
];

/** CASE_HEADERS, with the broker (base or new) and the round when a case ran more than once. */
export function caseHeaders(cases: CaseResult[]): string[] {
  if (!cases.some((c) => c.run)) return CASE_HEADERS;
  const at = CASE_HEADERS.indexOf('phase');
  return [...CASE_HEADERS.slice(0, at), 'broker', 'round', ...CASE_HEADERS.slice(at)];
}

export function caseRows(cases: CaseResult[]): string[][] {
  const rows: string[][] = [];
  const tagged = cases.some((c) => c.run);
  for (const c of cases) {
    const shape = [c.client === 'rdkafka' ? 'rdkafka_performance' : 'kiln perf', sizeLabel(c.recordSize)];
    shape.push(String(c.partitions), c.acks, c.compression);
    if (tagged) shape.push(c.run?.broker ?? 'new', String(c.run?.round ?? 1));
    const phases = [c.produce, c.consume].filter((p): p is PhaseResult => p !== null);
    if (phases.length === 0) rows.push([...shape, 'FAILED', dash, dash, dash, dash, dash, dash, dash, dash]);
    for (const p of phases) {
      const ok = !p.error && p.client;
      rows.push([
        ...shape,
        ok ? p.phase : `${p.phase} FAILED`,
        count(ok ? p.client?.recordsPerSec : null),
        num(ok ? p.client?.mbPerSec : null, 1),
        p.ratioToLimit === null ? dash : `${(p.ratioToLimit * 100).toFixed(0)}%`,
        num(p.brokerCpuSeconds, 2),
        num(p.brokerCpuSecondsPerGb, 2),
        num(p.clientCpuSeconds, 2),
        rss(p),
        num(p.eventLoopDelayMs?.max, 1),
      ]);
    }
  }
  return rows;
}

function formatMeasurement(limits: MachineLimits): string[] {
  const disk = limits.diskWrite;
  const loop = limits.loopback;
  const diskText =
    'error' in disk
      ? `failed: ${disk.error}`
      : `${disk.gbPerSec.toFixed(2)} GB/s (${(disk.bytes / 2 ** 20).toFixed(0)} MiB in 1 MiB writes + fdatasync, ${disk.dir})`;
  const loopText =
    'error' in loop
      ? `failed: ${loop.error}`
      : `${loop.gbPerSec.toFixed(2)} GB/s (${(loop.bytes / 1e9).toFixed(1)} GB in 1 MiB writes, Node to Node over 127.0.0.1)`;
  return [`  disk write + fdatasync: ${diskText}`, `  loopback TCP:           ${loopText}`];
}

export function formatLimits(limits: LimitsReport): string {
  const gb = (v: number | null): string => (v === null ? 'not measured' : `${v.toFixed(2)} GB/s`);
  return [
    ...limits.measurements.flatMap((m) => [`at the ${m.at}:`, ...formatMeasurement(m)]),
    `the ratios use the best of these: disk ${gb(limits.diskGbPerSec)}, loopback ${gb(limits.loopbackGbPerSec)}`,
  ].join('\n');
}

function latencyText(l: LatencySummary | null): string {
  if (!l) return 'not measured';
  return `avg ${num(l.avg, 2)}  p50 ${num(l.p50, 2)}  p99 ${num(l.p99, 2)}  p99.9 ${num(l.p999, 2)}  max ${num(l.max, 2)} ms`;
}

export function formatLatency(run: LatencyRunResult | null): string {
  if (!run) return 'latency run: skipped';
  const head = `latency run: ${count(run.records)} records of ${run.recordSize} B at ${count(run.targetRecordsPerSec)} records/s (half of ${count(run.peakRecordsPerSec)}, ${run.peakSource})`;
  const lines = [head];
  if (run.produce) lines.push(`  achieved:          ${count(run.produce.recordsPerSec)} records/s`);
  lines.push(`  produce ack:       ${latencyText(run.produceLatencyMs)}`);
  lines.push(`  end to end:        ${latencyText(run.endToEndLatencyMs)}`);
  const m = run.brokerMemory;
  const memory = `peak RSS ${megabytes(run.brokerVmHwm ?? m?.vmRss)} MB (anon ${megabytes(m?.rssAnon)} / file ${megabytes(m?.rssFile)})`;
  lines.push(
    `  broker:            ${num(run.brokerCpuSeconds, 2)} CPU s, ${memory}, event loop max ${num(run.eventLoopDelayMs?.max, 1)} ms`,
  );
  if (run.error) lines.push(`  error: ${run.error}`);
  return lines.join('\n');
}

export function formatTargets(targets: TargetResult[]): string {
  const verdict = (t: TargetResult): string => (t.met === null ? 'not measured' : t.met ? 'met' : 'NOT MET');
  return formatTable(
    ['target', 'wanted', 'measured', 'verdict', 'from'],
    targets.map((t) => [t.name, t.target, t.measured, verdict(t), t.source]),
  );
}

export function formatErrors(cases: CaseResult[]): string {
  const failed = cases.filter((c) => c.error);
  if (failed.length === 0) return '';
  const run = (c: CaseResult): string => (c.run ? ` (${c.run.broker}, round ${c.run.round})` : '');
  return ['failed cases:', ...failed.map((c) => `  ${c.id}${run(c)}: ${c.error}`)].join('\n');
}

export const CLUSTER_HEADERS = [
  'size',
  'acks',
  'records/s',
  'MB/s',
  'leader',
  'leader CPU s/GB',
  'followers',
  'follower CPU s/GB',
  'catch-up ms',
  'append→HW p50 ms',
  'p99 ms',
  'waits',
  'ack p50 ms',
  'ack p99 ms',
];

/** One row per cluster case: rate, leader and follower CPU per GB, replication latency. */
export function clusterRows(cases: ClusterCaseResult[]): string[][] {
  return cases.map((c) => {
    const shape = [sizeLabel(c.recordSize), c.acks];
    const ok = !c.error && c.client;
    if (!ok) return [...shape, 'FAILED', ...CLUSTER_HEADERS.slice(3).map(() => dash)];
    const leaders = c.brokers.filter((b) => b.role === 'leader');
    const followers = c.brokers.filter((b) => b.role === 'follower');
    const ids = (list: typeof leaders): string => list.map((b) => String(b.brokerId)).join(', ') || dash;
    const perGb = (list: typeof leaders): string =>
      list.map((b) => num(b.cpuSecondsPerGb, 2)).join(', ') || dash;
    const hw = leaderReplicationLatency(c);
    return [
      ...shape,
      count(c.client?.recordsPerSec),
      num(c.client?.mbPerSec, 1),
      ids(leaders),
      perGb(leaders),
      ids(followers),
      perGb(followers),
      num(c.catchUpMs, 0),
      num(hw?.p50, 2),
      num(hw?.p99, 2),
      count(hw?.count),
      num(c.client?.latencyMs?.p50, 2),
      num(c.client?.latencyMs?.p99, 2),
    ];
  });
}

export const CLUSTER_BROKER_HEADERS = [
  'case',
  'broker',
  'role',
  'CPU s',
  'CPU s/GB',
  'main thread CPU s',
  'other threads CPU s',
  'peak RSS MB',
  'loop max ms',
];

/** One row per broker of each cluster case: where its CPU went (event loop or other threads). */
export function clusterBrokerRows(cases: ClusterCaseResult[]): string[][] {
  return cases.flatMap((c) =>
    c.brokers.map((b) => {
      const other =
        b.cpuSeconds !== null && b.mainThreadCpuSeconds !== null
          ? b.cpuSeconds - b.mainThreadCpuSeconds
          : null;
      return [
        c.id,
        String(b.brokerId),
        b.role,
        num(b.cpuSeconds, 2),
        num(b.cpuSecondsPerGb, 2),
        num(b.mainThreadCpuSeconds, 2),
        num(other, 2),
        megabytes(b.vmHwm),
        num(b.eventLoopDelayMs?.max, 1),
      ];
    }),
  );
}

/** The cluster section: its explanation, the two tables and the failures. */
export function formatCluster(cases: ClusterCaseResult[]): string {
  const first = cases[0];
  if (!first) return 'cluster cases: none ran';
  const lines = [
    `cluster cases (${first.brokerCount} brokers and ZooKeeper on this machine, topic with replication factor ${first.replicationFactor}`,
    `and ${first.partitions} partition${first.partitions === 1 ? '' : 's'}, kiln perf produce with every broker as bootstrap, no compression; CPU s/GB = that`,
    "broker's CPU s per 10^9 payload bytes, over the produce and the wait until the high watermark",
    'covers every record ("catch-up ms" after the client exits, the followers\' lag); append→HW = how',
    "long the leader's acks=all requests waited for their followers, from its stats line (acks=all only);",
    "ack = the client's produce latency)",
    formatTable(CLUSTER_HEADERS, clusterRows(cases)),
    '',
    'cluster brokers (main thread = the event loop; other threads = the replica fetch and other worker',
    'pools, libuv, V8 compiler and GC)',
    formatTable(CLUSTER_BROKER_HEADERS, clusterBrokerRows(cases)),
  ];
  const failed = cases.filter((c) => c.error);
  if (failed.length > 0)
    lines.push('', 'failed cluster cases:', ...failed.map((c) => `  ${c.id}: ${c.error}`));
  return lines.join('\n');
}

export const REASSIGN_HEADERS = [
  'throttle',
  'MB copied',
  'seconds',
  'MB/s',
  'produce p99 before ms',
  'during ms',
  'windows',
  'covered',
  'retries',
  'result',
];

/** "10 MB/s", or "none". */
export function throttleLabel(bytesPerSec: number | null): string {
  return bytesPerSec === null ? 'none' : `${Number((bytesPerSec / 1e6).toPrecision(6))} MB/s`;
}

/** One row per reassignment variant: the copy and the producer's p99 around it. */
export function reassignRows(results: ReassignResult[]): string[][] {
  return results.map((r) => {
    const retries = r.during.reduce<number | null>(
      (sum, w) => (w.retries === null ? sum : (sum ?? 0) + w.retries),
      null,
    );
    return [
      throttleLabel(r.throttleBytesPerSec),
      num(r.bytesToCopy === null ? null : r.bytesToCopy / 1e6, 1),
      num(r.moveSeconds, 2),
      num(r.copyMbPerSec, 1),
      num(r.produceP99BeforeMs, 2),
      num(r.produceP99DuringMs, 2),
      r.during.length > 0 ? String(r.during.length) : dash,
      r.duringCoverage === null ? dash : `${(r.duringCoverage * 100).toFixed(0)}%`,
      count(retries),
      r.error ? 'FAILED' : 'ok',
    ];
  });
}

/** The reassignment section: what the figures are, the table and the failures. */
export function formatReassign(results: ReassignResult[]): string {
  const first = results[0];
  if (!first) return 'reassignment: none ran';
  const lines = [
    `reassignment (a partition of ${((first.fillRecords * first.recordSize) / 1e6).toFixed(0)} MB moved from brokers [${first.from.join(',')}] to [${first.to.join(',')}], ${first.brokerCount} fresh`,
    "brokers and a ZooKeeper chroot per variant; MB copied = the leader's partition size (DescribeLogDirs)",
    'when the move was asked for; seconds = from the accepted AlterPartitionReassignments to the first',
    `ListPartitionReassignments (every ${first.pollIntervalMs} ms) no longer listing it; MB/s = the two over each other;`,
    `produce p99 = the worst of the windows of kiln perf produce --throughput ${first.produceRecordsPerSec} (${first.recordSize} B, acks=all,`,
    `${first.windowSeconds} s each) before the move and while it lasted; windows = how many produced during it, covered =`,
    'the share of its seconds they produced in; retries = requests they retried after a moved leader)',
    formatTable(REASSIGN_HEADERS, reassignRows(results)),
  ];
  for (const r of results) {
    const burst = r.throttleBytesPerSec === null ? null : throttleBurstBytes(r.throttleBytesPerSec);
    if (burst !== null && r.bytesToCopy !== null && r.bytesToCopy <= burst)
      lines.push(
        `note: ${r.id} copied ${megabytes(r.bytesToCopy)} MB, no more than the ${megabytes(burst)} MB a ${throttleLabel(r.throttleBytesPerSec)} throttle`,
        `lets through before it binds (its rate is measured over at least ${THROTTLE_BURST_SECONDS} s): it could not slow this move`,
      );
  }
  const failed = results.filter((r) => r.error);
  if (failed.length > 0)
    lines.push('', 'failed reassignment variants:', ...failed.map((r) => `  ${r.id}: ${r.error}`));
  return lines.join('\n');
}
