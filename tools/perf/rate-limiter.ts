/**
 * Throughput limiting for the load generators: records are due on a schedule, one every 1/rate
 * seconds from the start (the first at once), so a limited run creates records evenly instead of in
 * bursts of a whole second. The generator asks how many are due by now and, when it has caught up,
 * how long until the next one; if it falls behind (a GC pause), the missed records come due at
 * once, as Kafka's throttler lets them.
 *
 * The clock is injected (milliseconds, monotonic), so the logic is testable without timing.
 */

export type Clock = () => number;

export const monotonicClock: Clock = () => performance.now();

export class RateLimiter {
  private startMs = 0;

  /** `perSecond` <= 0 (Kafka's -1) means unlimited. */
  constructor(
    readonly perSecond: number,
    private readonly clock: Clock = monotonicClock,
  ) {}

  get unlimited(): boolean {
    return !(this.perSecond > 0);
  }

  /** Starts the schedule now. */
  start(): void {
    this.startMs = this.clock();
  }

  /** How many records are due since start (Infinity when unlimited). */
  due(): number {
    if (this.unlimited) return Infinity;
    const elapsed = this.clock() - this.startMs;
    return Math.floor((elapsed * this.perSecond) / 1000) + 1;
  }

  /** Milliseconds until `count` records are due (0 if they already are). */
  msUntil(count: number): number {
    if (this.unlimited || count <= 1) return 0;
    const at = ((count - 1) * 1000) / this.perSecond;
    return Math.max(0, at - (this.clock() - this.startMs));
  }
}
