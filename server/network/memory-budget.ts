/**
 * A process-wide byte budget shared by every connection, as Kafka's queued.max.request.bytes
 * memory pool is: one for the requests being read (frame buffers from their first byte until their
 * handler is done), one for response bytes handed to sockets and not yet sent. A connection that
 * finds its budget spent stops reading until bytes come back; whatever clients do, the broker's
 * memory for requests and responses stays near the two limits.
 *
 * One request may always be taken when nothing else holds the budget, so a frame larger than the
 * limit (up to socket.request.max.bytes) is never refused forever.
 */
export class MemoryBudget {
  private usedBytes = 0;
  private readonly waiting = new Set<() => void>();

  constructor(readonly limit: number) {}

  get used(): number {
    return this.usedBytes;
  }

  /** Bytes that may still be taken (0 when spent). */
  get available(): number {
    return Math.max(0, this.limit - this.usedBytes);
  }

  get exhausted(): boolean {
    return this.usedBytes >= this.limit;
  }

  /** Takes `bytes` when they fit (or nothing else is held); false otherwise. */
  tryReserve(bytes: number): boolean {
    if (this.usedBytes > 0 && this.usedBytes + bytes > this.limit) return false;
    this.usedBytes += bytes;
    return true;
  }

  /** Takes `bytes` whether they fit or not (bytes already in memory, being counted). */
  reserve(bytes: number): void {
    this.usedBytes += bytes;
  }

  release(bytes: number): void {
    if (bytes <= 0) return;
    this.usedBytes = Math.max(0, this.usedBytes - bytes);
    if (this.usedBytes >= this.limit || this.waiting.size === 0) return;
    const woken = [...this.waiting];
    this.waiting.clear();
    for (const wake of woken) wake();
  }

  /** Calls `wake` once, the next time bytes come back below the limit. */
  whenAvailable(wake: () => void): void {
    this.waiting.add(wake);
  }

  cancel(wake: () => void): void {
    this.waiting.delete(wake);
  }
}
