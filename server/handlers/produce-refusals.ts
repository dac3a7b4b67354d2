/**
 * The produce refusal log: a partition's Produce answered with an error (NOT_ENOUGH_REPLICAS,
 * NOT_LEADER_OR_FOLLOWER, REQUEST_TIMED_OUT, OUT_OF_ORDER_SEQUENCE_NUMBER, ...) is logged at info,
 * so a partition that producers cannot write to shows in the broker's log and not only in the
 * clients'. Clients retry such errors many times a second, so one line per partition and error is
 * written at most every `intervalMs`, and at most MAX_LINES lines per interval in all
 * (server/log-throttle.ts): the first at once, the rest counted into the next line.
 *
 * A refusal that says replication holds the partition up (REQUEST_TIMED_OUT, NOT_ENOUGH_REPLICAS,
 * NOT_ENOUGH_REPLICAS_AFTER_APPEND) carries the leader's view in its line (`explain`: high
 * watermark, ISR, each follower's progress), so the log says which replica holds it up.
 */
import { errorName } from '../client/errors.js';
import { ErrorCode } from '../protocol/error-codes.js';
import type { Logger } from '../logger.js';
import { HELD, LogThrottle } from '../log-throttle.js';

/** How often one partition's same error is logged at most. */
export const REFUSAL_LOG_INTERVAL_MS = 10_000;
/** Lines per interval in all, whatever the partitions. */
export const MAX_LINES = 50;
/** Refusals whose line carries the leader's view of replication. */
const REPLICATION_ERRORS: ReadonlySet<number> = new Set([
  ErrorCode.REQUEST_TIMED_OUT,
  ErrorCode.NOT_ENOUGH_REPLICAS,
  ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND,
]);

/** The leader's view of a partition's replication in a line; undefined when this broker does not lead it. */
export type ExplainReplication = (topic: string, partition: number) => string | undefined;

export interface ProduceRefusalsOptions {
  intervalMs?: number;
  now?: () => number;
  explain?: ExplainReplication;
}

export class ProduceRefusals {
  private readonly throttle: LogThrottle;
  private readonly explain: ExplainReplication;

  constructor(
    private readonly log: Logger,
    { intervalMs = REFUSAL_LOG_INTERVAL_MS, now, explain = () => undefined }: ProduceRefusalsOptions = {},
  ) {
    this.explain = explain;
    this.throttle = new LogThrottle({
      intervalMs,
      maxLines: MAX_LINES,
      now,
      onHeld: (held) =>
        log.info(
          { held },
          `${held} more produce refusal(s) not logged: over ${MAX_LINES} lines in ${intervalMs / 1000} s`,
        ),
    });
  }

  /** A partition of a Produce request was answered with `errorCode` (not NONE). */
  note(topic: string, partition: number, errorCode: number, clientId: string | null): void {
    const since = this.throttle.admit(`${topic}-${partition}:${errorCode}`);
    if (since === HELD) return;
    const error = errorName(errorCode);
    const more = since > 0 ? ` (and ${since} more since the last line)` : '';
    const leader = REPLICATION_ERRORS.has(errorCode) ? this.explain(topic, partition) : undefined;
    this.log.info(
      { topic, partition, error, clientId, repeated: since },
      `produce to ${topic}-${partition} refused: ${error}${more}${leader ? `; ${leader}` : ''}`,
    );
  }
}
