/**
 * Bounds how many segment log files are memory-mapped at once.
 *
 * A mapping cannot be unmapped: its memory (and a deleted file's disk space) is released only when
 * the Buffer is garbage-collected. So the process keeps at most `limit` segments mapped, least
 * recently read first out; a segment that is evicted drops its reference and maps again on its next
 * hot read. Slices already handed out stay valid — they keep the mapping alive themselves.
 *
 * It also keeps the mapped pages out of the broker's RSS: `trimResident()` (the log manager calls
 * it four times a second) drops the pages of every segment read since the last trim from the
 * process's page tables. They stay in the page cache, so the next read of them is a minor fault,
 * not I/O. What a fetch has sent is released at once by the connection; this catches the rest —
 * above all the pages the kernel maps around each fault (fault-around maps a whole 64 KiB window
 * of cached pages), which on a log's tail are pages no slice has covered yet.
 */
export interface Mappable {
  /** Drops the segment's reference to its mapping. */
  releaseMapping(): void;
  /** Takes the mapping's pages out of the process's page tables (they stay cached). */
  releaseResidentPages(): void;
}

export class MappingBudget {
  // A Map iterates in insertion order; re-inserting on use makes it an LRU.
  private readonly mapped = new Map<Mappable, true>();
  /** Segments read since the last trimResident. */
  private readonly touched = new Set<Mappable>();

  constructor(private limit: number) {}

  get size(): number {
    return this.mapped.size;
  }

  setLimit(limit: number): void {
    this.limit = Math.max(1, limit);
    this.evictOverLimit();
  }

  /** Records a use of `segment`'s mapping, evicting the least recently used beyond the limit. */
  touch(segment: Mappable): void {
    this.touched.add(segment);
    if (this.mapped.has(segment)) {
      this.mapped.delete(segment);
      this.mapped.set(segment, true);
      return;
    }
    this.mapped.set(segment, true);
    this.evictOverLimit();
  }

  /** Releases the resident pages of every segment read since the last call. */
  trimResident(): void {
    const touched = [...this.touched];
    this.touched.clear();
    for (const segment of touched) if (this.mapped.has(segment)) segment.releaseResidentPages();
  }

  forget(segment: Mappable): void {
    this.mapped.delete(segment);
    this.touched.delete(segment);
  }

  private evictOverLimit(): void {
    while (this.mapped.size > this.limit) {
      const oldest = this.mapped.keys().next().value as Mappable;
      this.mapped.delete(oldest);
      this.touched.delete(oldest);
      oldest.releaseMapping();
    }
  }
}

/** The process-wide budget; the log manager sets its limit from configuration. */
export const defaultMappingBudget = new MappingBudget(1024);
