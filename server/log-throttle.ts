/**
 * A throttle for log lines that clients can set off over and over: a refused produce, a fetch that
 * fails on a damaged partition. Clients retry such requests many times a second, so a line per
 * request would flood the log. For each key (a partition and what went wrong) one line is written
 * every `intervalMs` at most: the first at once, and the repeats are counted into the next one. A
 * client naming ever new partitions or topics cannot flood the log or the memory either: at most
 * `maxLines` lines per interval are written whatever the keys (the rest are counted, and the count
 * is handed to `onHeld` when the next interval begins), and at most `maxKeys` keys are remembered.
 */

export interface LogThrottleOptions {
  /** How often one key's line is written at most. */
  intervalMs: number;
  /** Lines per interval in all, whatever the keys. */
  maxLines?: number;
  /** Keys remembered at most. */
  maxKeys?: number;
  now?: () => number;
  /** Told, when an interval begins, how many lines the last one held back past `maxLines`. */
  onHeld?: (held: number) => void;
}

interface Tally {
  /** When the key's last line was written. */
  loggedAt: number;
  /** Times it came since then, not yet in a line. */
  unlogged: number;
}

/** The answer of `admit` when no line is to be written now (the event was counted instead). */
export const HELD = -1;

export class LogThrottle {
  private readonly tallies = new Map<string, Tally>();
  private readonly intervalMs: number;
  private readonly maxLines: number;
  private readonly maxKeys: number;
  private readonly now: () => number;
  private readonly onHeld: (held: number) => void;
  /** The interval now counted against maxLines: when it began, and lines written and held back in it. */
  private windowStart = -Infinity;
  private windowLines = 0;
  private windowHeld = 0;

  constructor(options: LogThrottleOptions) {
    this.intervalMs = options.intervalMs;
    this.maxLines = options.maxLines ?? 50;
    this.maxKeys = options.maxKeys ?? 10_000;
    this.now = options.now ?? Date.now;
    this.onHeld = options.onHeld ?? (() => {});
  }

  /**
   * `key` happened again. Returns HELD when no line is to be written now (it is counted into the
   * key's next line); otherwise a line is to be written, and the answer is how many times the key
   * came since its last line without one.
   */
  admit(key: string): number {
    const now = this.now();
    const tally = this.tallies.get(key);
    if (tally && now - tally.loggedAt < this.intervalMs) {
      tally.unlogged++;
      return HELD;
    }
    if (now - this.windowStart >= this.intervalMs) this.newWindow(now);
    if (this.windowLines >= this.maxLines) {
      this.windowHeld++; // counted once: in the next interval's onHeld, not in the key's next line
      return HELD;
    }
    this.windowLines++;
    const since = tally ? tally.unlogged : 0;
    this.forgetOld(now);
    this.tallies.set(key, { loggedAt: now, unlogged: 0 });
    return since;
  }

  /** A new interval: what the last one held back is handed on. */
  private newWindow(now: number): void {
    if (this.windowHeld > 0) this.onHeld(this.windowHeld);
    this.windowStart = now;
    this.windowLines = 0;
    this.windowHeld = 0;
  }

  /** Keeps the tallies bounded: past maxKeys, those older than an interval go (all, if need be). */
  private forgetOld(now: number): void {
    if (this.tallies.size < this.maxKeys) return;
    for (const [key, tally] of this.tallies) {
      if (now - tally.loggedAt >= this.intervalMs) this.tallies.delete(key);
    }
    if (this.tallies.size >= this.maxKeys) this.tallies.clear();
  }
}
