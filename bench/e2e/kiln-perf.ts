/**
 * `kiln perf` (tools/commands/perf.ts) as a benchmark client: its command lines and the parser of
 * the one JSON object it prints with --json, e.g.
 *   {"mode":"produce","records":..,"bytes":..,"seconds":..,"recordsPerSec":..,"mbPerSec":..,
 *    "latencyMs":{"avg","p50","p95","p99","p999","max"}|null,"errors":..,"requests":..,"config":{..}}
 *   {"mode":"consume","records":..,"bytes":..,"batchBytes":..,"seconds":..,"recordsPerSec":..,
 *    "mbPerSec":..,"fetches":..,"latencyMs":{..}|null,"config":{..}}
 * Produce latency is the ack latency; consume latency is end to end, from a timestamp the producer
 * embeds in each record.
 */
import path from 'node:path';
import type { LatencySummary, PhaseReport } from './phase-report.js';

/** node, then these: bin/kiln.js runs in the child's own process, so its pid is the client's. */
export function kilnArgs(repoRoot: string, args: string[]): string[] {
  return [path.join(repoRoot, 'bin', 'kiln.js'), ...args];
}

export interface PerfProduceArgs {
  bootstrap: string;
  topic: string;
  records: number;
  recordSize: number;
  acks: 1 | -1;
  compression: 'none' | 'lz4';
  /** Create the topic with this many partitions first; omitted when the runner has created it. */
  createPartitions?: number;
  /** Records per second; omitted means as fast as it can. */
  throughput?: number;
}

export function perfProduceArgs(a: PerfProduceArgs): string[] {
  const args = ['perf', 'produce', '--bootstrap-server', a.bootstrap, '--topic', a.topic];
  args.push('--num-records', String(a.records), '--record-size', String(a.recordSize));
  // "all" rather than -1, which an argument parser may take for an option.
  args.push('--acks', a.acks === -1 ? 'all' : '1', '--compression', a.compression);
  if (a.createPartitions !== undefined) args.push('--create-topic-partitions', String(a.createPartitions));
  if (a.throughput !== undefined) args.push('--throughput', String(a.throughput));
  // No progress lines on stderr: nobody reads them here, and an error is easier to find without.
  args.push('--reporting-interval', '0', '--json');
  return args;
}

export interface PerfConsumeArgs {
  bootstrap: string;
  topic: string;
  records: number;
  from: 'beginning' | 'end';
}

export function perfConsumeArgs(a: PerfConsumeArgs): string[] {
  return [
    'perf',
    'consume',
    '--bootstrap-server',
    a.bootstrap,
    '--topic',
    a.topic,
    '--num-records',
    String(a.records),
    '--from',
    a.from,
    '--reporting-interval',
    '0',
    '--json',
  ];
}

export interface PerfResult {
  mode: 'produce' | 'consume';
  records: number;
  bytes: number;
  seconds: number;
  recordsPerSec: number;
  mbPerSec: number;
  latencyMs: LatencySummary | null;
  errors: number;
  json: string;
}

function isLatency(value: unknown): value is LatencySummary {
  const v = value as Record<string, unknown> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    ['avg', 'p50', 'p99', 'p999', 'max'].every((k) => typeof v[k] === 'number')
  );
}

/** The last line of stdout that is a perf JSON object, or null. */
export function parsePerfJson(stdout: string): PerfResult | null {
  const lines = stdout.trim().split('\n').reverse();
  for (const raw of lines) {
    const line = raw.trim();
    if (!line.startsWith('{')) continue;
    let value: Record<string, unknown>;
    try {
      value = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    if (value.mode !== 'produce' && value.mode !== 'consume') continue;
    const num = (key: string): number => (typeof value[key] === 'number' ? (value[key] as number) : NaN);
    return {
      mode: value.mode,
      records: num('records'),
      bytes: num('bytes'),
      seconds: num('seconds'),
      recordsPerSec: num('recordsPerSec'),
      mbPerSec: num('mbPerSec'),
      latencyMs: isLatency(value.latencyMs) ? value.latencyMs : null,
      errors: typeof value.errors === 'number' ? value.errors : 0,
      json: line,
    };
  }
  return null;
}

/** The figures of a finished perf run, or why it does not count. */
export function perfReport(
  stdout: string,
  mode: 'produce' | 'consume',
  expected: number,
): PhaseReport | string {
  const r = parsePerfJson(stdout);
  if (!r) return 'no JSON result on the stdout of kiln perf';
  if (r.mode !== mode) return `kiln perf reported mode ${r.mode}, expected ${mode}`;
  if (r.errors > 0) return `kiln perf ${mode} reported ${r.errors} errors: ${r.json}`;
  if (!(r.records >= expected)) return `${r.records} of ${expected} records ${mode}d: ${r.json}`;
  return {
    records: r.records,
    bytes: r.bytes,
    seconds: r.seconds,
    recordsPerSec: r.recordsPerSec,
    mbPerSec: r.mbPerSec,
    latencyMs: r.latencyMs,
    summary: r.json,
  };
}
