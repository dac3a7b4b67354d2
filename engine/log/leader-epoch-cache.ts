/**
 * The leader epoch cache of one partition (KIP-101, KIP-279): for each leader epoch that wrote to
 * the log, the first offset it wrote. A replica that comes back asks the leader where its latest
 * epoch ends (OffsetForLeaderEpoch, answered by endOffsetFor) and truncates there, instead of at
 * its high watermark, which may be behind what was committed.
 *
 * Kept in `leader-epoch-checkpoint` in the partition's directory, in Kafka's text format:
 *
 *   0                     version
 *   2                     number of entries
 *   0 0                   epoch, start offset — one line per epoch, oldest first
 *   3 120
 *
 * Epochs and start offsets both strictly increase down the file. The file is replaced atomically
 * (checkpoint-file.ts), and only when the entries change: a new epoch, a truncation, the log start
 * moving past an entry. A missing file is an empty cache; so is a malformed one (with a line said),
 * which never keeps a log from opening — followers then fall back to their high watermark.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  BASE_OFFSET,
  BATCH_LENGTH,
  LOG_OVERHEAD,
  PARTITION_LEADER_EPOCH,
  readInt64,
} from '../record/record-batch.js';
import { writeFileAtomically } from './checkpoint-file.js';

export const LEADER_EPOCH_CHECKPOINT = 'leader-epoch-checkpoint';
/** OffsetForLeaderEpoch's "no such epoch" and "no such offset". */
export const UNDEFINED_EPOCH = -1;
export const UNDEFINED_EPOCH_OFFSET = -1;

const VERSION = 0;

/** An append's epoch: the leader's, each batch's own (a follower's append), or none (one node). */
export const FROM_BATCHES = 'batches';
export type AppendEpoch = number | typeof FROM_BATCHES | undefined;

export interface EpochEntry {
  readonly epoch: number;
  /** The first offset written in this epoch. */
  readonly startOffset: number;
}

/** OffsetForLeaderEpoch's answer: the largest epoch <= the one asked for, and where it ends. */
export interface EpochEndOffset {
  epoch: number;
  endOffset: number;
}

export class LeaderEpochCache {
  /** Oldest first; epochs and start offsets strictly increasing. */
  private entries: EpochEntry[];
  /** The last entry's epoch, kept apart so the per-append check is one comparison. */
  private latest: number;

  private constructor(
    readonly file: string,
    entries: EpochEntry[],
    private readonly say: (message: string) => void,
  ) {
    this.entries = entries;
    this.latest = entries[entries.length - 1]?.epoch ?? UNDEFINED_EPOCH;
  }

  /** The cache of the partition in `dir`: empty when its file is missing or cannot be read. */
  static load(dir: string, say: (message: string) => void = () => {}): LeaderEpochCache {
    const file = path.join(dir, LEADER_EPOCH_CHECKPOINT);
    let entries: EpochEntry[] = [];
    try {
      entries = parseEntries(fs.readFileSync(file, 'utf8'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
        say(`${file}: ${(err as Error).message}: the leader epoch cache starts empty`);
    }
    return new LeaderEpochCache(file, entries, say);
  }

  /** The latest epoch that wrote to the log (or was assigned at it), -1 when none. */
  get latestEpoch(): number {
    return this.latest;
  }

  /** A copy of the entries, oldest first. */
  epochEntries(): EpochEntry[] {
    return this.entries.slice();
  }

  /**
   * Records that `epoch` starts at `startOffset`. Only a new, larger epoch is recorded; the same
   * epoch again changes nothing and an older one is ignored (with a line said). Entries starting at
   * or after `startOffset` are dropped first, so that start offsets keep increasing. Returns whether
   * the cache changed; the file is written before it returns, and a write that fails throws with
   * the cache as it was.
   */
  assign(epoch: number, startOffset: number): boolean {
    if (epoch <= this.latest) {
      if (epoch >= 0 && epoch < this.latest)
        this.say(
          `${this.file}: epoch ${epoch} at ${startOffset} is older than the latest ${this.latest}: ignored`,
        );
      return false;
    }
    if (startOffset < 0) throw new RangeError(`epoch ${epoch} cannot start at offset ${startOffset}`);
    const before = this.entries;
    const kept = before.filter((entry) => entry.startOffset < startOffset);
    const dropped = before.length - kept.length;
    if (dropped > 1 || (dropped === 1 && before[kept.length]!.startOffset !== startOffset)) {
      // Not just an epoch that never wrote anything: data of those epochs was truncated away.
      this.say(
        `${this.file}: epoch ${epoch} at ${startOffset} drops entries ${describe(before.slice(kept.length))}`,
      );
    }
    kept.push({ epoch, startOffset });
    this.replace(kept);
    try {
      this.persist();
    } catch (err) {
      this.replace(before);
      throw err;
    }
    return true;
  }

  /**
   * An append about to be written, as whole batches in `chunks` from `firstOffset` on: a leader's
   * epoch starts there when it is new; a follower's batches each say their own. The common case —
   * same epoch as before, or none — is one comparison per group (per batch for a follower).
   */
  recordAppend(chunks: readonly Buffer[], epoch: AppendEpoch, firstOffset: number): void {
    if (epoch === FROM_BATCHES) {
      for (let k = 0; k < chunks.length; k++) this.assignFromBatches(chunks[k]!);
    } else if (epoch !== undefined && epoch > this.latest) {
      this.assign(epoch, firstOffset);
    }
  }

  /**
   * A follower's append: every batch in `buf` (whole v2 batches, already validated) carries the
   * epoch of the leader that wrote it. Each batch of a newer epoch starts that epoch at its base
   * offset. Reads two header fields per batch and allocates nothing unless an epoch changes.
   */
  assignFromBatches(buf: Buffer): void {
    for (let pos = 0; pos < buf.length; pos += buf.readInt32BE(pos + BATCH_LENGTH) + LOG_OVERHEAD) {
      const epoch = buf.readInt32BE(pos + PARTITION_LEADER_EPOCH);
      if (epoch > this.latest) this.assign(epoch, readInt64(buf, pos + BASE_OFFSET));
    }
  }

  /**
   * OffsetForLeaderEpoch: the largest epoch <= `requested` and the offset it ends at — the start of
   * the next epoch, or `logEndOffset` for the latest one. Kafka's rules for the edges: -1 asked, an
   * empty cache, or an epoch beyond the latest give (-1, -1); an epoch older than every entry gives
   * (requested, the first entry's start), since whatever came before is gone from the log.
   */
  endOffsetFor(requested: number, logEndOffset: number): EpochEndOffset {
    if (requested === UNDEFINED_EPOCH || requested > this.latest || this.entries.length === 0)
      return { epoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET };
    if (requested === this.latest) return { epoch: requested, endOffset: logEndOffset };
    // The first entry of a later epoch; there is one, since requested < latest.
    let next = 0;
    while (this.entries[next]!.epoch <= requested) next++;
    const floor = this.entries[next - 1];
    return { epoch: floor ? floor.epoch : requested, endOffset: this.entries[next]!.startOffset };
  }

  /** The log was truncated to `offset` (its new end): epochs starting at or after it go. */
  truncateFromEnd(offset: number): void {
    const last = this.entries[this.entries.length - 1];
    if (offset < 0 || !last || last.startOffset < offset) return;
    this.replace(this.entries.filter((entry) => entry.startOffset < offset));
    this.persistOrSay();
  }

  /**
   * The log now starts at `offset`: entries wholly below it go, and the epoch that holds it starts
   * there instead.
   */
  truncateFromStart(offset: number): void {
    let covering = -1;
    while (covering + 1 < this.entries.length && this.entries[covering + 1]!.startOffset <= offset)
      covering++;
    if (covering < 0 || (covering === 0 && this.entries[0]!.startOffset === offset)) return;
    const moved = { epoch: this.entries[covering]!.epoch, startOffset: offset };
    this.replace([moved, ...this.entries.slice(covering + 1)]);
    this.persistOrSay();
  }

  /** Forgets every epoch (the log was emptied); the file, if there is one, says so too. */
  clear(): void {
    if (this.entries.length === 0 && !fs.existsSync(this.file)) return;
    this.replace([]);
    this.persistOrSay();
  }

  /** Forgets every epoch and removes the file (the log is being deleted). */
  delete(): void {
    this.replace([]);
    fs.rmSync(this.file, { force: true });
  }

  private replace(entries: EpochEntry[]): void {
    this.entries = entries;
    this.latest = entries[entries.length - 1]?.epoch ?? UNDEFINED_EPOCH;
  }

  private persist(): void {
    const lines = this.entries.map((entry) => `${entry.epoch} ${entry.startOffset}\n`).join('');
    writeFileAtomically(this.file, `${VERSION}\n${this.entries.length}\n${lines}`);
  }

  /**
   * Truncations follow a change to the log that already happened, so the cache stays as it now is
   * even when the file cannot be written; opening the log trims a stale file to the log again.
   */
  private persistOrSay(): void {
    try {
      this.persist();
    } catch (err) {
      this.say(`${this.file}: ${(err as Error).message}: the file is trimmed again when the log is opened`);
    }
  }
}

/** The entries of a checkpoint file's text; throws on anything malformed. */
function parseEntries(text: string): EpochEntry[] {
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  if (lines[0]?.trim() !== String(VERSION)) throw new Error(`unknown version '${lines[0] ?? ''}'`);
  const count = Number(lines[1]);
  if (!Number.isInteger(count) || count < 0) throw new Error(`bad entry count '${lines[1] ?? ''}'`);
  if (lines.length - 2 !== count) throw new Error(`expected ${count} entries, found ${lines.length - 2}`);
  const entries: EpochEntry[] = [];
  for (const line of lines.slice(2)) {
    const match = /^\s*(\d+)\s+(\d+)\s*$/.exec(line);
    if (!match) throw new Error(`bad line '${line}'`);
    const entry = { epoch: Number(match[1]), startOffset: Number(match[2]) };
    const last = entries[entries.length - 1];
    if (last && (entry.epoch <= last.epoch || entry.startOffset <= last.startOffset))
      throw new Error(`entry '${line}' does not follow ${describe([last])}`);
    entries.push(entry);
  }
  return entries;
}

function describe(entries: readonly EpochEntry[]): string {
  return entries.map((entry) => `(${entry.epoch}, ${entry.startOffset})`).join(' ');
}
