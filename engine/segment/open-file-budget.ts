/**
 * Bounds how many segment `.log` files hold an open descriptor at once.
 *
 * A broker with many partitions would otherwise keep a descriptor for every segment file it ever
 * opened and run out of them (EMFILE) long before anything else. A LogFile opens its descriptor on
 * demand and reports it here; past the limit, the least recently used idle files close theirs and
 * open again on their next use. A file with I/O in flight is never closed: when every open file is
 * busy the limit is exceeded for a while rather than failing the I/O.
 *
 * Recency is a counter stamped on each use, so the append and read paths update no map; finding
 * the oldest is a sort, paid only when a file opens over the limit, and it closes a sixteenth of
 * the limit at once so the next opens do not pay it again.
 */
import fs from 'node:fs';

/** A file whose descriptor the budget may close. */
export interface FdHolder {
  /** Stamp of the last use (OpenFileBudget.use). */
  lastUse: number;
  /** Whether the descriptor is open with no I/O in flight: closing it now is safe. */
  readonly idle: boolean;
  /** Closes the descriptor if idle (it reports `closed`); the file reopens on its next use. */
  closeIdle(): void;
}

export class OpenFileBudget {
  private readonly open = new Set<FdHolder>();
  private clock = 0;
  private max: number;

  constructor(limit: number) {
    this.max = Math.max(1, Math.floor(limit));
  }

  /** Files holding a descriptor now. */
  get size(): number {
    return this.open.size;
  }

  get limit(): number {
    return this.max;
  }

  setLimit(limit: number): void {
    this.max = Math.max(1, Math.floor(limit));
    this.closeOverLimit(undefined);
  }

  /** Records a use of `file`'s descriptor. */
  use(file: FdHolder): void {
    file.lastUse = ++this.clock;
  }

  /** `file` opened its descriptor: it counts now, and the oldest idle ones close past the limit. */
  opened(file: FdHolder): void {
    file.lastUse = ++this.clock;
    this.open.add(file);
    this.closeOverLimit(file);
  }

  /** `file` closed its descriptor. */
  closed(file: FdHolder): void {
    this.open.delete(file);
  }

  private closeOverLimit(keep: FdHolder | undefined): void {
    if (this.open.size <= this.max) return;
    const target = this.max - Math.floor(this.max / 16);
    const idle: FdHolder[] = [];
    for (const file of this.open) if (file !== keep && file.idle) idle.push(file);
    idle.sort((a, b) => a.lastUse - b.lastUse);
    for (const file of idle) {
      if (this.open.size <= target) break;
      file.closeIdle();
    }
  }
}

/**
 * A quarter of the process's soft descriptor limit (the rest is for sockets, index files and
 * everything else), at least 64 and at most 4096; 1024 where the limit cannot be read.
 */
export function defaultOpenFileLimit(): number {
  const soft = descriptorLimit();
  return soft === undefined ? 1024 : Math.min(4096, Math.max(64, Math.floor(soft / 4)));
}

/** The process's soft limit on open files (`ulimit -n`), or undefined where /proc cannot tell. */
export function descriptorLimit(): number | undefined {
  try {
    const limits = fs.readFileSync('/proc/self/limits', 'utf8');
    const soft = /^Max open files\s+(\S+)/m.exec(limits)?.[1];
    if (soft === undefined) return undefined;
    return soft === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(soft);
  } catch {
    // Not Linux, or /proc is not mounted.
    return undefined;
  }
}

/** The process-wide budget that segment files use unless given another one. */
export const defaultOpenFileBudget = new OpenFileBudget(defaultOpenFileLimit());
