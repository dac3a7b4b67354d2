/**
 * The produce refusal log: a partition's Produce answered with an error (NOT_ENOUGH_REPLICAS,
 * NOT_LEADER_OR_FOLLOWER, REQUEST_TIMED_OUT, OUT_OF_ORDER_SEQUENCE_NUMBER, ...) is logged at info,
 * so a partition that producers cannot write to shows in the broker's log and not only in the
 * clients'. Clients retry such errors many times a second, so one line per partition and error is
 * written at most every `intervalMs`: the first at once, the rest counted into the next line.
 */
import { errorName } from '../client/errors.js';
import type { Logger } from '../logger.js';

/** How often one partition's same error is logged at most. */
export const REFUSAL_LOG_INTERVAL_MS = 10_000;

interface Tally {
  /** When the last line for this partition and error was written. */
  loggedAt: number;
  /** Refusals since then, not yet logged. */
  unlogged: number;
}

export class ProduceRefusals {
  private readonly tallies = new Map<string, Tally>();

  constructor(
    private readonly log: Logger,
    private readonly intervalMs = REFUSAL_LOG_INTERVAL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** A partition of a Produce request was answered with `errorCode` (not NONE). */
  note(topic: string, partition: number, errorCode: number, clientId: string | null): void {
    const key = `${topic}-${partition}:${errorCode}`;
    const now = this.now();
    const tally = this.tallies.get(key);
    if (tally && now - tally.loggedAt < this.intervalMs) {
      tally.unlogged++;
      return;
    }
    const since = tally ? tally.unlogged : 0;
    this.tallies.set(key, { loggedAt: now, unlogged: 0 });
    this.forgetOld(now);
    const error = errorName(errorCode);
    const more = since > 0 ? ` (and ${since} more since the last line)` : '';
    this.log.info(
      { topic, partition, error, clientId, repeated: since },
      `produce to ${topic}-${partition} refused: ${error}${more}`,
    );
  }

  /** Drops tallies whose last line is long past, so the map holds only recent refusals. */
  private forgetOld(now: number): void {
    if (this.tallies.size < 1024) return;
    for (const [key, tally] of this.tallies) {
      if (now - tally.loggedAt > 6 * this.intervalMs) this.tallies.delete(key);
    }
  }
}
