/**
 * Bounds how many segment log files are memory-mapped at once.
 *
 * A mapping cannot be unmapped: its memory (and a deleted file's disk space) is released only when
 * the Buffer is garbage-collected. So the process keeps at most `limit` segments mapped, least
 * recently read first out; a segment that is evicted drops its reference and maps again on its next
 * hot read. Slices already handed out stay valid — they keep the mapping alive themselves.
 */
export interface Mappable {
  /** Drops the segment's reference to its mapping. */
  releaseMapping(): void;
}

export class MappingBudget {
  // A Map iterates in insertion order; re-inserting on use makes it an LRU.
  private readonly mapped = new Map<Mappable, true>();

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
    if (this.mapped.has(segment)) {
      this.mapped.delete(segment);
      this.mapped.set(segment, true);
      return;
    }
    this.mapped.set(segment, true);
    this.evictOverLimit();
  }

  forget(segment: Mappable): void {
    this.mapped.delete(segment);
  }

  private evictOverLimit(): void {
    while (this.mapped.size > this.limit) {
      const oldest = this.mapped.keys().next().value as Mappable;
      this.mapped.delete(oldest);
      oldest.releaseMapping();
    }
  }
}

/** The process-wide budget; the log manager sets its limit from configuration. */
export const defaultMappingBudget = new MappingBudget(1024);
