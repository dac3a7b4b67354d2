// What the group-churn compatibility tests share: a broker with a kafkajs client and producer for
// a describe block, polling waits, the child processes they start (killed together in afterAll), a
// librdkafka member process driven over stdin/stdout, and a producer writing to every partition
// every 100 ms.
import {
  spawn,
  type ChildProcessWithoutNullStreams,
  type SpawnOptionsWithoutStdio,
} from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { afterAll, beforeAll } from 'vitest';
import { startBroker, type RunningBroker } from '../../../helpers/broker-fixture.js';

const script = fileURLToPath(new URL('../python/confluent_churn_member.py', import.meta.url));

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `condition` every 50 ms; rejects, naming `what`, once `ms` have passed. */
export async function waitFor(condition: () => boolean, what: string, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(50);
  }
}

const children = new Set<ChildProcessWithoutNullStreams>();

/** Spawns a process (its stderr drained) that `killChildren` ends. */
export function spawnChild(
  command: string,
  args: readonly string[],
  options: SpawnOptionsWithoutStdio = {},
): ChildProcessWithoutNullStreams {
  const child = spawn(command, args, options);
  children.add(child);
  child.stderr.resume();
  return child;
}

/** SIGKILLs every process `spawnChild` started, for afterAll. */
export function killChildren(): void {
  for (const c of children) c.kill('SIGKILL');
}

export interface ChurnBroker {
  readonly kiln: RunningBroker;
  readonly kafka: Kafka;
  /** Connected. */
  readonly producer: Producer;
  /** Creates each topic (`topic` → partition count) through an admin client of `kafka`. */
  createTopics(topics: Record<string, number>): Promise<void>;
}

/**
 * For the describe block it is called in: beforeAll starts a broker, a kafkajs client `clientId`
 * and its producer; afterAll calls `beforeStop`, kills the children, disconnects the producer and
 * stops the broker. The fields are set once beforeAll has run.
 */
export function useChurnBroker(clientId: string, beforeStop?: () => void): ChurnBroker {
  const env: { -readonly [K in keyof ChurnBroker]: ChurnBroker[K] } = {
    async createTopics(topics: Record<string, number>): Promise<void> {
      const admin = env.kafka.admin();
      await admin.connect();
      await admin.createTopics({
        topics: Object.entries(topics).map(([topic, numPartitions]) => ({ topic, numPartitions })),
      });
      await admin.disconnect();
    },
  } as ChurnBroker;
  beforeAll(async () => {
    env.kiln = await startBroker();
    env.kafka = new Kafka({ clientId, brokers: [env.kiln.bootstrap], logLevel: logLevel.NOTHING });
    env.producer = env.kafka.producer();
    await env.producer.connect();
  });
  afterAll(async () => {
    beforeStop?.();
    killChildren();
    await env.producer?.disconnect();
    await env.kiln?.stop();
  });
  return env;
}

/** The librdkafka member script, run with /usr/bin/python3 (see its docstring for the arguments). */
export function spawnChurnMember(args: readonly string[]): ChildProcessWithoutNullStreams {
  return spawnChild('/usr/bin/python3', [script, ...args]);
}

export interface Callback {
  ev: 'assign' | 'revoke' | 'lost';
  partitions: [string, number][];
  t: number;
}

export interface RdMemberOptions {
  /** group.instance.id; a dynamic member without (the default). */
  instance?: string;
  /** partition.assignment.strategy (default range). */
  strategy?: string;
  /** session.timeout.ms (default 30 s). */
  sessionMs?: number;
}

/** One confluent-kafka-python process; `owned` follows its rebalance callbacks. */
export class RdMember {
  readonly child: ChildProcessWithoutNullStreams;
  readonly seen = new Set<string>();
  readonly owned = new Set<string>();
  readonly callbacks: Callback[] = [];
  leaderAt = 0;
  closed = false;
  exited = false;
  constructor(
    bootstrap: string,
    group: string,
    topics: string[],
    readonly name: string,
    { instance = '-', strategy = 'range', sessionMs = 30_000 }: RdMemberOptions = {},
  ) {
    this.child = spawnChurnMember([
      bootstrap,
      group,
      topics.join(','),
      instance,
      strategy,
      String(sessionMs),
      '1000',
    ]);
    this.child.on('exit', () => (this.exited = true));
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      const ev = JSON.parse(line) as Omit<Callback, 'ev'> & { ev: string; values?: string[] };
      if (ev.ev === 'assign') for (const [t, p] of ev.partitions) this.owned.add(`${t}/${p}`);
      if (ev.ev === 'revoke' || ev.ev === 'lost')
        for (const [t, p] of ev.partitions) this.owned.delete(`${t}/${p}`);
      if (ev.ev === 'assign' || ev.ev === 'revoke' || ev.ev === 'lost') this.callbacks.push(ev as Callback);
      if (ev.ev === 'leader') this.leaderAt = ev.t;
      if (ev.ev === 'msgs') for (const v of ev.values!) this.seen.add(v);
      if (ev.ev === 'closed') this.closed = true;
    });
  }
  partitions(): string[] {
    return [...this.owned].sort();
  }
  /** close(): a dynamic member sends LeaveGroup; librdkafka sends none for a static member. */
  async close(): Promise<void> {
    this.child.stdin.write('close\n');
    await waitFor(() => this.closed && this.exited, `${this.name} to close`, 30_000);
  }
  kill(): void {
    this.child.kill('SIGKILL');
  }
}

export interface PumpOptions {
  /** The value of the record for `partition`, the `n`th of the pump (default `${n}`). */
  value?: (partition: number, n: number) => string;
  /** How `produced` names a record sent (default `topic/partition/value`, as the member script). */
  entry?: (topic: string, partition: number, value: string) => string;
  /** A failed send ends the pump quietly; without, `stop()` rejects with it. */
  ignoreErrors?: boolean;
}

export interface ProducerPump {
  /** Every record sent so far, named by `entry`. */
  readonly produced: string[];
  /** Stops the pump; resolves once its last send is done. */
  stop(): Promise<void>;
}

/** Sends one record to every partition of each topic (`topic` → partition count) every 100 ms. */
export function startProducerPump(
  producer: Producer,
  topics: Record<string, number>,
  {
    value = (_, n) => `${n}`,
    entry = (topic, partition, v) => `${topic}/${partition}/${v}`,
    ignoreErrors = false,
  }: PumpOptions = {},
): ProducerPump {
  const produced: string[] = [];
  let counter = 0;
  let producing = true;
  const loop = (async () => {
    while (producing) {
      for (const [topic, count] of Object.entries(topics)) {
        const messages = Array.from({ length: count }, (_, p) => ({
          partition: p,
          value: value(p, counter++),
        }));
        await producer.send({ topic, messages });
        produced.push(...messages.map((m) => entry(topic, m.partition, m.value)));
      }
      await sleep(100);
    }
  })();
  const running = ignoreErrors ? loop.catch(() => undefined) : loop;
  return {
    produced,
    stop: () => {
      producing = false;
      return running;
    },
  };
}
