/**
 * CPU time and memory of a process, read from Linux's /proc, for the end-to-end benchmark: the
 * broker's CPU seconds per GB moved is steadier than a rate on a noisy shared machine, and its
 * resident set tells whether memory stays bounded. The parsers take the files' text so tests can
 * feed them samples.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

export interface ProcStat {
  /** One-letter state (R, S, D, Z, ...). */
  state: string;
  /** CPU time of the process itself (all its threads), in clock ticks. */
  utimeTicks: number;
  stimeTicks: number;
  /** CPU time of its children that it has waited for, in clock ticks. */
  cutimeTicks: number;
  cstimeTicks: number;
}

/**
 * Parses /proc/<pid>/stat. The command name (field 2) sits in parentheses and may itself contain
 * spaces and parentheses, so the fields are counted from the last ')'.
 */
export function parseProcStat(text: string): ProcStat {
  const close = text.lastIndexOf(')');
  if (close < 0) throw new Error('not a /proc/<pid>/stat line');
  // fields[0] is field 3 (state); utime is field 14, so fields[11].
  const fields = text
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  const field = (index: number): number => {
    const value = Number(fields[index]);
    if (!Number.isFinite(value)) throw new Error(`/proc/<pid>/stat field ${index + 3} is missing`);
    return value;
  };
  return {
    state: fields[0] ?? '?',
    utimeTicks: field(11),
    stimeTicks: field(12),
    cutimeTicks: field(13),
    cstimeTicks: field(14),
  };
}

export interface ProcStatus {
  /** Bytes; null where the kernel does not report the field. */
  vmRss: number | null;
  vmHwm: number | null;
  rssAnon: number | null;
  rssFile: number | null;
  /** Mask of the signals the process has a handler for (bit n-1 for signal n). */
  sigCgt: bigint | null;
}

/** Parses /proc/<pid>/status: the memory lines (in kB there) as bytes, and the caught-signal mask. */
export function parseProcStatus(text: string): ProcStatus {
  const values = new Map<string, string>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) values.set(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  const kb = (name: string): number | null => {
    const match = /^(\d+)\s*kB$/.exec(values.get(name) ?? '');
    return match ? Number(match[1]) * 1024 : null;
  };
  const mask = values.get('SigCgt');
  return {
    vmRss: kb('VmRSS'),
    vmHwm: kb('VmHWM'),
    rssAnon: kb('RssAnon'),
    rssFile: kb('RssFile'),
    sigCgt: mask && /^[0-9a-fA-F]+$/.test(mask) ? BigInt(`0x${mask}`) : null,
  };
}

/** Whether the status says the process handles `signal` (a number, e.g. 12 for SIGUSR2). */
export function catchesSignal(status: ProcStatus, signal: number): boolean {
  return status.sigCgt !== null && ((status.sigCgt >> BigInt(signal - 1)) & 1n) === 1n;
}

let ticksPerSecond: number | undefined;

/** The kernel's clock ticks per second (`getconf CLK_TCK`), which /proc/<pid>/stat counts in. */
export function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    try {
      const value = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
      ticksPerSecond = Number.isInteger(value) && value > 0 ? value : 100;
    } catch {
      // Linux has used 100 on every common architecture for decades.
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

export function readProcStat(pid: number | 'self'): ProcStat | null {
  try {
    return parseProcStat(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return null;
  }
}

export function readProcStatus(pid: number): ProcStatus | null {
  try {
    return parseProcStatus(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return null;
  }
}

/** User + system CPU seconds of a live process; null once it is gone. */
export function cpuSeconds(pid: number): number | null {
  const stat = readProcStat(pid);
  return stat ? (stat.utimeTicks + stat.stimeTicks) / clockTicksPerSecond() : null;
}

/**
 * User + system CPU seconds of a live process's main thread (the thread whose id is the pid:
 * Node's event loop), or null. The rest of its CPU went to its other threads: worker pools, the
 * libuv pool, V8's compiler and GC helpers.
 */
export function mainThreadCpuSeconds(pid: number): number | null {
  try {
    const stat = parseProcStat(fs.readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8'));
    return (stat.utimeTicks + stat.stimeTicks) / clockTicksPerSecond();
  } catch {
    return null;
  }
}

/**
 * CPU seconds of this process's children that have exited and been reaped. A child's own /proc
 * entry vanishes the moment Node reaps it, so the delta of this figure across a child's life is
 * the only complete count of that child's CPU (its last 100 ms included).
 */
export function reapedChildrenCpuSeconds(): number {
  const stat = readProcStat('self');
  return stat ? (stat.cutimeTicks + stat.cstimeTicks) / clockTicksPerSecond() : 0;
}

export interface MemoryPeaks {
  /** Bytes; the maxima seen over the samples, null if no sample had the field. */
  vmRss: number | null;
  rssAnon: number | null;
  rssFile: number | null;
  samples: number;
}

function maxOf(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.max(a, b);
}

/**
 * Samples a process's resident set every `intervalMs` and keeps the maxima. VmHWM alone only
 * gives the total; sampling splits it into anonymous memory (the heap, buffers) and file pages
 * (mapped segments), which mean very different things for a broker.
 */
export class MemorySampler {
  private peaks: MemoryPeaks = { vmRss: null, rssAnon: null, rssFile: null, samples: 0 };
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly pid: number,
    private readonly intervalMs = 100,
  ) {}

  start(): this {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    // The sampler must never keep the benchmark alive on its own.
    this.timer.unref();
    return this;
  }

  sample(): void {
    const status = readProcStatus(this.pid);
    if (!status) return;
    this.peaks = {
      vmRss: maxOf(this.peaks.vmRss, status.vmRss),
      rssAnon: maxOf(this.peaks.rssAnon, status.rssAnon),
      rssFile: maxOf(this.peaks.rssFile, status.rssFile),
      samples: this.peaks.samples + 1,
    };
  }

  /** Takes a last sample, stops, and returns the maxima. */
  stop(): MemoryPeaks {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.sample();
    return { ...this.peaks };
  }
}
