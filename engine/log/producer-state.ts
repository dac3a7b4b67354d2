/**
 * Idempotent producers' state for one partition: per producer id, its epoch and the last five
 * batches it appended (first/last sequence, first/last offset).
 *
 * A batch from an idempotent producer (producer id >= 0) is checked before it is written:
 * - an older epoch than the one seen is fenced (InvalidProducerEpochError);
 * - a new epoch of a known producer must start at sequence 0;
 * - a producer this partition holds no state for may start at any sequence (Kafka 2.5 and later,
 *   KIP-360; Kiln offers InitProducerId v3+, which tells clients the broker behaves so): its
 *   state expired while it was idle (producer.id.expiration.ms), or a replica rebuilt its state
 *   from a log whose older segments retention or DeleteRecords removed;
 * - a batch whose sequences match one of the last five is a retry: it is not written again, and
 *   the caller answers with the offsets it got the first time;
 * - otherwise its first sequence must follow the last one (wrapping after 2^31 - 1), else
 *   OutOfOrderSequenceError.
 * The state survives restarts through snapshots (producer-snapshot.ts) plus a replay of the log
 * from the snapshot's offset.
 */
import { DuplicateSequenceError, InvalidProducerEpochError, OutOfOrderSequenceError } from '../errors.js';
import {
  BASE_OFFSET,
  BASE_SEQUENCE,
  LAST_OFFSET_DELTA,
  MAX_TIMESTAMP,
  PRODUCER_EPOCH,
  PRODUCER_ID,
  batchSizeAt,
  readInt64,
} from '../record/record-batch.js';

/** How many recent batches per producer are remembered for retries (Kafka's number). */
export const RETAINED_BATCHES = 5;

export interface ProducerBatch {
  firstSeq: number;
  lastSeq: number;
  firstOffset: number;
  lastOffset: number;
}

export interface ProducerEntry {
  producerId: number;
  epoch: number;
  /** Oldest first; at most RETAINED_BATCHES. */
  batches: ProducerBatch[];
  /** The largest record timestamp of its batches (kept in snapshots). */
  lastTimestamp: number;
  /**
   * When this broker last appended a batch of it since it started (its own clock, not kept in
   * snapshots or known from a replay): a producer writing old timestamps (a replay, a mirror) is
   * still active.
   */
  recordedAtMs?: number;
}

const INT32_MAX = 0x7fff_ffff;

/** Producers' entries as they were before some batches were recorded (undefined: no entry then). */
export type ProducerUndo = Map<number, ProducerEntry | undefined>;

function copyOf(entry: ProducerEntry | undefined): ProducerEntry | undefined {
  return entry && { ...entry, batches: entry.batches.slice() };
}

export class ProducerState {
  private readonly producers = new Map<number, ProducerEntry>();
  /**
   * Set once a producer expired: an empty state is then still worth a snapshot, or the last one
   * written (which names the expired producers) would bring them back at the next start.
   */
  private forgotten = false;
  /** Set while a reload runs, and left set when it failed part-way (see reload). */
  private partial = false;

  get size(): number {
    return this.producers.size;
  }

  /** Whether a snapshot should be written: producers known, or some forgotten since start. */
  get worthSnapshot(): boolean {
    return this.producers.size > 0 || this.forgotten;
  }

  entries(): IterableIterator<ProducerEntry> {
    return this.producers.values();
  }

  get(producerId: number): ProducerEntry | undefined {
    return this.producers.get(producerId);
  }

  /**
   * Checks a batch; returns the batch it duplicates (a retry), or undefined when it is new and may
   * be appended. Throws for a fenced epoch or a sequence gap.
   */
  check(producerId: number, epoch: number, firstSeq: number, lastSeq: number): ProducerBatch | undefined {
    const entry = this.producers.get(producerId);
    if (entry && epoch < entry.epoch) {
      throw new InvalidProducerEpochError(
        `producer ${producerId} epoch ${epoch} is older than ${entry.epoch}`,
      );
    }
    if (!entry) return undefined;
    if (epoch > entry.epoch) {
      if (firstSeq !== 0) {
        throw new OutOfOrderSequenceError(
          `producer ${producerId} epoch ${epoch} must start at sequence 0, not ${firstSeq}`,
        );
      }
      return undefined;
    }
    const duplicate = entry.batches.find((b) => b.firstSeq === firstSeq && b.lastSeq === lastSeq);
    if (duplicate) return duplicate;
    const last = entry.batches[entry.batches.length - 1];
    if (!last) return undefined;
    const expected = last.lastSeq === INT32_MAX ? 0 : last.lastSeq + 1;
    if (firstSeq !== expected) {
      // An old sequence that fell out of the cache is a duplicate Kafka can no longer answer for.
      if (inWindowBefore(firstSeq, entry.batches[0]!.firstSeq)) {
        throw new DuplicateSequenceError(`producer ${producerId} sequence ${firstSeq} was appended before`);
      }
      throw new OutOfOrderSequenceError(
        `producer ${producerId} sequence ${firstSeq} does not follow ${last.lastSeq} (expected ${expected})`,
      );
    }
    return undefined;
  }

  /**
   * Records an appended batch (after check, or while replaying the log). `recordedAtMs`: when this
   * broker appended it (undefined in a replay: the batch may be days old).
   */
  update(
    producerId: number,
    epoch: number,
    batch: ProducerBatch,
    timestamp: number,
    recordedAtMs?: number,
  ): void {
    let entry = this.producers.get(producerId);
    if (!entry || epoch !== entry.epoch) {
      entry = { producerId, epoch, batches: [], lastTimestamp: timestamp };
      this.producers.set(producerId, entry);
    }
    entry.batches.push(batch);
    if (entry.batches.length > RETAINED_BATCHES) entry.batches.shift();
    entry.lastTimestamp = Math.max(entry.lastTimestamp, timestamp);
    if (recordedAtMs !== undefined) entry.recordedAtMs = recordedAtMs;
  }

  /**
   * Records the idempotent batches in `buf` (whole batches, offsets assigned). With `headerOnly`,
   * `buf` is a single batch header (a replay from the log).
   */
  recordBatches(buf: Buffer, headerOnly = false, undo?: ProducerUndo): void {
    const recordedAtMs = headerOnly ? undefined : Date.now();
    for (let pos = 0; pos < buf.length;) {
      const producerId = readInt64(buf, pos + PRODUCER_ID);
      if (producerId >= 0) {
        if (undo && !undo.has(producerId)) undo.set(producerId, copyOf(this.producers.get(producerId)));
        const firstOffset = readInt64(buf, pos + BASE_OFFSET);
        const delta = buf.readInt32BE(pos + LAST_OFFSET_DELTA);
        const firstSeq = buf.readInt32BE(pos + BASE_SEQUENCE);
        const batch = {
          firstSeq,
          lastSeq: (firstSeq + delta) % 0x8000_0000,
          firstOffset,
          lastOffset: firstOffset + delta,
        };
        this.update(
          producerId,
          buf.readInt16BE(pos + PRODUCER_EPOCH),
          batch,
          readInt64(buf, pos + MAX_TIMESTAMP),
          recordedAtMs,
        );
      }
      if (headerOnly) return;
      pos += batchSizeAt(buf, pos);
    }
  }

  /** Puts back the entries `undo` saved before recordBatches changed them (an append that failed). */
  undo(undo: ProducerUndo): void {
    for (const [producerId, entry] of undo) {
      if (entry) this.producers.set(producerId, entry);
      else this.producers.delete(producerId);
    }
    undo.clear();
  }

  /** Restores an entry from a snapshot. */
  restore(entry: ProducerEntry): void {
    this.producers.set(entry.producerId, entry);
  }

  clear(): void {
    this.producers.clear();
  }

  /**
   * Rebuilds the state with `rebuild` (the newest snapshot at or below the log end, then the
   * batches after it), as a follower's truncation does. Every producer of the log below the
   * truncation point was known before it, unless it expired since: one the rebuild brings back that
   * was not known (an older snapshot names it) is forgotten again. Those still known keep when this
   * broker last appended them.
   */
  reload(rebuild: () => void): void {
    const known = new Map<number, number | undefined>();
    for (const [id, entry] of this.producers) known.set(id, entry.recordedAtMs);
    // After a rebuild that failed part-way, what is known is not the whole: nothing is forgotten
    // for being unknown until a rebuild has completed again.
    const whole = !this.partial;
    this.partial = true;
    rebuild();
    this.partial = false;
    for (const [id, entry] of this.producers) {
      if (!known.has(id)) {
        if (this.forgotten && whole) this.producers.delete(id);
      } else if (entry.recordedAtMs === undefined) entry.recordedAtMs = known.get(id);
    }
  }

  /**
   * Forgets producers idle for longer than `maxIdleMs` (Kafka's producer id expiration): neither a
   * batch recorded nor a record timestamp in that time.
   */
  expire(now: number, maxIdleMs: number): number {
    let removed = 0;
    for (const [id, entry] of this.producers) {
      if (now - Math.max(entry.lastTimestamp, entry.recordedAtMs ?? 0) > maxIdleMs) {
        this.producers.delete(id);
        this.forgotten = true;
        removed++;
      }
    }
    return removed;
  }
}

/** Whether `seq` lies within a short window just before `oldest` (a retry older than the cache). */
function inWindowBefore(seq: number, oldest: number): boolean {
  const distance = (oldest - seq + 2 ** 31) % 2 ** 31;
  return distance > 0 && distance < 1000;
}
