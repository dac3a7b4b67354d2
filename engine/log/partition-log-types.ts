/**
 * The partition log's API types: how a log is opened, what an append or a read asks and answers.
 * The log itself is partition-log.ts.
 */
import type { MappingBudget } from '../segment/mapping-budget.js';
import type { AppendInfo } from './append-validator.js';
import type { LogConfig } from './log-config.js';
import type { LogEvents } from './log-events.js';

/** ListOffsets' special timestamps: the LEO, the log start offset, the record with the largest timestamp. */
export const OffsetSpec = { Latest: -1, Earliest: -2, MaxTimestamp: -3 } as const;

export interface OpenLogOptions {
  dir: string;
  topic: string;
  partition: number;
  config: LogConfig;
  budget: MappingBudget;
  cleanShutdown: boolean;
  recoveryPoint?: number;
  logStartOffset?: number;
  now?: number;
  /** Problems found and what recovery did about them (the broker logs these as warnings). */
  log?: (message: string) => void;
  /** Retention's deletions (info) and segment rolls (debug), see log-events.ts. */
  events?: LogEvents;
}

/** What opening a log had to recover (log-loader.ts). */
export interface LogRecovery {
  /** Whether any segment had to be checked batch by batch or had its indexes rebuilt. */
  recovered: boolean;
  /** Bytes cut off: a torn tail and the segments after it. */
  truncatedBytes: number;
}

export interface AppendRequest {
  /** Followers keep the leader's offsets; everyone else gets offsets assigned. */
  assignOffsets?: boolean;
  leaderEpoch?: number;
  now?: number;
  internal?: boolean;
  /** The batches' CRCs were checked already (a follower's fetcher did, in its worker thread). */
  verified?: boolean;
}

/** What an append did; `logEndOffset` is the LEO once it was written (with the rest of its group). */
export type LogAppendResult = AppendInfo;

export interface LogReadResult {
  /** Whole batches, possibly empty; mapped slices of the segment when the data was hot. */
  records: Buffer;
  /** Base offset of the first batch returned (-1 when empty). */
  firstOffset: number;
  logStartOffset: number;
  logEndOffset: number;
  highWatermark: number;
}

export interface ReadOptions {
  /** Only batches wholly below this offset (the high watermark for consumers). Default: LEO. */
  upTo?: number;
  /** Return at least one batch even when it is larger than maxBytes (KIP-74). Default true. */
  minOneBatch?: boolean;
}

export interface SegmentInfo {
  baseOffset: number;
  size: number;
  maxTimestamp: number;
  path: string;
}
