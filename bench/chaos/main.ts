/**
 * `npm run chaos`: a fault-injection run proving that no acknowledged record is lost (see
 * options.ts for what it does and its options). Prints the run's progress, then the report
 * (report.ts); exits 0 when the run passed, 1 when it did not or an option was wrong. Ctrl-C (or
 * SIGTERM, SIGHUP) kills every process it started and removes its directory unless --keep.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { killAll } from '../e2e/child-processes.js';
import { OptionsError, USAGE, parseOptions } from './options.js';
import { formatReport, writeReportJson } from './report.js';
import { removeRunDirsNow, runChaos } from './run.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

function cleanUp(): void {
  killAll();
  removeRunDirsNow();
}

async function main(): Promise<number> {
  let options;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof OptionsError)) throw err;
    process.stderr.write(`chaos: ${err.message}\n(npm run chaos -- --help for the options)\n`);
    return 1;
  }
  if (options.help) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  process.on('exit', cleanUp);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      process.stderr.write(`\nchaos: ${signal}, stopping every process it started\n`);
      cleanUp();
      process.exit(130);
    });
  }
  const report = await runChaos(options, {
    repoRoot,
    log: (line) => process.stdout.write(line + '\n'),
  });
  process.stdout.write('\n' + formatReport(report) + '\n');
  if (options.out) {
    writeReportJson(options.out, report);
    process.stdout.write(`report written to ${options.out}\n`);
  }
  return report.passed ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`chaos: ${err.message}\n`);
    process.exit(1);
  },
);
