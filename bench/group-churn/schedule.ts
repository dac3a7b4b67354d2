/**
 * The churn benchmark's schedule: from a seed, what happens next to a group and when. Every few
 * seconds (the interval, give or take a quarter) a member joins, leaves cleanly or crashes; a
 * group with `min` members left only gets joins, one with `max` members only departures.
 */
import { SeededRandom } from '../chaos/seeded-random.js';
import type { EventKind } from './measure.js';

export interface ScheduleOptions {
  seed: number;
  intervalMs: number;
  min: number;
  max: number;
}

export class ChurnSchedule {
  private readonly random: SeededRandom;
  constructor(private readonly options: ScheduleOptions) {
    this.random = new SeededRandom(options.seed);
  }

  /** The wait before the next event. */
  nextDelayMs(): number {
    const { intervalMs } = this.options;
    return this.random.int(Math.round(intervalMs * 0.75), Math.round(intervalMs * 1.25));
  }

  /** The next event for a group of `live` members. */
  nextKind(live: number): EventKind {
    if (live <= this.options.min) return 'join';
    if (live >= this.options.max) return this.random.pick(['leave', 'crash'] as const);
    return this.random.pick(['join', 'leave', 'crash'] as const);
  }

  /** One of `items`, for which client joins or which member departs. */
  pick<T>(items: readonly T[]): T {
    return this.random.pick(items);
  }
}

/**
 * Whether a member may be the one to leave or crash: it owns partitions and has read from them.
 * One still joining has nothing to hand over, and its join (subscribe to first record) would go
 * unmeasured.
 */
export function mayDepart(member: { owned: readonly number[]; firstReadAt: number }): boolean {
  return member.owned.length > 0 && member.firstReadAt > 0;
}
