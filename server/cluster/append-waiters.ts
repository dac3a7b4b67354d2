/**
 * Long-poll support: a Fetch that has not reached its min bytes waits until one of its partitions
 * gets an append, or its max wait runs out. Produce calls `notify` after appending; waiters are
 * keyed by `${topic}-${partition}`. A notify means "look again", not only "appended": a leader
 * that resigns a partition, or a deleted topic, wakes the fetches on it too, so they answer with
 * their error at once.
 *
 * A leader's fetch handler may also hold a follower's fetch that found a few records for more
 * (kiln.replica.linger.ms, handlers/fetch.ts): such a wait is marked lingering, and once the
 * broker begins leaving (a controlled shutdown: its leaderships are about to move) lingering
 * stops — those waits are woken, and no fetch lingers again.
 */
export class AppendWaiters {
  private readonly waiting = new Map<string, Set<() => void>>();
  /** Every waiter, keyed or not: a Fetch with no partitions waits on no key, yet stop must end it. */
  private readonly everyone = new Set<() => void>();
  /** The waits of lingering fetches. */
  private readonly lingerers = new Set<() => void>();
  private stopped = false;
  private lingerStopped = false;

  /** True after wakeAll: the broker is stopping and nobody should start waiting again. */
  get closed(): boolean {
    return this.stopped;
  }

  /** Whether a fetch may still linger for more: not once the broker began leaving (stopLingering). */
  get lingerAllowed(): boolean {
    return !this.lingerStopped && !this.stopped;
  }

  /**
   * Resolves on the next notify of any of `keys`, or after `timeoutMs`. `lingering`: the wait of
   * a follower's fetch held for more (stopLingering ends it; one must not begin after that).
   */
  wait(keys: readonly string[], timeoutMs: number, lingering = false): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.everyone.delete(wake);
        if (lingering) this.lingerers.delete(wake);
        for (const key of keys) {
          const set = this.waiting.get(key);
          set?.delete(wake);
          if (set?.size === 0) this.waiting.delete(key);
        }
        resolve();
      };
      const timer = setTimeout(wake, timeoutMs);
      this.everyone.add(wake);
      if (lingering) this.lingerers.add(wake);
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

  /** Waits now, keyed or not (for tests and metrics). */
  get waitingCount(): number {
    return this.everyone.size;
  }

  /** Waits of lingering fetches now (for tests and metrics). */
  get lingeringCount(): number {
    return this.lingerers.size;
  }

  /**
   * The broker begins a controlled shutdown: lingering fetches are answered now and no fetch
   * lingers from here, so that followers hold every acks=1 record before the controller moves
   * this broker's leaderships to them. Long polls go on as before.
   */
  stopLingering(): void {
    this.lingerStopped = true;
    for (const wake of [...this.lingerers]) wake();
  }

  /** Wakes everyone, for good (at shutdown). */
  wakeAll(): void {
    this.stopped = true;
    for (const wake of [...this.everyone]) wake();
  }
}
