/**
 * The benchmark's printed report: one row per case and phase, the machine limits, the latency run
 * and the targets with met / not met. Plain fixed-width text, so it reads the same in a terminal, a
 * CI log and a pasted issue comment. MB is 10^6 bytes throughout, GB 10^9.
 */
import type { LatencyRunResult } from './latency-run.js';
import type { LimitsReport, MachineLimits } from './machine-limits.js';
import type { LatencySummary } from './phase-report.js';
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
