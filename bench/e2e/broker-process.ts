/**
 * A fresh Kiln broker as a child process for one benchmark case: the broker compiled to JavaScript,
 * as `npm start` runs it (`node dist/server/main.js`, no TypeScript loader in the process), on
 * 127.0.0.1 and a free port, its data in a new temporary directory on the same file system the
 * disk limit was measured on. The child's own pid is the broker (no wrapper process), so its /proc
 * entry gives the broker's CPU and memory directly. The checkout need not be this one: with
 * --baseline the other checkout's broker is built and started the same way, from its own tree.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Tail, removeTempDir, track, trackTempDir } from './child-processes.js';
import { freePort } from '../../tools/cluster/free-port.js';
import {
  catchesSignal,
  cpuSeconds,
  mainThreadCpuSeconds,
  readProcStatus,
  type ProcStatus,
} from './process-stats.js';

const SIGUSR2 = os.constants.signals.SIGUSR2;
const TITLE_OPTION = '--title=kiln-e2e-broker';

/** Each checkout's compiled entry point, by the checkout's root. */
const compiled = new Map<string, string>();
let profileDir: string | undefined;

/** From now on every broker runs under --cpu-prof, writing `<dir>/<profileName>.cpuprofile`. */
export function profileBrokersInto(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  profileDir = dir;
}

/**
 * The broker's entry point compiled with tsconfig.build.json, built once per checkout and process
 * into a directory of its own under the checkout's dist/ (so two runs, or two test files, never start from each other's
 * half-written files) and removed when the process exits.
 */
export function compiledBroker(repoRoot: string): string {
  const done = compiled.get(repoRoot);
  if (done) return done;
  removeOrphanBuilds(path.join(repoRoot, 'dist'));
  const outDir = path.join(repoRoot, 'dist', `.bench-${process.pid}`);
  const tsc = path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
  execFileSync(
    process.execPath,
    [tsc, '-p', path.join(repoRoot, 'tsconfig.build.json'), '--outDir', outDir],
    {
      stdio: 'inherit',
    },
  );
  process.once('exit', () => fs.rmSync(outDir, { recursive: true, force: true }));
  const entry = path.join(outDir, 'server', 'main.js');
  compiled.set(repoRoot, entry);
  return entry;
}

/** Removes the builds of processes that are gone (killed before their exit hook could run). */
export function removeOrphanBuilds(dist: string): void {
  let entries: string[];
  try {
    entries = fs.readdirSync(dist);
  } catch {
    return;
  }
  for (const entry of entries) {
    const pid = /^\.bench-(\d+)$/.exec(entry)?.[1];
    if (pid === undefined || Number(pid) === process.pid || isAlive(Number(pid))) continue;
    fs.rmSync(path.join(dist, entry), { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, under another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A port nobody listens on right now: bind port 0 on loopback, read it, let it go. */
export interface EventLoopDelay {
  max: number;
  p99: number;
  mean: number;
}

/**
 * A cluster leader's acks=all requests, from their append to the high watermark covering it, in
 * ms (server/cluster/replication/replication-latency.ts): only requests that waited for followers.
 */
export interface ReplicationLatency {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

/** One line of the broker's stats file (server/event-loop-stats.ts). */
export interface BrokerStats {
  eventLoopDelayMs: EventLoopDelay;
  /** Null when the line has none: no acks=all request waited for followers in the interval. */
  replicationLatencyMs: ReplicationLatency | null;
}

/** The last line of the broker's stats file, or null if there is none (yet). */
export function parseLastStats(text: string): BrokerStats | null {
  const lines = text.trim().split('\n').filter(Boolean);
  const last = lines[lines.length - 1];
  if (!last) return null;
  try {
    const line = JSON.parse(last) as {
      eventLoopDelayMs?: Partial<EventLoopDelay>;
      replicationLatencyMs?: Partial<ReplicationLatency>;
    };
    const delay = line.eventLoopDelayMs;
    if (!delay || typeof delay.max !== 'number') return null;
    const r = line.replicationLatencyMs;
    return {
      eventLoopDelayMs: { max: delay.max, p99: delay.p99 ?? NaN, mean: delay.mean ?? NaN },
      replicationLatencyMs:
        r && typeof r.count === 'number' && r.count > 0
          ? { count: r.count, p50: r.p50 ?? NaN, p99: r.p99 ?? NaN, max: r.max ?? NaN }
          : null,
    };
  } catch {
    return null;
  }
}

/** The event-loop delay of the last line of the broker's stats file, or null. */
export function parseLastStatsLine(text: string): EventLoopDelay | null {
  return parseLastStats(text)?.eventLoopDelayMs ?? null;
}

export interface BrokerOptions {
  /** The checkout whose broker this is: built from its sources, run with it as working directory. */
  repoRoot: string;
  partitions: number;
  /** More `key=value` properties, e.g. from a case that needs them. */
  overrides?: Record<string, string>;
  startTimeoutMs?: number;
  /** The name of this broker's CPU profile, when profiling is on (profileBrokersInto). */
  profileName?: string;
  /**
   * A profile per thread (worker threads included) in a folder named profileName, under Node's
   * own file names, instead of one file (which the main thread's profile overwrites last).
   */
  profileEachThread?: boolean;
}

/** Where --cpu-prof writes this broker's profile(s): its flags, or none when not profiling. */
function profileFlags(options: BrokerOptions): string[] {
  if (!profileDir) return [];
  const name = options.profileName ?? 'broker';
  if (options.profileEachThread) return ['--cpu-prof', `--cpu-prof-dir=${path.join(profileDir, name)}`];
  return ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${name}.cpuprofile`];
}

export class BrokerProcess {
  private exited: string | null = null;
  private statsLines = 0;

  private constructor(
    private readonly child: ChildProcess,
    readonly pid: number,
    readonly port: number,
    readonly dataDir: string,
    private readonly workDir: string,
    private readonly statsFile: string,
    private readonly output: Tail,
    readonly command: string,
    /** The admin listener's base URL (http://host:port), or null when it is off. */
    readonly adminUrl: string | null,
  ) {
    child.once('exit', (code, signal) => {
      this.exited = signal ? `killed by ${signal}` : `exited ${code}`;
    });
  }

  static async start(options: BrokerOptions): Promise<BrokerProcess> {
    // The stats file and the broker's output live beside the data dir, not in it.
    const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-e2e-'));
    trackTempDir(workDir);
    const dataDir = path.join(workDir, 'data');
    const statsFile = path.join(workDir, 'stats.jsonl');
    const port = await freePort();
    const properties: Record<string, string> = {
      listeners: `PLAINTEXT://127.0.0.1:${port}`,
      // Several brokers run side by side: each its own admin port (metrics on, as a user runs it;
      // --metrics-cost turns it off for half the runs through the overrides).
      'kiln.admin.listener': `http://127.0.0.1:${await freePort()}`,
      'log.dirs': dataDir,
      'num.partitions': String(options.partitions),
      ...options.overrides,
    };
    const args = [
      ...profileFlags(options),
      compiledBroker(options.repoRoot),
      ...Object.entries(properties).flatMap(([k, v]) => ['--override', `${k}=${v}`]),
    ];
    // A name of its own in ps and top (Node rewrites the command line with it), which also keeps
    // the benchmark's brokers out of reach of a `pkill -f server/main.ts` meant for other brokers.
    // Given in NODE_OPTIONS, not on the command line: the broker's worker pools start their
    // threads with process.execArgv, and a Worker refuses --title there (ERR_WORKER_INVALID_EXEC_ARGV).
    const nodeOptions = [process.env.NODE_OPTIONS, TITLE_OPTION].filter(Boolean).join(' ');
    const child = track(
      spawn(process.execPath, args, {
        cwd: options.repoRoot,
        env: { ...process.env, KILN_STATS_FILE: statsFile, NODE_OPTIONS: nodeOptions },
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
    const output = new Tail(16384);
    let started = false;
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`broker did not start in ${options.startTimeoutMs ?? 60_000} ms`)),
        options.startTimeoutMs ?? 60_000,
      );
      const onData = (chunk: string): void => {
        output.push(chunk);
        // The broker logs this once its listener is bound; EADDRINUSE would make it exit instead.
        if (!started && output.toString().includes('"kiln broker started"')) {
          started = true;
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout?.setEncoding('utf8').on('data', onData);
      child.stderr?.setEncoding('utf8').on('data', onData);
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`broker ${signal ? `killed by ${signal}` : `exited ${code}`} while starting`));
      });
    });
    const pid = child.pid ?? 0;
    const command = `KILN_STATS_FILE=${statsFile} NODE_OPTIONS='${nodeOptions}' node ${args.join(' ')}`;
    const admin = properties['kiln.admin.listener']!;
    const adminUrl = admin === 'none' ? null : admin;
    const broker = new BrokerProcess(
      child,
      pid,
      port,
      dataDir,
      workDir,
      statsFile,
      output,
      command,
      adminUrl,
    );
    try {
      await ready;
    } catch (err) {
      await broker.stop();
      throw new Error(`${(err as Error).message}\n${lastLines(output.toString(), 10)}`);
    }
    return broker;
  }

  get bootstrap(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Why the broker is no longer running, or null while it runs. */
  get exitReason(): string | null {
    return this.exited;
  }

  /** The last lines the broker wrote, for an error report. */
  recentOutput(lines = 10): string {
    return lastLines(this.output.toString(), lines);
  }

  cpuSeconds(): number | null {
    return this.exited ? null : cpuSeconds(this.pid);
  }

  /** The CPU seconds of its main thread, the event loop's (the rest went to other threads). */
  mainThreadCpuSeconds(): number | null {
    return this.exited ? null : mainThreadCpuSeconds(this.pid);
  }

  status(): ProcStatus | null {
    return this.exited ? null : readProcStatus(this.pid);
  }

  /** The event-loop delay since the previous mark (markStats), or null. */
  async markEventLoop(timeoutMs = 1000): Promise<EventLoopDelay | null> {
    return (await this.markStats(timeoutMs))?.eventLoopDelayMs ?? null;
  }

  /**
   * Asks the broker for its stats since the previous mark (SIGUSR2: event-loop delay, and a
   * leader's replication latency) and returns them, or null if this broker has no such report.
   * The signal is sent only if the broker handles it: SIGUSR2's default action would kill it.
   */
  async markStats(timeoutMs = 1000): Promise<BrokerStats | null> {
    const status = this.status();
    if (!status || !catchesSignal(status, SIGUSR2)) return null;
    const before = this.statsLines;
    try {
      process.kill(this.pid, 'SIGUSR2');
    } catch {
      return null; // It exited just now.
    }
    const deadline = performance.now() + timeoutMs;
    while (performance.now() < deadline) {
      let text = '';
      try {
        text = fs.readFileSync(this.statsFile, 'utf8');
      } catch {
        // Not written yet.
      }
      const count = text.split('\n').filter(Boolean).length;
      if (count > before) {
        this.statsLines = count;
        return parseLastStats(text);
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    return null;
  }

  /** SIGTERM, a grace period for the clean stop, SIGKILL if needed; then the directories go. */
  async stop(graceMs = 20_000): Promise<void> {
    if (!this.exited && this.child.exitCode === null && this.child.signalCode === null) {
      const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
      await gone;
      clearTimeout(timer);
    }
    removeTempDir(this.workDir);
  }
}

function lastLines(text: string, count: number): string {
  return text.trim().split('\n').slice(-count).join('\n');
}
