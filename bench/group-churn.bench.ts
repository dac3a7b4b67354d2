/**
 * `npm run bench:group-churn` — consumer groups under churn. One Kiln broker (a child process, as
 * `npm start` runs it), a topic under a steady idempotent load (acks=all), and consumer groups whose
 * members join, leave cleanly and crash (SIGKILL) every few seconds on a seeded schedule. Two
 * phases, one after the other, each on a topic of its own:
 *
 * - eager: a group of librdkafka members (range), one of kafkajs members and one of
 *   @platformatic/kafka members (their own round-robin assignors), side by side;
 * - cooperative: two librdkafka groups on the same schedule, one eager (range) and one
 *   cooperative-sticky (KIP-429). Only librdkafka has a cooperative assignor among these clients.
 *
 * It prints, per group and event kind, the time until the group consumes again (p50/p99/max), then
 * per group the partition time paused per event and the records acknowledged, lost and delivered twice; it
 * exits 1 if a record was lost or a departed member's partitions were never consumed again.
 * Options: --seed N, --events N (per group), --interval-ms N, --partitions N, --session-ms N,
 * --quick (a short run, for the test). CHURN_DUMP=PREFIX in the environment also writes every
 * event and every record read to PREFIX-<phase>.json, to look into a loss.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { BrokerProcess } from './e2e/broker-process.js';
import { installCleanupHandlers } from './e2e/child-processes.js';
import { GroupRun, type GroupRunOptions } from './group-churn/group-run.js';
import { Load } from './group-churn/load.js';
import { delivery } from './group-churn/measure.js';
import type { Assignor, ClientKind } from './group-churn/member-process.js';
import { failed, figuresOf, renderFigures, type GroupFigures } from './group-churn/report.js';

const repoRoot = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const log = (message: string): void => void process.stderr.write(`group-churn: ${message}\n`);

interface Phase {
  name: string;
  groups: { label: string; clients: ClientKind[]; assignor: Assignor }[];
}

const PHASES: Phase[] = [
  {
    name: 'eager',
    groups: [
      { label: 'librdkafka', clients: ['librdkafka'], assignor: 'range' },
      { label: 'kafkajs', clients: ['kafkajs'], assignor: 'range' },
      { label: '@platformatic/kafka', clients: ['platformatic'], assignor: 'range' },
    ],
  },
  {
    name: 'cooperative',
    groups: [
      { label: 'librdkafka eager', clients: ['librdkafka'], assignor: 'range' },
      { label: 'librdkafka cooperative-sticky', clients: ['librdkafka'], assignor: 'cooperative-sticky' },
    ],
  },
];

function options(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      seed: { type: 'string', default: '1' },
      events: { type: 'string' },
      'interval-ms': { type: 'string' },
      partitions: { type: 'string' },
      'session-ms': { type: 'string', default: '6000' },
      quick: { type: 'boolean', default: false },
    },
  });
  const int = (name: string, text: string | undefined, fallback: number): number => {
    if (text === undefined) return fallback;
    const n = Number(text);
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${name}: expected a whole number, got '${text}'`);
    return n;
  };
  return {
    seed: int('seed', values.seed, 1),
    events: int('events', values.events, values.quick ? 3 : 18),
    intervalMs: int('interval-ms', values['interval-ms'], values.quick ? 3000 : 5000),
    partitions: int('partitions', values.partitions, values.quick ? 4 : 12),
    sessionMs: int('session-ms', values['session-ms'], 6000),
  };
}

async function runPhase(
  broker: BrokerProcess,
  phase: Phase,
  o: ReturnType<typeof options>,
): Promise<GroupFigures[]> {
  const topic = `churn-${phase.name}`;
  const admin = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: o.partitions }], waitForLeaders: true });
  await admin.disconnect();
  const load = await Load.start({
    bootstrap: broker.bootstrap,
    topic,
    partitions: o.partitions,
    perPartition: 2,
    tickMs: 50,
  });
  const runs = phase.groups.map((g, i) => {
    const runOptions: GroupRunOptions = {
      ...g,
      group: `${topic}-${i}`,
      topic,
      partitions: o.partitions,
      bootstrap: broker.bootstrap,
      events: o.events,
      // The same schedule for every group of a phase, so eager and cooperative see the same events.
      seed: o.seed,
      intervalMs: o.intervalMs,
      sessionMs: o.sessionMs,
      heartbeatMs: 1000,
    };
    return new GroupRun(runOptions);
  });
  try {
    log(`${phase.name}: starting ${runs.map((r) => r.options.label).join(', ')}`);
    await Promise.all(runs.map((r) => r.settle()));
    log(`${phase.name}: settled; ${o.events} events per group, every ${o.intervalMs} ms or so`);
    // The last crash is noticed only when its session times out.
    await Promise.all(runs.map((r) => r.churn(o.sessionMs + 4000)));
  } finally {
    await load.stop();
  }
  log(`${phase.name}: load stopped (${load.ackedCount} acked); letting the members read the rest`);
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && runs.some((r) => delivery(load.acked, r.log).lost > 0)) await sleep(500);
  await Promise.all(runs.map((r) => r.stop()));
  if (process.env.CHURN_DUMP) {
    const fs = await import('node:fs');
    const dump = runs.map((r) => ({
      label: r.options.label,
      events: r.events,
      members: r.members.map((m) => ({
        id: m.id,
        kind: m.options.kind,
        started: m.startedAt,
        closed: m.closedAt,
        errors: m.recentErrors(),
      })),
      reads: r.log.byPartition.map((rs) => rs.map((x) => [x.offset, x.member, x.t])),
    }));
    fs.writeFileSync(
      `${process.env.CHURN_DUMP}-${phase.name}.json`,
      JSON.stringify({ acked: load.acked, dump }),
    );
  }
  return runs.map((r) => figuresOf(phase.name, r, load.acked));
}

async function main(argv: string[]): Promise<number> {
  let o: ReturnType<typeof options>;
  try {
    o = options(argv);
  } catch (err) {
    process.stderr.write(`bench:group-churn: ${(err as Error).message}\n`);
    return 2;
  }
  installCleanupHandlers();
  const broker = await BrokerProcess.start({ repoRoot, partitions: o.partitions });
  log(`broker on ${broker.bootstrap}; seed ${o.seed}`);
  const all: GroupFigures[] = [];
  try {
    for (const phase of PHASES) all.push(...(await runPhase(broker, phase, o)));
  } finally {
    await broker.stop();
  }
  process.stdout.write(`\n${renderFigures(all)}\n`);
  return failed(all) ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`bench:group-churn: ${err.stack ?? err.message}\n`);
    process.exit(1);
  },
);
