/**
 * The command line of `npm run bench:e2e` (bench/e2e.bench.ts), parsed into the runner's options.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';

export const USAGE = `usage: npm run bench:e2e -- [options]

End-to-end throughput of Kiln against real clients (rdkafka_performance and kiln perf): the
machine's disk and loopback limits, a matrix of produce + consume cases, each on a fresh broker,
and a latency run at half the peak rate. Prints a table; writes bench/results/e2e-<date>.json/.svg.

options:
  --quick           small counts and two cases per client (a smoke test of a minute or two)
  --scale F         multiply every case's record count by F (default 1)
  --only REGEX      run only the cases whose id matches, e.g. 'rdkafka-100b' or 'p8-acksall'
                    (ids look like rdkafka-100b-p1-acks1-none, kiln-1k-p8-acksall-lz4)
  --out DIR         where the results go (default bench/results)
  --no-latency      skip the latency run
  --latency-seconds N  length of the latency run (default 10; 3 with --quick)
  --cpu-prof        run every broker under node --cpu-prof, one profile per case in
                    <out>/profiles/<case>.cpuprofile (open in Chrome DevTools or speedscope
                    for a flame graph)
  -h, --help        this text`;

export interface E2eOptions {
  quick: boolean;
  scale: number;
  only: string | undefined;
  outDir: string;
  latency: boolean;
  latencySeconds: number;
  cpuProf: boolean;
  help: boolean;
}

export class OptionsError extends Error {}

export function parseOptions(argv: string[], repoRoot: string): E2eOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      scale: { type: 'string' },
      only: { type: 'string' },
      out: { type: 'string' },
      'no-latency': { type: 'boolean', default: false },
      'latency-seconds': { type: 'string' },
      'cpu-prof': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  const scale = values.scale === undefined ? 1 : Number(values.scale);
  if (!(scale > 0) || !Number.isFinite(scale))
    throw new OptionsError(`--scale wants a positive number, not ${values.scale}`);
  const quick = values.quick ?? false;
  const latencySeconds =
    values['latency-seconds'] === undefined ? (quick ? 3 : 10) : Number(values['latency-seconds']);
  if (!(latencySeconds > 0)) throw new OptionsError(`--latency-seconds wants a positive number`);
  if (values.only !== undefined) {
    try {
      new RegExp(values.only);
    } catch (err) {
      throw new OptionsError(`--only: ${(err as Error).message}`);
    }
  }
  return {
    quick,
    scale,
    only: values.only,
    outDir: path.resolve(values.out ?? path.join(repoRoot, 'bench', 'results')),
    latency: !values['no-latency'],
    latencySeconds,
    cpuProf: values['cpu-prof'] ?? false,
    help: values.help ?? false,
  };
}
