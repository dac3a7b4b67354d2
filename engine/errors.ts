/**
 * The engine's typed errors. Each carries a stable `code` that the server maps onto a Kafka error
 * code and the tools onto a readable message; callers test `instanceof` or `code`, never the text.
 */
export type EngineErrorCode =
  | 'CORRUPT_RECORD'
  | 'CORRUPT_LOG'
  | 'INVALID_RECORD'
  | 'UNSUPPORTED_MAGIC'
  | 'RECORD_TOO_LARGE'
  | 'OFFSET_OUT_OF_RANGE'
  | 'DISK_FULL'
  | 'STORAGE_ERROR'
  | 'LOG_DIR_LOCKED'
  | 'INVALID_CONFIG'
  | 'LOG_CLOSED'
  | 'UNKNOWN_CODEC'
  | 'CORRUPT_INDEX'
  | 'INVALID_INDEX_APPEND'
  | 'INVALID_TIMESTAMP'
  | 'OUT_OF_ORDER_SEQUENCE'
  | 'DUPLICATE_SEQUENCE'
  | 'INVALID_PRODUCER_EPOCH';

export class EngineError extends Error {
  constructor(
    readonly code: EngineErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A batch whose bytes cannot be trusted: bad CRC, truncated, lengths that do not add up. */
export class CorruptRecordError extends EngineError {
  constructor(
    message: string,
    /** Byte position of the bad batch within the buffer or file being read. */
    readonly position: number,
  ) {
    super('CORRUPT_RECORD', message);
  }
}

/**
 * Bytes already in a segment that cannot be batches: a length field that is too small or runs past
 * the segment's end, a bad magic byte where a batch must start. Unlike CorruptRecordError (a
 * client sent a bad batch) this is damage on the broker's own disk, worth a log line.
 */
export class CorruptSegmentError extends EngineError {
  constructor(
    readonly path: string,
    /** File position of the damaged batch header. */
    readonly position: number,
    detail: string,
  ) {
    super('CORRUPT_LOG', `corrupt segment ${path} at position ${position}: ${detail}`);
  }
}

/** A well-formed batch the broker will not take (e.g. a record count that does not match). */
export class InvalidRecordError extends EngineError {
  constructor(message: string) {
    super('INVALID_RECORD', message);
  }
}

/** Message format older than v2 (magic 0 or 1), or an unknown magic. */
export class UnsupportedMagicError extends EngineError {
  constructor(
    readonly magic: number,
    readonly position: number,
  ) {
    super(
      'UNSUPPORTED_MAGIC',
      `record batch magic ${magic} at position ${position} is not supported (need 2)`,
    );
  }
}

export class RecordTooLargeError extends EngineError {
  constructor(
    readonly size: number,
    readonly limit: number,
  ) {
    super('RECORD_TOO_LARGE', `record batch of ${size} bytes exceeds the limit of ${limit} bytes`);
  }
}

export class OffsetOutOfRangeError extends EngineError {
  constructor(
    readonly offset: number,
    readonly logStartOffset: number,
    readonly logEndOffset: number,
  ) {
    super(
      'OFFSET_OUT_OF_RANGE',
      `offset ${offset} is outside the log's range [${logStartOffset}, ${logEndOffset}]`,
    );
  }
}

export class DiskFullError extends EngineError {
  constructor(path: string, cause: unknown) {
    super('DISK_FULL', `no space left on device writing ${path}; the append was not applied`, { cause });
  }
}

export class StorageError extends EngineError {
  constructor(message: string, cause?: unknown) {
    super('STORAGE_ERROR', message, { cause });
  }
}

/**
 * A segment file holds fewer bytes than the log wrote to it: something cut it under the running
 * broker. Reads of it fail with this error instead of touching mapped pages past its end (SIGBUS).
 */
export class SegmentTruncatedError extends StorageError {
  constructor(
    readonly path: string,
    /** Bytes the log holds in the file. */
    readonly expected: number,
    /** Bytes the file has now (or where a read came up short). */
    readonly actual: number,
  ) {
    super(`segment ${path} was cut under the broker: ${actual} bytes on disk, ${expected} written`);
  }
}

export class LogDirLockedError extends EngineError {
  constructor(
    readonly dir: string,
    readonly holderPid: number | undefined,
  ) {
    super(
      'LOG_DIR_LOCKED',
      `data directory ${dir} is in use by another process` + (holderPid ? ` (pid ${holderPid})` : ''),
    );
  }
}

export class InvalidConfigError extends EngineError {
  constructor(
    readonly key: string,
    message: string,
  ) {
    super('INVALID_CONFIG', `invalid value for ${key}: ${message}`);
  }
}

export class LogClosedError extends EngineError {
  constructor(what: string) {
    super('LOG_CLOSED', `${what} is closed`);
  }
}

export class UnknownCodecError extends EngineError {
  constructor(readonly codec: number) {
    super('UNKNOWN_CODEC', `unknown compression codec ${codec}`);
  }
}

/** A batch timestamp too far from the broker's clock (message.timestamp.difference.max.ms). */
export class InvalidTimestampError extends EngineError {
  constructor(message: string) {
    super('INVALID_TIMESTAMP', message);
  }
}

/** An index file whose entries cannot be trusted: not monotonic, a bad length. Rebuild it from the log. */
export class CorruptIndexError extends EngineError {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super('CORRUPT_INDEX', `corrupt index ${path}: ${message}`);
  }
}

/** An index append the index cannot take: out of order, relative offset overflow, full, read-only. */
export class IndexAppendError extends EngineError {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super('INVALID_INDEX_APPEND', `cannot append to index ${path}: ${message}`);
  }
}

/** An idempotent producer's batch whose sequence does not follow the last one appended. */
export class OutOfOrderSequenceError extends EngineError {
  constructor(message: string) {
    super('OUT_OF_ORDER_SEQUENCE', message);
  }
}

/** A retried batch that is a duplicate but no longer in the cache of recent batches. */
export class DuplicateSequenceError extends EngineError {
  constructor(message: string) {
    super('DUPLICATE_SEQUENCE', message);
  }
}

/** A batch from a producer epoch older than the one the partition has seen (a fenced producer). */
export class InvalidProducerEpochError extends EngineError {
  constructor(message: string) {
    super('INVALID_PRODUCER_EPOCH', message);
  }
}
