/**
 * librdkafka's rdkafka_performance as a benchmark client: building it (bench/
 * build-rdkafka-performance.sh), its command lines, and the parsers of the summary lines it prints
 * on stdout at the end of a run, e.g.
 *   % 2000000 messages produced (200000000 bytes), 2000000 delivered (offset 1999999, 0 failed) in
 *     1819ms: 1099401 msgs/s and 109.94 MB/s, 0 produce failures, 0 in queue, no compression
 *   % 4000000 messages (400000000 bytes) consumed in 801ms: 4988949 msgs/s (498.89 MB/s)
 * (each on one line). It prints the same lines every second while it runs, so the last one counts.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { PhaseReport } from './phase-report.js';

/** Runs the build script (a no-op once built) and returns the binary's path, its last line of output. */
export function ensureRdkafkaPerformance(repoRoot: string): string {
  const script = path.join(repoRoot, 'bench', 'build-rdkafka-performance.sh');
  const result = spawnSync('bash', [script], {
    cwd: repoRoot,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (result.status !== 0) throw new Error(`${script} failed (exit ${result.status ?? result.signal})`);
  const lines = result.stdout.trim().split('\n');
  const binary = lines[lines.length - 1]?.trim() ?? '';
  fs.accessSync(binary, fs.constants.X_OK);
  return binary;
}

export interface ProduceArgs {
  topic: string;
  bootstrap: string;
  recordSize: number;
  records: number;
  /** Kafka's acks: 1, or -1 for all. */
  acks: 1 | -1;
  partitions: number;
  compression: 'none' | 'lz4';
}

export function produceArgs(a: ProduceArgs): string[] {
  const args = ['-P', '-t', a.topic, '-b', a.bootstrap, '-s', String(a.recordSize), '-c', String(a.records)];
  args.push('-a', String(a.acks));
  // One partition: name it, as PERFORMANCE.md's anchor does. More: leave -p out, so the producer
  // spreads records with its random partitioner.
  if (a.partitions === 1) args.push('-p', '0');
  if (a.compression !== 'none') args.push('-z', a.compression);
  return args;
}

export interface ConsumeArgs {
  topic: string;
  bootstrap: string;
  records: number;
  partitions: number;
}

/** The simple (assign) consumer over every partition: -p may repeat in -C mode, -c counts them all. */
export function consumeArgs(a: ConsumeArgs): string[] {
  const args = ['-C', '-t', a.topic, '-b', a.bootstrap];
  for (let p = 0; p < a.partitions; p++) args.push('-p', String(p));
  args.push('-o', 'beginning', '-c', String(a.records));
  return args;
}

export interface ProduceSummary {
  produced: number;
  bytes: number;
  delivered: number;
  failed: number;
  ms: number;
  msgsPerSec: number;
  mbPerSec: number;
  produceFailures: number;
  inQueue: number;
  compression: string;
  line: string;
}

const PRODUCE_LINE =
  /% (\d+) messages produced \((\d+) bytes\), (\d+) delivered \(offset -?\d+, (\d+) failed\) in (\d+)ms: (\d+) msgs\/s and ([\d.]+) MB\/s, (\d+) produce failures, (\d+) in queue, (\S+) compression/;

/** The last producer summary line in the output, or null if there is none. */
export function parseProduceSummary(output: string): ProduceSummary | null {
  return lastMatch(output, PRODUCE_LINE, (m, line) => ({
    produced: Number(m[1]),
    bytes: Number(m[2]),
    delivered: Number(m[3]),
    failed: Number(m[4]),
    ms: Number(m[5]),
    msgsPerSec: Number(m[6]),
    mbPerSec: Number(m[7]),
    produceFailures: Number(m[8]),
    inQueue: Number(m[9]),
    compression: m[10] ?? '',
    line,
  }));
}

/** `read` of the last line of `output` that `pattern` matches, or null. */
function lastMatch<T>(
  output: string,
  pattern: RegExp,
  read: (m: RegExpExecArray, line: string) => T,
): T | null {
  let last: T | null = null;
  for (const line of output.split('\n')) {
    const m = pattern.exec(line);
    if (m) last = read(m, line.trim());
  }
  return last;
}

export interface ConsumeSummary {
  consumed: number;
  bytes: number;
  ms: number;
  msgsPerSec: number;
  mbPerSec: number;
  line: string;
}

const CONSUME_LINE = /% (\d+) messages \((\d+) bytes\) consumed in (\d+)ms: (\d+) msgs\/s \(([\d.]+) MB\/s\)/;

export function parseConsumeSummary(output: string): ConsumeSummary | null {
  return lastMatch(output, CONSUME_LINE, (m, line) => ({
    consumed: Number(m[1]),
    bytes: Number(m[2]),
    ms: Number(m[3]),
    msgsPerSec: Number(m[4]),
    mbPerSec: Number(m[5]),
    line,
  }));
}

/** The figures of a finished produce run, or why it does not count. */
export function produceReport(output: string, expected: number): PhaseReport | string {
  const s = parseProduceSummary(output);
  if (!s) return 'no summary line in the output of rdkafka_performance';
  if (s.delivered < expected || s.failed > 0) {
    return `${s.delivered} of ${expected} records delivered (${s.failed} failed): ${s.line}`;
  }
  return phaseOf(s.delivered, s);
}

/** A summary as a phase report. Its MB is 10^6 bytes (200000000 bytes in 1819 ms is 109.94 MB/s). */
function phaseOf(
  records: number,
  s: { bytes: number; ms: number; msgsPerSec: number; mbPerSec: number; line: string },
): PhaseReport {
  return {
    records,
    bytes: s.bytes,
    seconds: s.ms / 1000,
    recordsPerSec: s.msgsPerSec,
    mbPerSec: s.mbPerSec,
    latencyMs: null,
    summary: s.line,
  };
}

export function consumeReport(output: string, expected: number): PhaseReport | string {
  const s = parseConsumeSummary(output);
  if (!s) return 'no summary line in the output of rdkafka_performance';
  if (s.consumed < expected) return `${s.consumed} of ${expected} records consumed: ${s.line}`;
  return phaseOf(s.consumed, s);
}
