/**
 * The benchmark's child processes (brokers, clients, the loopback sink) and their cleanup. Every
 * child is registered here so that however the run ends — normally, by an exception, or by
 * Ctrl-C — none is left running and no temporary directory is left behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { reapedChildrenCpuSeconds } from './process-stats.js';

const children = new Set<ChildProcess>();
const tempDirs = new Set<string>();
const killers = new Set<() => void>();

/** Remembers a child until it exits, so killAll() can reach it. */
export function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Remembers a temporary directory to remove if the run is cut short; forget it once removed. */
export function trackTempDir(dir: string): void {
  tempDirs.add(dir);
}

/**
 * Remembers how to kill something that is not a tracked child (ZooKeeper's process group) if the
 * run is cut short; `kill` must be synchronous. Returns the undo, for once it has been stopped.
 */
export function trackKiller(kill: () => void): () => void {
  killers.add(kill);
  return () => void killers.delete(kill);
}

export function removeTempDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}

/** SIGKILLs every live child (and what trackKiller named) and removes every tracked directory, synchronously (safe in 'exit'). */
export function killAll(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  children.clear();
  for (const kill of killers) kill();
  killers.clear();
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}

let installed = false;

/** Kills the children on exit and on SIGINT/SIGTERM/SIGHUP (then exits 130 like a shell would). */
export function installCleanupHandlers(): void {
  if (installed) return;
  installed = true;
  process.on('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      process.stderr.write(`\ne2e: ${signal}, stopping every child process\n`);
      killAll();
      process.exit(130);
    });
  }
}

/** Keeps the last `limit` characters written to a stream, for error messages. */
export class Tail {
  private text = '';
  constructor(private readonly limit = 8192) {}
  push(chunk: string): void {
    this.text += chunk;
    if (this.text.length > 2 * this.limit) this.text = this.text.slice(-this.limit);
  }
  toString(): string {
    return this.text.slice(-this.limit);
  }
}

export interface CommandResult {
  command: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stdout: string;
  /** The last few KiB of stderr. */
  stderr: string;
  wallSeconds: number;
  /**
   * CPU seconds of the child, from this process's reaped-children total; includes any other child
   * reaped while this one ran (only the latency run has two clients at once).
   */
  cpuSeconds: number;
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs: number;
  /** Called once the child is spawned, e.g. to start sampling its /proc entry. */
  onSpawn?: (child: ChildProcess) => void;
}

/** Shell-like quoting, only to show a command line in results and errors. */
export function commandLine(file: string, args: readonly string[]): string {
  return [file, ...args]
    .map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`))
    .join(' ');
}

/** Runs a command to its end (or its timeout, then SIGKILL), capturing stdout whole and stderr's tail. */
export function runCommand(
  file: string,
  args: readonly string[],
  options: RunOptions,
): Promise<CommandResult> {
  const command = commandLine(file, args);
  return new Promise((resolve) => {
    const cpuBefore = reapedChildrenCpuSeconds();
    const started = performance.now();
    const child = track(
      spawn(file, args, {
        cwd: options.cwd,
        env: options.env ?? process.env,
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
    const out: string[] = [];
    const err = new Tail();
    let timedOut = false;
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => out.push(chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => err.push(chunk));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    let spawnError: Error | undefined;
    child.once('error', (e) => {
      spawnError = e;
    });
    if (child.pid !== undefined) options.onSpawn?.(child);
    // 'close' waits for the pipes to drain as well as for the exit.
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (spawnError) err.push(`\n${spawnError.message}`);
      resolve({
        command,
        code: spawnError ? null : code,
        signal,
        timedOut,
        stdout: out.join(''),
        stderr: err.toString(),
        wallSeconds: (performance.now() - started) / 1000,
        cpuSeconds: reapedChildrenCpuSeconds() - cpuBefore,
      });
    });
  });
}

/** Why a finished command counts as failed, or null if it succeeded. */
export function failureOf(result: CommandResult): string | null {
  if (result.timedOut) return `timed out after ${result.wallSeconds.toFixed(0)} s: ${result.command}`;
  if (result.code === 0) return null;
  const how = result.code === null ? `was killed by ${result.signal ?? 'a signal'}` : `exited ${result.code}`;
  // A usage error names the problem on the first line and then prints the whole usage, so the
  // first line and the last few together say what went wrong.
  const lines = result.stderr
    .trim()
    .split('\n')
    .filter((l) => l.trim());
  const picked = lines.length <= 4 ? lines : [lines[0]!, '...', ...lines.slice(-3)];
  const last = picked.join('\n');
  return `${result.command} ${how}${last ? `: ${last}` : ''}`;
}
