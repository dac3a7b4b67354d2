/**
 * The produce refusal log: a partition's Produce answered with an error (NOT_ENOUGH_REPLICAS,
 * NOT_LEADER_OR_FOLLOWER, REQUEST_TIMED_OUT, OUT_OF_ORDER_SEQUENCE_NUMBER, ...) is logged at info,
 * so a partition that producers cannot write to shows in the broker's log and not only in the
 * clients'. Clients retry such errors many times a second, so one line per partition and error is
 * written at most every `intervalMs`: the first at once, the rest counted into the next line. A
 * client naming ever new partitions (or topics) cannot flood the log or the memory either: at most
 * MAX_LINES lines per interval in all (the rest are counted, and the count logged), and the
 * tallies kept are bounded.
 *
 * A refusal that says replication holds the partition up (REQUEST_TIMED_OUT, NOT_ENOUGH_REPLICAS,
 * NOT_ENOUGH_REPLICAS_AFTER_APPEND) carries the leader's view in its line (`explain`: high
 * watermark, ISR, each follower's progress), so the log says which replica holds it up.
 */
import { errorName } from '../client/errors.js';
import { ErrorCode } from '../protocol/error-codes.js';
import type { Logger } from '../logger.js';

/** How often one partition's same error is logged at most. */
export const REFUSAL_LOG_INTERVAL_MS = 10_000;
/** Lines per interval in all, whatever the partitions. */
export const MAX_LINES = 50;
/** Tallies kept at most (partition and error pairs seen lately). */
const MAX_TALLIES = 10_000;
/** Refusals whose line carries the leader's view of replication. */
const REPLICATION_ERRORS: ReadonlySet<number> = new Set([
  ErrorCode.REQUEST_TIMED_OUT,
  ErrorCode.NOT_ENOUGH_REPLICAS,
  ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND,
]);

/** The leader's view of a partition's replication in a line; undefined when this broker does not lead it. */
export type ExplainReplication = (topic: string, partition: number) => string | undefined;

interface Tally {
  /** When the last line for this partition and error was written. */
  loggedAt: number;
  /** Refusals since then, not yet logged. */
  unlogged: number;
}

export class ProduceRefusals {
  private readonly tallies = new Map<string, Tally>();
  /** The interval now counted against MAX_LINES: when it began, and lines written and held back in it. */
  private windowStart = -Infinity;
  private windowLines = 0;
  private windowHeld = 0;

  constructor(
    private readonly log: Logger,
    private readonly intervalMs = REFUSAL_LOG_INTERVAL_MS,
    private readonly now: () => number = Date.now,
    private readonly explain: ExplainReplication = () => undefined,
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
    if (now - this.windowStart >= this.intervalMs) this.newWindow(now);
    if (this.windowLines >= MAX_LINES) {
      this.windowHeld++;
      if (tally) tally.unlogged++;
      return;
    }
    this.windowLines++;
    const since = tally ? tally.unlogged : 0;
    this.forgetOld(now);
    this.tallies.set(key, { loggedAt: now, unlogged: 0 });
    const error = errorName(errorCode);
    const more = since > 0 ? ` (and ${since} more since the last line)` : '';
    const leader = REPLICATION_ERRORS.has(errorCode) ? this.explain(topic, partition) : undefined;
    this.log.info(
      { topic, partition, error, clientId, repeated: since },
      `produce to ${topic}-${partition} refused: ${error}${more}${leader ? `; ${leader}` : ''}`,
    );
  }

  /** A new interval: what the last one held back is said in one line. */
  private newWindow(now: number): void {
    if (this.windowHeld > 0) {
      this.log.info(
        { held: this.windowHeld },
        `${this.windowHeld} more produce refusal(s) not logged: over ${MAX_LINES} lines in ${this.intervalMs / 1000} s`,
      );
    }
    this.windowStart = now;
    this.windowLines = 0;
    this.windowHeld = 0;
  }

  /** Keeps the tallies bounded: past MAX_TALLIES, those older than an interval go (all, if need be). */
  private forgetOld(now: number): void {
    if (this.tallies.size < MAX_TALLIES) return;
    for (const [key, tally] of this.tallies) {
      if (now - tally.loggedAt >= this.intervalMs) this.tallies.delete(key);
    }
    if (this.tallies.size >= MAX_TALLIES) this.tallies.clear();
  }
}
