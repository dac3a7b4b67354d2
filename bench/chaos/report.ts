/**
 * What a chaos run found, as a printed table and as JSON (--out FILE). The JSON is the
 * ChaosReport object below, as is (version 1).
 */
import fs from 'node:fs';
import path from 'node:path';
import { formatTable } from '../e2e/results-table.js';
import type { CheckResult } from './checker.js';
import type { FaultRecord } from './fault-injector.js';
import type { FaultKind } from './fault-schedule.js';
import type { LeaderlessFigures } from './leader-sampler.js';
import type { ProducerSummary } from './load-generator.js';

export interface BrokerCrash {
  broker: number;
  /** Seconds since the run started. */
  at: number;
  how: string;
  /** Its last lines of output. */
  output: string;
}

export interface ChaosReport {
  version: 1;
  startedAt: string;
  /** The command that runs the same schedule again. */
  reproduce: string;
  seed: number;
  brokers: number;
  topics: string[];
  partitions: number;
  replicationFactor: number;
  minInsyncReplicas: number;
  kinds: FaultKind[];
  /** The checkout's commit, and whether its files differed from it. */
  git: { commit: string | null; dirty: boolean | null };
  /** What the brokers were compiled from: 'working tree' or 'commit <sha>'. */
  brokerSource: string;
  wallSeconds: number;
  /** From the first fault to the end of the last one's recovery. */
  faultSeconds: number;
  faults: FaultRecord[];
  /** Kinds the brokers could not do, and why (they were no longer drawn). */
  skippedKinds: { kind: FaultKind; reason: string }[];
  /** A fault or the final heal that did not settle, or an error that ended the faults early. */
  stuck: string | null;
  /** Seconds the cluster took to settle after everything was healed. */
  finalSettleSeconds: number | null;
  check: CheckResult | null;
  /** Partitions whose log does not start at offset 0. */
  notFromZero: string[];
  readBackError: string | null;
  leaderless: LeaderlessFigures | null;
  producers: ProducerSummary[];
  brokerCrashes: BrokerCrash[];
  /** The broker processes' pids, every start (all gone at the end). */
  brokerPids: number[];
  /** Where the data and logs were kept, or null when removed. */
  keptDir: string | null;
  passed: boolean;
  /** Why it did not pass. */
  failures: string[];
}

const n = (value: number): string => value.toLocaleString('en-US');

/** The reasons a report fails (empty: it passes). */
export function failuresOf(r: Omit<ChaosReport, 'passed' | 'failures'>): string[] {
  const out: string[] = [];
  const c = r.check;
  if (!c) out.push(`the partitions could not be read back${r.readBackError ? `: ${r.readBackError}` : ''}`);
  else {
    if (c.acknowledged === 0) out.push('no record was acknowledged: nothing was checked');
    if (c.lost > 0) out.push(`${n(c.lost)} acknowledged record(s) lost`);
    if (c.moved > 0) out.push(`${n(c.moved)} acknowledged record(s) no longer at their offset`);
    if (c.duplicated > 0) out.push(`${n(c.duplicated)} duplicate record(s)`);
    if (c.outOfOrder > 0) out.push(`${n(c.outOfOrder)} record(s) out of order`);
    if (c.ackedTwice > 0) out.push(`${n(c.ackedTwice)} id(s) acknowledged twice`);
  }
  if (r.notFromZero.length > 0) out.push(`log start moved: ${r.notFromZero.join(', ')}`);
  if (r.stuck) out.push(`stuck: ${r.stuck}`);
  for (const crash of r.brokerCrashes)
    out.push(`broker ${crash.broker} ${crash.how} at ${crash.at} s by itself`);
  for (const p of r.producers) {
    if (p.fatal.length > 0) out.push(`producer ${p.index}: ${p.fatal.length} fatal error(s): ${p.fatal[0]}`);
    if (!p.finished) out.push(`producer ${p.index} did not finish (${p.exit})`);
    if (p.unflushed > 0) {
      out.push(
        `producer ${p.index}: ${n(p.unflushed)} record(s) still unacknowledged when the final flush gave up`,
      );
    }
  }
  return out;
}

export function formatReport(r: ChaosReport): string {
  const c = r.check;
  const failed = r.producers.reduce((sum, p) => sum + p.failed, 0);
  const failures = new Map<string, number>();
  for (const p of r.producers) {
    for (const [name, count] of Object.entries(p.failures))
      failures.set(name, (failures.get(name) ?? 0) + count);
  }
  const byKind = new Map<string, number>();
  for (const f of r.faults) if (f.outcome !== 'skipped') byKind.set(f.kind, (byKind.get(f.kind) ?? 0) + 1);
  const injected = [...byKind.values()].reduce((a, b) => a + b, 0);
  const recoveries = r.faults.flatMap((f) => (f.recoveryMs === null ? [] : [f.recoveryMs / 1000]));
  const figure = (label: string, value: string): string[] => [label, value];
  const rows = [
    figure('faults injected', `${n(injected)} in ${r.faultSeconds.toFixed(0)} s`),
    figure(
      'recovery after a fault, s (mean / max)',
      recoveries.length
        ? `${(recoveries.reduce((a, b) => a + b, 0) / recoveries.length).toFixed(1)} / ${Math.max(...recoveries).toFixed(1)}`
        : '-',
    ),
    figure('acknowledged', c ? n(c.acknowledged) : '-'),
    figure('lost (acknowledged, not found)', c ? n(c.lost) : '-'),
    figure('moved (not at the acknowledged offset)', c ? n(c.moved) : '-'),
    figure('duplicated', c ? n(c.duplicated) : '-'),
    figure('out of order', c ? n(c.outOfOrder) : '-'),
    figure('stored, never acknowledged', c ? n(c.storedUnacknowledged) : '-'),
    figure('acknowledged without an offset', c ? n(c.ackedWithoutOffset) : '-'),
    figure(
      'failed deliveries (not acknowledged)',
      failed === 0 ? '0' : `${n(failed)} (${[...failures].map(([k, v]) => `${k} ${v}`).join(', ')})`,
    ),
    figure('producer fatal errors', String(r.producers.reduce((sum, p) => sum + p.fatal.length, 0))),
    figure(
      'producers restarted: librdkafka stuck on a stale broker',
      String(r.producers.reduce((sum, p) => sum + p.staleDelegations.length, 0)),
    ),
    figure('client errors (librdkafka)', errorsLine(r.producers)),
    figure('broker crashes', String(r.brokerCrashes.length)),
    figure(
      'leaderless partition-seconds',
      r.leaderless ? r.leaderless.partitions.reduce((s, p) => s + p.seconds, 0).toFixed(1) : '-',
    ),
  ];
  const kinds = [...byKind].map(([kind, count]) => `${kind} ${count}`).join(', ');
  const lines = [
    `chaos run: seed ${r.seed}, ${r.brokers} brokers, ${r.topics.length} topic(s) x ${r.partitions} partitions, RF=${r.replicationFactor}, min.insync.replicas=${r.minInsyncReplicas}, ${r.wallSeconds.toFixed(0)} s in all`,
    `broker: ${r.brokerSource}${r.brokerSource === 'working tree' && r.git.commit ? ` (HEAD ${r.git.commit.slice(0, 12)}${r.git.dirty ? ', with changes' : ''})` : ''}`,
    `faults by kind: ${kinds || 'none'}`,
    '',
    formatTable(['figure', 'value'], rows),
  ];
  if (r.leaderless) {
    lines.push(
      '',
      formatTable(
        ['partition', 'leaderless s', 'longest s'],
        r.leaderless.partitions.map((p) => [p.partition, p.seconds.toFixed(2), p.longestSeconds.toFixed(2)]),
      ),
    );
    if (r.leaderless.unobservedSeconds > 0)
      lines.push(`(no broker answered Metadata for ${r.leaderless.unobservedSeconds.toFixed(1)} s)`);
  }
  for (const s of r.skippedKinds) lines.push(`kind ${s.kind} skipped: ${s.reason}`);
  // A client fault, not the cluster's: said, and not failed on.
  for (const p of r.producers)
    for (const why of p.staleDelegations) lines.push(`producer ${p.index} restarted: ${why}`);
  if (c) {
    for (const [what, list] of Object.entries(c.examples)) {
      if (list.length > 0) lines.push('', `${what} (first ${list.length}):`, ...list.map((e) => `  ${e}`));
    }
  }
  lines.push('', r.passed ? 'PASS' : `FAIL: ${r.failures.join('; ')}`, `rerun: ${r.reproduce}`);
  if (r.keptDir) lines.push(`data and logs kept in ${r.keptDir}`);
  return lines.join('\n');
}

/** The producers' error callbacks, by error name: `_TRANSPORT 12, _UNKNOWN_TOPIC 1`. */
function errorsLine(producers: ProducerSummary[]): string {
  const counts = new Map<string, number>();
  for (const p of producers) {
    for (const [name, count] of Object.entries(p.errors)) counts.set(name, (counts.get(name) ?? 0) + count);
  }
  return counts.size === 0 ? '0' : [...counts].map(([name, count]) => `${name} ${count}`).join(', ');
}

export function writeReportJson(file: string, report: ChaosReport): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
}
