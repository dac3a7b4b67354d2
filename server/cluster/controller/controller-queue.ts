/**
 * The controller's events, handled one at a time in arrival order (a queue, like Kafka's
 * controller event thread), each within the term it started in: a term begins when this broker
 * is elected controller and ends when it resigns or is deposed; an event of an ended term stops
 * at its next step (`Term.stillCurrent` throws TermEndedError). A ControllerMovedError (another
 * controller was elected) ends the term at once; any other failure is logged and the cluster is
 * read again shortly (a failed read could have left a watch unset).
 */
import { ControllerMovedError } from '../zookeeper/controller-election.js';
import type { Term } from './partition-states.js';
import { TermEndedError } from './term-ended-error.js';

export interface ControllerQueueHooks {
  log: (message: string) => void;
  /** Another controller was elected: this one stops acting. */
  onMoved: () => void;
  /** An event failed: read the cluster again (called in the same term, half a second later). */
  onFailed: () => void;
}

export class ControllerQueue {
  private epochValue = -1;
  private active = false;
  /** Bumped at each start and stop. */
  private term = 0;
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly hooks: ControllerQueueHooks) {}

  get isActive(): boolean {
    return this.active;
  }

  /** The controller epoch of the current (or last) term. */
  get epoch(): number {
    return this.epochValue;
  }

  /** A term begins: this broker is the controller of `epoch`. */
  start(epoch: number): void {
    this.epochValue = epoch;
    this.active = true;
    this.term++;
  }

  /** The term ends: queued events of it do nothing, running ones stop at their next step. */
  stop(): void {
    this.active = false;
    this.term++;
  }

  /** Resolves once every event queued so far has been handled. */
  settled(): Promise<void> {
    return this.queue;
  }

  /** Queues an event; it runs with the term it started in, and stops at its next step once that ends. */
  enqueue(event: (term: Term) => Promise<void>): Promise<void> {
    this.queue = this.queue.then(async () => {
      if (!this.active) return;
      const term = this.term;
      const stillCurrent = (): void => {
        if (!this.active || this.term !== term) throw new TermEndedError();
      };
      try {
        await event({ controllerEpoch: this.epochValue, stillCurrent });
      } catch (err) {
        if (err instanceof TermEndedError) return;
        if (err instanceof ControllerMovedError) {
          this.hooks.log(err.message);
          this.hooks.onMoved();
          return;
        }
        this.hooks.log(`controller event failed (${(err as Error).message}); reloading the cluster`);
        setTimeout(() => {
          if (this.active && this.term === term) this.hooks.onFailed();
        }, 500).unref();
      }
    });
    return this.queue;
  }

  /**
   * Runs `work` as an event and resolves with its answer: `notController` if this broker is not
   * (or stops being) the controller first, `failed` (default: `notController`) if it fails.
   */
  answer<T>(work: (term: Term) => Promise<T>, notController: T, failed: T = notController): Promise<T> {
    let result = notController;
    if (!this.active) return Promise.resolve(result);
    return this.enqueue(async (term) => {
      try {
        result = await work(term);
      } catch (err) {
        if (!(err instanceof TermEndedError || err instanceof ControllerMovedError)) result = failed;
        throw err;
      }
    }).then(() => result);
  }
}
