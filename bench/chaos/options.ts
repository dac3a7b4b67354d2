/**
 * The command line of `npm run chaos` (bench/chaos/main.ts), parsed into the run's options.
 * A bad value is an OptionsError whose message says which option and why.
 */
import { parseArgs } from 'node:util';
import { FAULT_KINDS, parseFaultKinds, type FaultKind } from './fault-schedule.js';

export const USAGE = `usage: npm run chaos -- [options]

A fault-injection run: ZooKeeper and a cluster of Kiln brokers on this machine (127.0.0.1, free
ports, data in a temporary directory), topics with replication factor 3 and min.insync.replicas=2
(unclean leader election off), idempotent librdkafka producers (confluent-kafka-python, acks=all)
writing numbered records, and random faults one after the other, each held, undone, and followed
until the cluster has settled. At the end everything is healed, every partition is read back
from offset 0, and every acknowledged record must be there once, in order. Prints a table (and
JSON with --out); exits 1 if a record was lost, moved, duplicated or reordered, or the cluster
got stuck.

options:
  --brokers N           3 or 5 (default 3)
  --faults N            inject N faults (default 20 when --duration is not given)
  --duration S          inject faults for S seconds (with --faults: whichever ends first)
  --seed N              the seed of the fault schedule (default: random, printed)
  --fault-kinds LIST   comma-separated, or 'all' (default): ${FAULT_KINDS.join(', ')}
  --topics N            topics (default 2)
  --partitions N        partitions per topic (default 3)
  --producers N         producer processes (default 1)
  --rate N              records per second, all producers together (default 1000)
  --value-bytes N       record value size (default 100)
  --session-timeout-ms N  the brokers' zookeeper.session.timeout.ms (default 6000)
  --replica-lag-ms N    the brokers' replica.lag.time.max.ms (default 5000)
  --settle-timeout S    how long the cluster may take to settle after a fault (default 120)
  --from-commit REV     run the broker of a git commit (e.g. HEAD) instead of the working tree
  --out FILE            write the report as JSON to FILE
  --keep                keep the data and logs (they are also kept when the run fails)
  -h, --help            this text`;

export interface ChaosOptions {
  brokers: 3 | 5;
  /** Stop after this many faults (null: only the duration limits). */
  faults: number | null;
  /** Stop injecting after this many seconds (null: only the count limits). */
  durationSeconds: number | null;
  seed: number;
  /** Whether the seed was given (else it was drawn, and the report says so). */
  seedGiven: boolean;
  kinds: FaultKind[];
  topics: number;
  partitions: number;
  producers: number;
  rate: number;
  valueBytes: number;
  sessionTimeoutMs: number;
  replicaLagMs: number;
  settleTimeoutSeconds: number;
  /** Run the broker of this commit instead of the working tree. */
  fromCommit: string | null;
  out: string | null;
  keep: boolean;
  help: boolean;
}

export class OptionsError extends Error {}

function integer(name: string, text: string | undefined, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new OptionsError(`--${name} must be a whole number from ${min} to ${max}, not '${text}'`);
  }
  return value;
}

export function parseOptions(argv: string[]): ChaosOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        brokers: { type: 'string' },
        faults: { type: 'string' },
        duration: { type: 'string' },
        seed: { type: 'string' },
        'fault-kinds': { type: 'string' },
        topics: { type: 'string' },
        partitions: { type: 'string' },
        producers: { type: 'string' },
        rate: { type: 'string' },
        'value-bytes': { type: 'string' },
        'session-timeout-ms': { type: 'string' },
        'replica-lag-ms': { type: 'string' },
        'settle-timeout': { type: 'string' },
        'from-commit': { type: 'string' },
        out: { type: 'string' },
        keep: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new OptionsError((err as Error).message);
  }
  const brokers = integer('brokers', values.brokers, 3, 3, 5);
  if (brokers !== 3 && brokers !== 5) throw new OptionsError(`--brokers must be 3 or 5, not ${brokers}`);
  const durationSeconds =
    values.duration === undefined ? null : integer('duration', values.duration, 0, 1, 1e7);
  const faults =
    values.faults === undefined
      ? durationSeconds === null
        ? 20
        : null
      : integer('faults', values.faults, 0, 1, 1e6);
  const seedGiven = values.seed !== undefined;
  const seed = integer('seed', values.seed, Math.floor(Math.random() * 2 ** 31), 0, 2 ** 32 - 1);
  let kinds: FaultKind[];
  try {
    kinds = parseFaultKinds(values['fault-kinds'] ?? 'all');
  } catch (err) {
    throw new OptionsError(`--fault-kinds: ${(err as Error).message}`);
  }
  const valueBytes = integer('value-bytes', values['value-bytes'], 100, 0, 1_000_000);
  const sessionTimeoutMs = integer('session-timeout-ms', values['session-timeout-ms'], 6000, 1000, 60_000);
  return {
    brokers,
    faults,
    durationSeconds,
    seed,
    seedGiven,
    kinds,
    topics: integer('topics', values.topics, 2, 1, 100),
    partitions: integer('partitions', values.partitions, 3, 1, 1000),
    producers: integer('producers', values.producers, 1, 1, 16),
    rate: integer('rate', values.rate, 1000, 1, 1_000_000),
    valueBytes,
    sessionTimeoutMs,
    replicaLagMs: integer('replica-lag-ms', values['replica-lag-ms'], 5000, 500, 600_000),
    settleTimeoutSeconds: integer('settle-timeout', values['settle-timeout'], 120, 5, 3600),
    fromCommit: values['from-commit'] ?? null,
    out: values.out ?? null,
    keep: values.keep ?? false,
    help: values.help ?? false,
  };
}

/** The command line that runs the same schedule again. */
export function reproduceCommand(o: ChaosOptions): string {
  const parts = ['npm run chaos --', `--brokers ${o.brokers}`, `--seed ${o.seed}`];
  if (o.faults !== null) parts.push(`--faults ${o.faults}`);
  if (o.durationSeconds !== null) parts.push(`--duration ${o.durationSeconds}`);
  if (o.kinds.length !== FAULT_KINDS.length) parts.push(`--fault-kinds ${o.kinds.join(',')}`);
  const defaults: [string, number, number][] = [
    ['topics', o.topics, 2],
    ['partitions', o.partitions, 3],
    ['producers', o.producers, 1],
    ['rate', o.rate, 1000],
    ['value-bytes', o.valueBytes, 100],
    ['session-timeout-ms', o.sessionTimeoutMs, 6000],
    ['replica-lag-ms', o.replicaLagMs, 5000],
  ];
  for (const [name, value, fallback] of defaults) if (value !== fallback) parts.push(`--${name} ${value}`);
  if (o.fromCommit !== null) parts.push(`--from-commit ${o.fromCommit}`);
  return parts.join(' ');
}
