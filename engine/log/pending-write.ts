/**
 * The batches of one PartitionLog.appendMany call that passed validation and have their offsets,
 * gathered to be written to the active segment in one write, with what is needed to answer each
 * one or to take them all back.
 */
import type { AppendInfo } from './append-validator.js';
import type { LogAppendResult } from './partition-log-types.js';
import type { ProducerUndo } from './producer-state.js';

/** Batches validated and given offsets, waiting to be written together. */
export class PendingWrite {
  /** Their places in the caller's list, their bytes, what validation said of each. */
  readonly indexes: number[] = [];
  readonly chunks: Buffer[] = [];
  readonly infos: AppendInfo[] = [];
  bytes = 0;
  /** Producers' retries of batches in this group: answered only once those are written. */
  readonly duplicates: number[] = [];
  readonly duplicateInfos: AppendInfo[] = [];
  /** The producers' entries as they were before these batches were recorded. */
  readonly undo: ProducerUndo = new Map();

  add(index: number, records: Buffer, info: AppendInfo): void {
    this.indexes.push(index);
    this.chunks.push(records);
    this.infos.push(info);
    this.bytes += records.length;
  }

  /** Gives every batch of the group (and every duplicate of one) its result, the LEO filled in. */
  settle(results: (LogAppendResult | Error)[], logEndOffset: number): void {
    for (let k = 0; k < this.indexes.length; k++) {
      const info = this.infos[k]!;
      info.logEndOffset = logEndOffset;
      results[this.indexes[k]!] = info;
    }
    for (let k = 0; k < this.duplicates.length; k++) {
      const info = this.duplicateInfos[k]!;
      info.logEndOffset = logEndOffset;
      results[this.duplicates[k]!] = info;
    }
  }

  /** Gives every batch of the group (and every duplicate of one) `err`. */
  fail(results: (LogAppendResult | Error)[], err: Error): void {
    for (const index of this.indexes) results[index] = err;
    for (const index of this.duplicates) results[index] = err;
  }

  clear(): void {
    this.duplicates.length = 0;
    this.duplicateInfos.length = 0;
    this.indexes.length = 0;
    this.chunks.length = 0;
    this.infos.length = 0;
    this.bytes = 0;
    this.undo.clear();
  }
}

/** A write or roll failed before item `from`: it and everything after it fail with `err`. */
export function failRest(
  results: (LogAppendResult | Error)[],
  from: number,
  err: Error,
): (LogAppendResult | Error)[] {
  for (let i = from; i < results.length; i++) if (results[i] === undefined) results[i] = err;
  return results;
}
