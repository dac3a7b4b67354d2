/**
 * The chaos run's load: N idempotent librdkafka producers (acks=all), each a Python process running
 * bench/chaos/producer.py with Debian's confluent-kafka-python, writing numbered records at a
 * steady rate through the brokers' proxies. Every record the cluster acknowledges comes back on the
 * process's stdout (the JSON lines described in producer.py) and is kept here, for the checker.
 * Closing a process's stdin makes it stop, flush, and print its totals. Its stderr (librdkafka's
 * log) goes to <dir>/logs/producer-<i>.log.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Tail, track } from '../e2e/child-processes.js';
import { describeClientView, type ClientView } from './client-view.js';

export const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./producer.py', import.meta.url));

/** A record the cluster acknowledged: where it was written, and its id (record-value.ts). */
export interface AckedRecord {
  topic: string;
  partition: number;
  /**
   * Null when the acknowledgement carried no offset: librdkafka reports a retried batch the broker
   * answered DUPLICATE_SEQUENCE_NUMBER (it holds it already, at offsets it did not say) as
   * delivered, offset unknown.
   */
  offset: number | null;
  id: string;
}

export interface LoadOptions {
  bootstrap: string;
  topics: string[];
  producers: number;
  /** Records per second, all producers together. */
  rate: number;
  valueBytes: number;
  /** librdkafka's message.timeout.ms: how long a record may wait for its acknowledgement. */
  messageTimeoutMs: number;
  /** How long the final flush may take. */
  flushSeconds: number;
  /** Where the producers' logs go (<dir>/logs). */
  dir: string;
  log: (line: string) => void;
}

export interface ProducerSummary {
  index: number;
  /** Records handed to librdkafka. */
  sent: number;
  acked: number;
  failed: number;
  /** Failed deliveries by error name. */
  failures: Record<string, number>;
  /** librdkafka's error callback, by error name (transport errors while brokers die are normal). */
  errors: Record<string, number>;
  /** Fatal errors, each of which made the process start a new producer instance. */
  fatal: string[];
  /**
   * Each time librdkafka was found stuck sending a partition to a broker other than the leader it
   * names (librdkafka 2.0.2's stale delegation, bench/chaos/stale_delegation.py): a client fault,
   * after which the process started a new producer instance.
   */
  staleDelegations: string[];
  /** Records still unacknowledged when the final flush gave up (then failed as purged). */
  unflushed: number;
  /** How the process ended, e.g. 'exited 0'. */
  exit: string;
  /** Whether it printed its totals (a clean end). */
  finished: boolean;
}

interface Line {
  kind: string;
  topic?: string;
  partition?: number;
  offset?: number | null;
  id?: string;
  error?: string;
  reason?: string;
  fatal?: boolean;
  incarnation?: number;
  cause?: 'fatal' | 'stale-delegation';
  sent?: number;
  acked?: number;
  failed?: number;
  unflushed?: number;
}

/** A "stats" line: librdkafka's view (client-view.ts). */
type StatsLine = ClientView & { kind: 'stats' };

export class LoadGenerator {
  readonly acked: AckedRecord[] = [];
  /** Acknowledged records by `<topic>/<partition>`. */
  readonly ackedByPartition = new Map<string, number>();
  readonly summaries: ProducerSummary[];
  private readonly children: ChildProcess[] = [];
  /** The end of each producer's stderr (librdkafka's log, a Python traceback). */
  private readonly stderrTails: Tail[] = [];
  private readonly exits: Promise<void>[] = [];
  /** Each producer's latest librdkafka view, and when it came (performance.now()). */
  private readonly clientViews: ({ view: ClientView; at: number } | undefined)[] = [];

  private constructor(private readonly options: LoadOptions) {
    this.summaries = Array.from({ length: options.producers }, (_, index) => ({
      index,
      sent: 0,
      acked: 0,
      failed: 0,
      failures: {},
      errors: {},
      fatal: [],
      staleDelegations: [],
      unflushed: 0,
      exit: 'running',
      finished: false,
    }));
  }

  static start(options: LoadOptions): LoadGenerator {
    if (!fs.existsSync(PYTHON)) throw new Error(`${PYTHON} is missing (npm run test:deps installs it)`);
    const load = new LoadGenerator(options);
    fs.mkdirSync(path.join(options.dir, 'logs'), { recursive: true });
    for (let i = 0; i < options.producers; i++) load.spawnProducer(i);
    return load;
  }

  private spawnProducer(index: number): void {
    const o = this.options;
    const rate = o.rate / o.producers;
    const args = [
      SCRIPT,
      o.bootstrap,
      o.topics.join(','),
      String(index),
      String(rate),
      String(o.valueBytes),
      String(o.messageTimeoutMs),
      String(o.flushSeconds),
    ];
    const child = track(spawn(PYTHON, args, { stdio: ['pipe', 'pipe', 'pipe'] }));
    this.children.push(child);
    const summary = this.summaries[index]!;
    const stderr = fs.createWriteStream(path.join(o.dir, 'logs', `producer-${index}.log`));
    child.stderr!.pipe(stderr);
    const tail = new Tail(4096);
    this.stderrTails[index] = tail;
    child.stderr!.on('data', (chunk: Buffer) => tail.push(chunk.toString('utf8')));
    child.stdin!.on('error', () => {}); // a process that already died
    readline.createInterface({ input: child.stdout! }).on('line', (text) => {
      let line: Line;
      try {
        line = JSON.parse(text) as Line;
      } catch {
        o.log(`producer ${index}: ${text}`);
        return;
      }
      if (line.kind === 'stats') {
        const { kind: _kind, ...view } = line as StatsLine;
        this.clientViews[index] = { view, at: performance.now() };
        return;
      }
      this.take(summary, line);
    });
    this.exits.push(
      new Promise((resolve) => {
        child.once('close', (code, signal) => {
          summary.exit = signal ? `killed by ${signal}` : `exited ${code}`;
          resolve();
        });
      }),
    );
  }

  private take(summary: ProducerSummary, line: Line): void {
    switch (line.kind) {
      case 'ack':
        summary.acked++;
        this.acked.push({
          topic: line.topic!,
          partition: line.partition!,
          offset: line.offset!,
          id: line.id!,
        });
        {
          const key = `${line.topic}/${line.partition}`;
          this.ackedByPartition.set(key, (this.ackedByPartition.get(key) ?? 0) + 1);
        }
        return;
      case 'fail':
        summary.failed++;
        summary.failures[line.error!] = (summary.failures[line.error!] ?? 0) + 1;
        return;
      case 'error':
        summary.errors[line.error!] = (summary.errors[line.error!] ?? 0) + 1;
        if (line.fatal) {
          summary.fatal.push(`${line.error}: ${line.reason}`);
          this.options.log(`producer ${summary.index}: FATAL ${line.error}: ${line.reason}`);
        }
        return;
      case 'restart':
        if (line.cause === 'stale-delegation') {
          summary.staleDelegations.push(line.reason!);
          this.options.log(
            `producer ${summary.index}: ${line.reason}: new producer instance ${line.incarnation}`,
          );
        } else this.options.log(`producer ${summary.index}: new producer instance ${line.incarnation}`);
        return;
      case 'end':
        summary.sent = line.sent!;
        summary.unflushed = line.unflushed ?? 0;
        summary.finished = true;
        return;
    }
  }

  /** Records acknowledged so far. */
  get ackedCount(): number {
    return this.acked.length;
  }

  /** How many records each partition has had acknowledged so far (for stalledSince). */
  mark(): ReadonlyMap<string, number> {
    return new Map(this.ackedByPartition);
  }

  /**
   * Null once each of `partitions` (`<topic>/<partition>`) has had a record acknowledged since
   * `mark`, else which have not: the load going on everywhere proves every partition serves.
   */
  stalledSince(mark: ReadonlyMap<string, number>, partitions: readonly string[]): string | null {
    const stalled = partitions.filter((p) => (this.ackedByPartition.get(p) ?? 0) <= (mark.get(p) ?? 0));
    if (stalled.length === 0) return null;
    const views = this.clientViewsOf(stalled);
    // A producer that died shows no record taken anywhere: its end is the explanation.
    const died = this.died;
    return `no record acknowledged on ${stalled.join(' ')} since the fault was undone${views ? ` (${views})` : ''}${died ? `; ${died}` : ''}`;
  }

  /** What each producer's librdkafka last said of `partitions` (client-view.ts); '' if nothing yet. */
  clientViewsOf(partitions: readonly string[]): string {
    const now = performance.now();
    return this.clientViews
      .flatMap((v, index) =>
        v ? [`producer ${index}'s ${describeClientView(v.view, partitions, now - v.at)}`] : [],
      )
      .join('; ');
  }

  /** Whether a producer process ended before stop() asked it to. */
  get died(): string | null {
    const dead = this.summaries.find((s) => s.exit !== 'running' && !s.finished);
    if (!dead) return null;
    const last = this.stderrTails[dead.index]?.toString().trim().split('\n').pop();
    return `producer ${dead.index} ${dead.exit}${last ? `: ${last}` : ''}`;
  }

  /** Waits until at least `count` records are acknowledged; false after `timeoutMs`. */
  async waitForAcks(count: number, timeoutMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    while (this.acked.length < count) {
      if (performance.now() > deadline || this.died) return false;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return true;
  }

  /** Stops producing, lets every producer flush, and waits for them (SIGKILL past the flush time). */
  async stop(): Promise<ProducerSummary[]> {
    for (const child of this.children) child.stdin!.end();
    const timer = setTimeout(
      () => {
        for (const child of this.children) if (child.exitCode === null) child.kill('SIGKILL');
      },
      (this.options.flushSeconds + 30) * 1000,
    );
    await Promise.all(this.exits);
    clearTimeout(timer);
    return this.summaries;
  }
}
