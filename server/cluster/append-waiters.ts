/**
 * Long-poll support: a Fetch that has not reached its min bytes waits until one of its partitions
 * gets an append, or its max wait runs out. Produce calls `notify` after appending; waiters are
 * keyed by `${topic}-${partition}`.
 */
export class AppendWaiters {
  private readonly waiting = new Map<string, Set<() => void>>();
  /** Every waiter, keyed or not: a Fetch with no partitions waits on no key, yet stop must end it. */
  private readonly everyone = new Set<() => void>();
  private stopped = false;

  /** True after wakeAll: the broker is stopping and nobody should start waiting again. */
  get closed(): boolean {
    return this.stopped;
  }

  /** Resolves on the next append to any of `keys`, or after `timeoutMs`. */
  wait(keys: readonly string[], timeoutMs: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.everyone.delete(wake);
        for (const key of keys) {
          const set = this.waiting.get(key);
          set?.delete(wake);
          if (set?.size === 0) this.waiting.delete(key);
        }
        resolve();
      };
      const timer = setTimeout(wake, timeoutMs);
      this.everyone.add(wake);
      for (const key of keys) {
        let set = this.waiting.get(key);
        if (!set) this.waiting.set(key, (set = new Set()));
        set.add(wake);
      }
    });
  }

  notify(key: string): void {
    const set = this.waiting.get(key);
    if (!set || set.size === 0) return;
    this.waiting.delete(key);
    for (const wake of set) wake();
  }

  /** Partitions someone is waiting on (for tests and metrics). */
  get keyCount(): number {
    return this.waiting.size;
  }

  /** Wakes everyone, for good (at shutdown). */
  wakeAll(): void {
    this.stopped = true;
    for (const wake of [...this.everyone]) wake();
  }
}
