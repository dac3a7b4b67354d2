/**
 * The engine's public surface: the only module the server, the tools and the benchmarks import
 * from engine/. Everything else in engine/ is internal and may change shape freely.
 */
export * from './errors.js';
export * from './record/record-batch.js';
export * from './record/batch-validate.js';
export * from './record/batch-iterator.js';
export * from './record/batch-builder.js';
export * from './record/record-reader.js';
export * from './record/compression.js';
export * from './record/varint.js';
export * from './workers/worker-pool.js';
export * from './record/codec-pool.js';
export { LogSegment, type SegmentConfig, type SegmentSlice } from './segment/log-segment.js';
export { recoverSegment, type SegmentRecovery } from './segment/segment-recovery.js';
export { OffsetIndex } from './segment/offset-index.js';
export { TimeIndex } from './segment/time-index.js';
export { MappingBudget, defaultMappingBudget } from './segment/mapping-budget.js';
export { OpenFileBudget, defaultOpenFileBudget, descriptorLimit } from './segment/open-file-budget.js';
export { isMapped, releasePages } from './segment/mapped-file.js';
export { releaseSentPages, RELEASE_CHUNK_BYTES } from './segment/sent-pages.js';
export * from './segment/segment-files.js';
export * from './log/log-config.js';
export * from './log/property-value.js';
export * from './log/log-events.js';
export * from './log/topic-properties.js';
export * from './log/checkpoint-file.js';
export { DirLock } from './log/dir-lock.js';
export * from './log/partition-log.js';
export { expiredSegmentCount, type RetainedSegment, type RetentionState } from './log/retention.js';
export {
  LeaderEpochCache,
  LEADER_EPOCH_CHECKPOINT,
  UNDEFINED_EPOCH,
  UNDEFINED_EPOCH_OFFSET,
  type EpochEntry,
  type EpochEndOffset,
} from './log/leader-epoch-cache.js';
export {
  LogManager,
  CLEAN_SHUTDOWN_FILE,
  CLEANER_CHECKPOINT,
  type FutureLog,
  type LogManagerOptions,
  type MoveOutcome,
  type MoveStep,
} from './log/log-manager.js';
export { cleanLog, CLEANING_DIR, type CleanOptions, type CleanResult } from './cleaner/log-cleaner.js';
export { OffsetMap } from './cleaner/offset-map.js';
export { compactBatches, mapKeys, type CompactStats } from './cleaner/compact-batches.js';
