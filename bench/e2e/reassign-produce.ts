/**
 * The reassignment run's steady producer: `kiln perf produce --throughput N --acks all` in
 * windows of a few seconds, one after another. kiln perf produce runs a fixed number of records
 * and reports its latency only when it ends, and a move lasts as long as it lasts, so the run
 * chains windows until the move is over and keeps each window's figures; the p99 of a phase is
 * its worst window's (reassign-plan.ts worstP99).
 *
 * A window is producing once its first progress line appears (it prints one every 200 ms); the
 * next window is started early, by the longest any window of this producer took from its start
 * to producing plus half a second, so that it produces from about when the current one ends: the
 * windows leave no gap of a process start between them but overlap a little (two producers at
 * once for that while), unless a process start takes longer than any before (a loaded machine).
 * A long window hides nothing: its p99 is its slowest 1% of records. Each window keeps when it
 * started, produced from and ended, so the coverage shows in the results.
 *
 * The kiln commands of the run (reassignKilnArgs) run from the TypeScript the benchmark compiled
 * for its brokers (broker-process.ts compiledBroker), not through bin/kiln.js: that one rebuilds
 * dist/ first whenever a source changed since the last build, which on a checkout being edited
 * stalls a window for a minute in the middle of a move.
 *
 * A window counts when every record was acknowledged: NOT_LEADER_OR_FOLLOWER and the like, which a
 * move causes when the leader changes, are retried by kiln perf (its "retries") and are no
 * failure here; a batch that failed for good (its "failedRecords") is.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { compiledBroker } from './broker-process.js';
import { failureOf, runCommand } from './child-processes.js';
import { parsePerfJson, perfProduceArgs } from './kiln-perf.js';
import type { LatencySummary } from './phase-report.js';
import { windowRecords } from './reassign-plan.js';

/**
 * node, then these: `kiln` from the compiled TypeScript beside the broker the benchmark compiled
 * for `repoRoot`, started by a launcher written there once (what bin/kiln.js does, without its
 * rebuild check; tools/kiln.js run as the entry point itself would wait on its own commands).
 */
export function reassignKilnArgs(repoRoot: string, args: string[]): string[] {
  const outDir = path.dirname(path.dirname(compiledBroker(repoRoot)));
  const launcher = path.join(outDir, 'kiln-launcher.mjs');
  if (!fs.existsSync(launcher))
    fs.writeFileSync(
      launcher,
      "const { main } = await import('./tools/kiln.js');\nprocess.exitCode = await main(process.argv.slice(2));\n",
    );
  return [launcher, ...args];
}

export interface ProduceWindow {
  /** When it was started, produced from (null if it printed no progress) and ended, in ms since
   * the move's request was accepted (before it: negative). */
  startMs: number;
  producingMs: number | null;
  endMs: number;
  records: number | null;
  /** Produce requests kiln perf retried after a metadata refresh (a moved leader). */
  retries: number | null;
  latencyMs: LatencySummary | null;
  command: string;
  error: string | null;
}

export interface WindowReport {
  records: number;
  retries: number;
  latencyMs: LatencySummary | null;
}

/** A window's figures from kiln perf's JSON, or why the window does not count. */
export function windowReport(stdout: string, expected: number): WindowReport | string {
  const r = parsePerfJson(stdout);
  if (!r) return 'no JSON result on the stdout of kiln perf';
  if (r.mode !== 'produce') return `kiln perf reported mode ${r.mode}, expected produce`;
  const json = JSON.parse(r.json) as { retries?: unknown; failedRecords?: unknown };
  const failed = typeof json.failedRecords === 'number' ? json.failedRecords : 0;
  if (failed > 0) return `kiln perf produce failed ${failed} records: ${r.json}`;
  if (!(r.records >= expected)) return `${r.records} of ${expected} records produced: ${r.json}`;
  if (!r.latencyMs) return `kiln perf produce reported no latency: ${r.json}`;
  return {
    records: r.records,
    retries: typeof json.retries === 'number' ? json.retries : 0,
    latencyMs: r.latencyMs,
  };
}

export interface SteadyProduceSpec {
  repoRoot: string;
  bootstrap: string;
  topic: string;
  recordsPerSec: number;
  recordSize: number;
  windowSeconds: number;
}

/** A window on its way. */
export interface RunningWindow {
  startedAt: number;
  /** Resolves with when it began producing (performance.now()), or null if it ended first. */
  producing: Promise<number | null>;
  done: Promise<ProduceWindow>;
}

/** How often a window reports progress on stderr: its first line says it is producing. */
const PROGRESS_MS = 200;
/** How much earlier than the slowest start seen so far the next window is started. */
const START_MARGIN_MS = 500;

export class SteadyProducer {
  /** Window times are relative to this (performance.now()); set to the accepted request's time. */
  origin = 0;
  /** The longest a window took from its start to producing. */
  private slowestStartMs = 0;

  constructor(private readonly spec: SteadyProduceSpec) {}

  /** Starts one window. */
  start(): RunningWindow {
    const { spec } = this;
    const records = windowRecords(spec.recordsPerSec, spec.windowSeconds);
    const args = perfProduceArgs({
      bootstrap: spec.bootstrap,
      topic: spec.topic,
      records,
      recordSize: spec.recordSize,
      acks: -1,
      compression: 'none',
      throughput: spec.recordsPerSec,
    });
    // Progress lines on, only to see the first one.
    const at = args.indexOf('--reporting-interval');
    if (at >= 0) args[at + 1] = String(PROGRESS_MS);
    let producingAt: number | null = null;
    let markProducing = (_at: number | null): void => {};
    const producing = new Promise<number | null>((resolve) => (markProducing = resolve));
    const watch = (child: ChildProcess): void => {
      child.stderr?.on('data', (chunk: string) => {
        if (producingAt === null && String(chunk).includes('records sent')) {
          // The first line comes one interval after the producer started.
          producingAt = performance.now() - PROGRESS_MS;
          markProducing(producingAt);
        }
      });
    };
    const startedAt = performance.now();
    const done = runCommand(process.execPath, reassignKilnArgs(spec.repoRoot, args), {
      cwd: spec.repoRoot,
      timeoutMs: spec.windowSeconds * 3000 + 60_000,
      onSpawn: watch,
    }).then((run): ProduceWindow => {
      markProducing(null);
      const window: ProduceWindow = {
        startMs: startedAt,
        producingMs: producingAt,
        endMs: performance.now(),
        records: null,
        retries: null,
        latencyMs: null,
        command: run.command,
        error: failureOf(run),
      };
      if (!window.error) {
        const report = windowReport(run.stdout, records);
        if (typeof report === 'string') window.error = report;
        else Object.assign(window, report);
      }
      return window;
    });
    return { startedAt, producing, done };
  }

  /** `count` windows, one after another. */
  windows(count: number): Promise<ProduceWindow[]> {
    let more = count - 1;
    return this.chain(this.start(), () => more-- > 0);
  }

  /**
   * Windows one after another from `first` (already started), each next one started early (see
   * the header), while `more()` says so when it is due; it stops after a window that failed.
   */
  async chain(first: RunningWindow, more: () => boolean): Promise<ProduceWindow[]> {
    const out: ProduceWindow[] = [];
    let current = first;
    for (;;) {
      let next: RunningWindow | undefined;
      let timer: NodeJS.Timeout | undefined;
      const producingAt = await current.producing;
      if (producingAt !== null) {
        this.slowestStartMs = Math.max(this.slowestStartMs, producingAt - current.startedAt);
        const due = producingAt + this.spec.windowSeconds * 1000 - this.slowestStartMs - START_MARGIN_MS;
        timer = setTimeout(
          () => {
            if (more()) next = this.start();
          },
          Math.max(0, due - performance.now()),
        );
      }
      const w = await current.done;
      clearTimeout(timer);
      out.push(w);
      if (w.error) {
        // One already started is waited for, and kept.
        if (next) out.push(await next.done);
        return out;
      }
      if (!next) {
        if (!more()) return out;
        next = this.start();
      }
      current = next;
    }
  }

  /** The windows with their times made relative to `origin`, rounded to the ms. */
  relative(windows: ProduceWindow[]): ProduceWindow[] {
    const at = (ms: number): number => Math.round(ms - this.origin);
    return windows.map((w) => ({
      ...w,
      startMs: at(w.startMs),
      producingMs: w.producingMs === null ? null : at(w.producingMs),
      endMs: at(w.endMs),
    }));
  }
}
