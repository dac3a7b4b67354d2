/**
 * Appends that reach the broker in one turn of the event loop, gathered per partition and written
 * together once the turn's input has been handled (setImmediate runs after every socket read of
 * the turn), so a run of pipelined produce requests to one partition — the usual state of a busy
 * producer — costs one write, not one each. Each append keeps its own result, in the order it was
 * queued (PartitionLog.appendMany), and nothing is answered before its bytes are written.
 *
 * A result goes to a sink with the slot the caller gave, so queuing an append allocates no promise
 * or closure: the produce path queues thousands a second.
 */
import type { LogAppendResult, PartitionLog } from '../../engine/index.js';

/** Told the result of each append queued for it. */
export interface AppendSink {
  appended(slot: number, result: LogAppendResult | Error): void;
}

interface Queued {
  batches: Buffer[];
  sinks: AppendSink[];
  slots: number[];
}

export class TurnAppends {
  private pending = new Map<PartitionLog, Queued>();
  private scheduled = false;
  private readonly flushBound = (): void => this.flush();

  /**
   * `onSinkError` hears of a sink that threw while taking its result (a bug, logged). `refusal`,
   * asked just before a partition's appends are written, may refuse them all with an error (in a
   * cluster: the broker stopped leading the partition since they were queued).
   */
  constructor(
    private readonly onSinkError: (err: Error) => void = () => {},
    private readonly refusal: (log: PartitionLog) => Error | undefined = () => undefined,
  ) {}

  /** Queues `records` for `log`; `sink` hears of it once they are written (or refused). */
  append(log: PartitionLog, records: Buffer, sink: AppendSink, slot: number): void {
    let queued = this.pending.get(log);
    if (!queued) {
      queued = { batches: [], sinks: [], slots: [] };
      this.pending.set(log, queued);
    }
    queued.batches.push(records);
    queued.sinks.push(sink);
    queued.slots.push(slot);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flushBound);
    }
  }

  /** Writes everything queued: one appendMany per partition. */
  flush(): void {
    this.scheduled = false;
    const all = this.pending;
    if (all.size === 0) return;
    this.pending = new Map();
    for (const [log, { batches, sinks, slots }] of all) {
      let results: (LogAppendResult | Error)[] | undefined;
      let failure = this.refusal(log);
      try {
        if (!failure) results = log.appendMany(batches);
      } catch (err) {
        failure = err as Error;
      }
      for (let i = 0; i < sinks.length; i++) {
        const result = results?.[i] ?? failure ?? new Error('the append got no result');
        try {
          sinks[i]!.appended(slots[i]!, result);
        } catch (err) {
          // One request's answer failing must not leave the others unanswered.
          this.onSinkError(err as Error);
        }
      }
    }
  }
}
