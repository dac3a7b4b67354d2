/**
 * The moves between data directories under way in a log manager: at most one per partition
 * (log-dir-move.ts does the moving). Asking for a move to where the partition already is does
 * nothing — or cancels the move it had begun; asking for another directory while one is under way
 * cancels that one and begins again, as Kafka does.
 */
import { LogDirMove, type MoveHost, type MoveOutcome } from './log-dir-move.js';
import type { PartitionLog } from './partition-log.js';

/** A partition's copy being made in another data directory (Kafka's future replica). */
export interface FutureLog {
  topic: string;
  partition: number;
  /** The data directory the copy is in (as the manager was given it). */
  dir: string;
  /** Bytes copied so far. */
  size: number;
  /** The offset the copy reaches; the log's end minus this is what it lacks. */
  logEndOffset: number;
}

export class LogDirMoves {
  private readonly moves = new Map<string, LogDirMove>();

  constructor(private readonly host: MoveHost) {}

  /**
   * Moves `log` (by its checkpoint key) from data directory `fromDir` to `toDir`. Returns the move,
   * or undefined when there is nothing to move. Throws a StorageError when the copy's directory
   * cannot be made; the log stays where it is.
   */
  start(key: string, log: PartitionLog, fromDir: string, toDir: string): LogDirMove | undefined {
    const current = this.moves.get(key);
    if (current && current.toDir === toDir) return current;
    this.cancel(key);
    if (fromDir === toDir) return undefined;
    const move = new LogDirMove(log, fromDir, toDir, this.host);
    this.moves.set(key, move);
    void move.outcome.then(() => {
      if (this.moves.get(key) === move) this.moves.delete(key);
    });
    return move;
  }

  /** `logs` (by checkpoint key) without those moving. */
  notMoving<T>(logs: ReadonlyMap<string, T>): ReadonlyMap<string, T> {
    return this.moves.size === 0 ? logs : new Map([...logs].filter(([key]) => !this.moves.has(key)));
  }

  /** How the partition's move ends, if one is under way. */
  outcome(key: string): Promise<MoveOutcome> | undefined {
    return this.moves.get(key)?.outcome;
  }

  /** Stops the partition's move, if any, and removes its copy. */
  cancel(key: string): void {
    this.moves.get(key)?.cancel();
    this.moves.delete(key);
  }

  futures(): FutureLog[] {
    return [...this.moves.values()]
      .filter((move) => move.copying)
      .map((move) => ({
        topic: move.log.topic,
        partition: move.log.partition,
        dir: move.toDir,
        size: move.size,
        logEndOffset: move.logEndOffset,
      }));
  }

  /** A clean stop: every move stops, its copy left for the next start to begin again. */
  abandonAll(): void {
    for (const move of this.moves.values()) move.abandon();
    this.moves.clear();
  }
}
