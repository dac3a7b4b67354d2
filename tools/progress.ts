/**
 * A one-line progress indicator for long runs (verify over many segments). It writes to stderr and
 * only when stderr is a terminal, so piped or captured output (scripts, tests, --json) stays clean.
 */

interface ProgressStream {
  isTTY?: boolean;
  write(text: string): boolean;
}

export class Progress {
  private done = 0;
  private lastDraw = 0;
  private drawn = false;
  private readonly enabled: boolean;

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly stream: ProgressStream = process.stderr,
    /** Minimum ms between redraws: redrawing per segment would cost more than the work. */
    private readonly intervalMs = 100,
  ) {
    this.enabled = stream.isTTY === true;
  }

  /** Counts one unit of work done; `detail` names what is being worked on. */
  tick(detail = ''): void {
    this.done++;
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.lastDraw < this.intervalMs && this.done < this.total) return;
    this.lastDraw = now;
    const line = `${this.label} ${this.done}/${this.total}${detail ? ` ${detail}` : ''}`;
    // \x1b[K clears what is left of a longer previous line.
    this.stream.write(`\r${line}\x1b[K`);
    this.drawn = true;
  }

  /** Clears the line so the report that follows starts on a clean line. */
  finish(): void {
    if (this.enabled && this.drawn) this.stream.write('\r\x1b[K');
    this.drawn = false;
  }
}
