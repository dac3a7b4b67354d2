/**
 * `npm run bench:e2e` — Kiln's end-to-end throughput against real clients. In one run: the
 * machine's limits (disk write + fdatasync, loopback TCP), a matrix of cases (client ×
 * record size × partitions × acks × codec; each a produce then a consume of everything written, on
 * a fresh broker child process), cluster cases (three brokers and ZooKeeper, replication factor 3,
 * leader and follower CPU apart), a reassignment run (a partition moved with and without a
 * replication throttle: copy MB/s, produce p99 before and during), a latency run at half the peak
 * rate, and PERFORMANCE.md's targets checked against the figures. Prints a table; writes bench/results/e2e-<date>.json and .svg (and
 * e2e-latest.*). With --baseline DIR every case also runs on another checkout's broker, alternating
 * with this one's, and a comparison of the two follows the table. `npm run bench:e2e -- --help`
 * lists the options; the pieces live in bench/e2e/.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeCheckout, formatComparison } from './e2e/baseline-compare.js';
import { installCleanupHandlers } from './e2e/child-processes.js';
import { SCRAPE_INTERVAL_MS } from './e2e/metrics-scraper.js';
import { OptionsError, USAGE, parseOptions, type E2eOptions } from './e2e/options.js';
import { profileBrokersInto } from './e2e/broker-process.js';
import { writeResults } from './e2e/results-file.js';
import {
  caseHeaders,
  caseRows,
  formatCluster,
  formatErrors,
  formatLatency,
  formatLimits,
  formatReassign,
  formatTable,
  formatTargets,
} from './e2e/results-table.js';
import { runE2e } from './e2e/runner.js';

const repoRoot = path.resolve(fileURLToPath(new URL('..', import.meta.url)));

async function main(argv: string[]): Promise<number> {
  let options: E2eOptions;
  try {
    options = parseOptions(argv, repoRoot);
  } catch (err) {
    if (err instanceof OptionsError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`bench:e2e: ${(err as Error).message}\n\n${USAGE}\n`);
      return 2;
    }
    throw err;
  }
  if (options.help) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  installCleanupHandlers();
  if (options.cpuProf) profileBrokersInto(path.join(options.outDir, 'profiles'));
  // Progress goes to stderr so that stdout holds only the report.
  const log = (message: string): void => void process.stderr.write(message + '\n');
  const report = await runE2e(options, repoRoot, { log });
  const files = writeResults(report, options.outDir);

  const out: string[] = [''];
  const self = report.baseline ? 'this checkout (clients, new broker):' : 'this checkout (clients, broker):';
  out.push(`${self} ${describeCheckout(report.git)}`);
  if (report.baseline)
    out.push(`${'baseline (base broker):'.padEnd(self.length)} ${describeCheckout(report.baseline)}`);
  out.push('', 'machine limits', formatLimits(report.limits), '');
  out.push('cases (MB = 10^6 bytes of record payload; "of limit" = payload MB/s over the disk write limit');
  out.push('for produce, over the loopback limit for consume, so a compressed case can pass 100%; CPU s/GB');
  out.push('= broker CPU s per 10^9 payload bytes; peak RSS = VmHWM at the end of the phase, with the');
  out.push('anonymous and file-backed maxima sampled every 100 ms during it; loop = event-loop delay max)');
  out.push(formatTable(caseHeaders(report.cases), caseRows(report.cases)), '');
  const errors = formatErrors(report.cases);
  if (errors) out.push(errors, '');
  if (report.clusterCases.length > 0) out.push(formatCluster(report.clusterCases), '');
  if (report.reassignments.length > 0) out.push(formatReassign(report.reassignments), '');
  if (report.baseline)
    out.push(
      formatComparison(report.comparison, describeCheckout(report.baseline), describeCheckout(report.git)),
      '',
    );
  if (options.metricsCost) {
    const self = describeCheckout(report.git);
    const scraped = `${self}, admin listener on, /metrics read every ${SCRAPE_INTERVAL_MS / 1000} s`;
    out.push(formatComparison(report.comparison, `${self}, kiln.admin.listener=none`, scraped), '');
  }
  out.push(formatLatency(report.latency), '');
  const quickNote = options.quick ? ' — with --quick the counts are too small for these to mean much' : '';
  const whose =
    report.baseline || options.metricsCost || options.rounds > 1 ? ", this checkout's runs only" : '';
  out.push(`targets (PERFORMANCE.md${whose})${quickNote}`, formatTargets(report.targets), '');
  out.push(`run took ${(report.wallSeconds / 60).toFixed(1)} min; results: ${files.json}`);
  out.push(`                         ${files.svg} (also e2e-latest.json / .svg)`);
  process.stdout.write(out.join('\n') + '\n');
  return report.cases.some((c) => c.error) ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
