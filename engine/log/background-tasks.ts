/**
 * The log manager's periodic work (retention, flushes, checkpoints, the cleaner, page trims) on
 * timers that never end the process: a task that throws or rejects (EMFILE, ENOSPC...) is
 * reported once and retried with a doubling back-off, up to 64 intervals, until it works again,
 * which is reported too. An async task still running when its next turn comes skips that turn.
 */
export class BackgroundTasks {
  private readonly timers: NodeJS.Timeout[] = [];
  private stopped = false;

  constructor(private readonly say: (message: string) => void) {}

  /** Runs `task` every `intervalMs` (0 or less: never). */
  every(intervalMs: number, name: string, task: () => unknown): void {
    if (intervalMs <= 0) return;
    let running = false;
    let failures = 0;
    let skip = 0;
    const failed = (err: unknown): void => {
      if (failures === 0)
        this.say(`background task ${name} failed, retrying with back-off: ${(err as Error).message}`);
      failures++;
      skip = Math.min(2 ** failures, 64) - 1;
    };
    const succeeded = (): void => {
      if (failures > 0) this.say(`background task ${name} works again after ${failures} failures`);
      failures = 0;
    };
    const timer = setInterval(() => {
      if (running || this.stopped) return;
      if (skip > 0) {
        skip--;
        return;
      }
      let result: unknown;
      try {
        result = task();
      } catch (err) {
        failed(err);
        return;
      }
      if (!(result instanceof Promise)) return succeeded();
      running = true;
      result.then(succeeded, failed).finally(() => (running = false));
    }, intervalMs);
    timer.unref();
    this.timers.push(timer);
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearInterval(timer);
  }
}

/**
 * Runs `task` on every item; one that fails does not keep the others from their turn. The first
 * failure is thrown at the end, for the schedule to report and back off.
 */
export function eachOf<T>(items: Iterable<T>, task: (item: T) => void): void {
  let failure: unknown;
  for (const item of items) {
    try {
      task(item);
    } catch (err) {
      failure ??= err;
    }
  }
  if (failure !== undefined) throw failure;
}
