/**
 * `npm run bench:e2e` — Kiln's end-to-end throughput against real clients. In one run: the
 * machine's limits (disk write + fdatasync, loopback TCP), a matrix of cases (client ×
 * record size × partitions × acks × codec; each a produce then a consume of everything written, on
 * a fresh broker child process), a latency run at half the peak rate, and PERFORMANCE.md's targets
 * checked against the figures. Prints a table; writes bench/results/e2e-<date>.json and .svg (and
 * e2e-latest.*). `npm run bench:e2e -- --help` lists the options; the pieces live in bench/e2e/.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { installCleanupHandlers } from './e2e/child-processes.js';
import { OptionsError, USAGE, parseOptions, type E2eOptions } from './e2e/options.js';
import { profileBrokersInto } from './e2e/broker-process.js';
import { writeResults } from './e2e/results-file.js';
import {
  CASE_HEADERS,
  caseRows,
  formatErrors,
  formatLatency,
  formatLimits,
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

  const out: string[] = [];
  out.push('', 'machine limits', formatLimits(report.limits), '');
  out.push('cases (MB = 10^6 bytes of record payload; "of limit" = payload MB/s over the disk write limit');
  out.push('for produce, over the loopback limit for consume, so a compressed case can pass 100%; CPU s/GB');
  out.push('= broker CPU s per 10^9 payload bytes; peak RSS = VmHWM at the end of the phase, with the');
  out.push('anonymous and file-backed maxima sampled every 100 ms during it; loop = event-loop delay max)');
  out.push(formatTable(CASE_HEADERS, caseRows(report.cases)), '');
  const errors = formatErrors(report.cases);
  if (errors) out.push(errors, '');
  out.push(formatLatency(report.latency), '');
  const quickNote = options.quick ? ' — with --quick the counts are too small for these to mean much' : '';
  out.push(`targets (PERFORMANCE.md)${quickNote}`, formatTargets(report.targets), '');
  out.push(`run took ${(report.wallSeconds / 60).toFixed(1)} min; results: ${files.json}`);
  out.push(`                         ${files.svg} (also e2e-latest.json / .svg)`);
  process.stdout.write(out.join('\n') + '\n');
  return report.cases.some((c) => c.error) ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
