/**
 * The command line of `npm run bench:e2e` (bench/e2e.bench.ts), parsed into the runner's options.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  DEFAULT_PRODUCE_RECORDS_PER_SEC,
  DEFAULT_THROTTLE_MB_PER_SEC,
  produceVsThrottleProblem,
} from './reassign-plan.js';

export const USAGE = `usage: npm run bench:e2e -- [options]

End-to-end throughput of Kiln against real clients (rdkafka_performance and kiln perf): the
machine's disk and loopback limits, a matrix of produce + consume cases, each on a fresh broker,
cluster cases (three brokers and ZooKeeper on this machine, a topic with replication factor 3:
acks=1 and acks=all, 100 B and 1 KiB, produce only, leader and follower CPU measured apart), a
reassignment run (a partition of 150 MB moved to another broker, with and without a replication
throttle: the copy's MB/s and a steady acks=all producer's p99 before and during the move), and
a latency run at half the peak rate. Prints a table; writes bench/results/e2e-<date>.json/.svg.

options:
  --quick           small counts, two cases per client and two cluster cases (a smoke test of
                    a minute or two, and half a minute more for the cluster cases and about a
                    minute for the reassignment run)
  --scale F         multiply every case's record count by F (default 1)
  --only REGEX      run only the cases whose id matches, e.g. 'rdkafka-100b' or 'p8-acksall'
                    (ids look like rdkafka-100b-p1-acks1-none, kiln-1k-p8-acksall-lz4, and
                    cluster-1k-p1-rf3-acksall for the cluster cases: '--only cluster' runs only
                    those, '--only cluster|kiln-1k-p1-acks1-none' adds their single-node
                    baseline)
  --no-cluster      skip the cluster cases (they need Debian's zookeeper package)
  --no-reassign     skip the reassignment run (it needs Debian's zookeeper package too); its
                    two variants are reassign-no-throttle and reassign-throttle-<rate>mbps, so
                    '--only reassign' runs only them; --scale scales the 150 MB moved, --quick
                    moves 15 MB
  --reassign-throttle MBPS
                    the throttled variant's replication throttle in MB/s (10^6 bytes/s;
                    default ${DEFAULT_THROTTLE_MB_PER_SEC}), set as kafka-reassign-partitions --throttle sets it; it
                    lets about 10 s of its rate through before it binds (100 MB at 10 MB/s),
                    so a smaller move is not slowed
  --reassign-produce-rate N
                    records/s (1 KiB each, acks=all) of the kiln perf produce that runs before
                    and during each move (default ${DEFAULT_PRODUCE_RECORDS_PER_SEC}); must stay below the throttle
  --out DIR         where the results go (default bench/results)
  --no-latency      skip the latency run
  --latency-seconds N  length of the latency run (default 10; 3 with --quick)
  --cpu-prof        run every broker under node --cpu-prof, one profile per case in
                    <out>/profiles/<case>.cpuprofile (open in Chrome DevTools or speedscope
                    for a flame graph; <case>-<base|new>-r<round> with --baseline or --rounds,
                    and for each broker of a cluster case a folder <case>-broker<id>/ with a
                    profile per thread, worker threads included)
  --baseline DIR    another checkout of Kiln (git worktree, or a clone with this checkout's
                    node_modules linked in) to compare with: every case runs on its broker and
                    on this checkout's, alternately (base, new, base, new ...), with the same
                    clients (this checkout's), and a comparison prints best-of-rounds records/s
                    and median broker CPU s/GB with the ratios new/base. The latency run, the
                    cluster cases, the reassignment run and the targets use this checkout's
                    broker only
  --metrics-cost    the cost of metrics: every case runs with the admin listener off
                    (kiln.admin.listener=none: base) and on with /metrics read every second
                    (new), alternately, and the comparison shows the ratios (the issue's bar:
                    under 3% more broker CPU per GB); not with --baseline
  --rounds N        run every case N times (on each broker); default 2 with --baseline or
                    --metrics-cost, else 1
                    (the cluster cases and the reassignment run once)
  -h, --help        this text`;

export interface E2eOptions {
  quick: boolean;
  scale: number;
  only: string | undefined;
  outDir: string;
  latency: boolean;
  latencySeconds: number;
  /** Run the cluster cases (those --only leaves). */
  cluster: boolean;
  /** Run the reassignment run (the variants --only leaves). */
  reassign: boolean;
  /** The throttled variant's replication throttle, MB/s. */
  reassignThrottleMbPerSec: number;
  /** The steady producer's records/s around each move. */
  reassignProduceRate: number;
  cpuProf: boolean;
  /** The checkout to compare with (absolute), or null. */
  baseline: string | null;
  /** Compare this checkout's broker with metrics off (base) and on and scraped (new). */
  metricsCost: boolean;
  /** Runs of every case on each broker. */
  rounds: number;
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
      'no-cluster': { type: 'boolean', default: false },
      'no-reassign': { type: 'boolean', default: false },
      'reassign-throttle': { type: 'string' },
      'reassign-produce-rate': { type: 'string' },
      'cpu-prof': { type: 'boolean', default: false },
      baseline: { type: 'string' },
      'metrics-cost': { type: 'boolean', default: false },
      rounds: { type: 'string' },
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
  const reassignThrottleMbPerSec =
    values['reassign-throttle'] === undefined
      ? DEFAULT_THROTTLE_MB_PER_SEC
      : Number(values['reassign-throttle']);
  if (!(reassignThrottleMbPerSec > 0) || !Number.isFinite(reassignThrottleMbPerSec))
    throw new OptionsError(
      `--reassign-throttle wants a positive number of MB/s, not ${values['reassign-throttle']}`,
    );
  const reassignProduceRate =
    values['reassign-produce-rate'] === undefined
      ? DEFAULT_PRODUCE_RECORDS_PER_SEC
      : Number(values['reassign-produce-rate']);
  if (!Number.isInteger(reassignProduceRate) || reassignProduceRate < 1)
    throw new OptionsError(
      `--reassign-produce-rate wants a whole number of records/s of at least 1, not ${values['reassign-produce-rate']}`,
    );
  const tooFast = produceVsThrottleProblem(reassignProduceRate, reassignThrottleMbPerSec);
  if (tooFast) throw new OptionsError(`--reassign-produce-rate: ${tooFast}`);
  const baseline = values.baseline === undefined ? null : checkBaseline(path.resolve(values.baseline));
  const metricsCost = values['metrics-cost'] ?? false;
  if (metricsCost && baseline)
    throw new OptionsError(
      '--metrics-cost compares this checkout with itself; it does not go with --baseline',
    );
  const rounds = values.rounds === undefined ? (baseline || metricsCost ? 2 : 1) : Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1)
    throw new OptionsError(`--rounds wants a whole number of at least 1, not ${values.rounds}`);
  return {
    quick,
    scale,
    only: values.only,
    outDir: path.resolve(values.out ?? path.join(repoRoot, 'bench', 'results')),
    latency: !values['no-latency'],
    latencySeconds,
    cluster: !values['no-cluster'],
    reassign: !values['no-reassign'],
    reassignThrottleMbPerSec,
    reassignProduceRate,
    cpuProf: values['cpu-prof'] ?? false,
    baseline,
    metricsCost,
    rounds,
    help: values.help ?? false,
  };
}

/**
 * The baseline must be a checkout whose broker this benchmark can build the way it builds this
 * one's (tsconfig.build.json, server/main.ts) and run (its own node_modules, or a link to ours).
 */
export function checkBaseline(dir: string): string {
  if (!fs.existsSync(dir)) throw new OptionsError(`--baseline: ${dir} does not exist`);
  for (const file of ['tsconfig.build.json', path.join('server', 'main.ts')]) {
    if (!fs.existsSync(path.join(dir, file)))
      throw new OptionsError(`--baseline: ${dir} is not a Kiln checkout (no ${file})`);
  }
  if (!fs.existsSync(path.join(dir, 'node_modules', 'typescript')))
    throw new OptionsError(
      `--baseline: ${dir} has no node_modules; link this checkout's in ` +
        `(ln -s <this checkout>/node_modules ${path.join(dir, 'node_modules')}) or run npm install there`,
    );
  return dir;
}
