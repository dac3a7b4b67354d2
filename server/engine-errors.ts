/**
 * The Kafka error code for an error the engine threw, and whether it is worth a log line. It sits
 * below the handlers and the group coordinator, which both answer clients with it. The table is
 * keyed by every engine error code: a new code without a Kafka error does not compile.
 */
import { EngineError, type EngineErrorCode } from '../engine/index.js';
import { ErrorCode } from './protocol/error-codes.js';

const BY_ENGINE_CODE: Record<EngineErrorCode, number> = {
  CORRUPT_RECORD: ErrorCode.CORRUPT_MESSAGE,
  // Damage found on disk: Kafka answers a fetch of it with CORRUPT_MESSAGE too.
  CORRUPT_LOG: ErrorCode.CORRUPT_MESSAGE,
  INVALID_RECORD: ErrorCode.INVALID_RECORD,
  UNSUPPORTED_MAGIC: ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT,
  RECORD_TOO_LARGE: ErrorCode.MESSAGE_TOO_LARGE,
  OFFSET_OUT_OF_RANGE: ErrorCode.OFFSET_OUT_OF_RANGE,
  INVALID_TIMESTAMP: ErrorCode.INVALID_TIMESTAMP,
  INVALID_CONFIG: ErrorCode.INVALID_CONFIG,
  UNKNOWN_CODEC: ErrorCode.CORRUPT_MESSAGE,
  DISK_FULL: ErrorCode.KAFKA_STORAGE_ERROR,
  STORAGE_ERROR: ErrorCode.KAFKA_STORAGE_ERROR,
  // A damaged index, an index that refused an entry, a directory another process holds: the
  // broker's storage failed the request (they were UNKNOWN_SERVER_ERROR, which clients give up on).
  CORRUPT_INDEX: ErrorCode.KAFKA_STORAGE_ERROR,
  INVALID_INDEX_APPEND: ErrorCode.KAFKA_STORAGE_ERROR,
  LOG_DIR_LOCKED: ErrorCode.KAFKA_STORAGE_ERROR,
  LOG_CLOSED: ErrorCode.NOT_LEADER_OR_FOLLOWER,
  OUT_OF_ORDER_SEQUENCE: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
  DUPLICATE_SEQUENCE: ErrorCode.DUPLICATE_SEQUENCE_NUMBER,
  INVALID_PRODUCER_EPOCH: ErrorCode.INVALID_PRODUCER_EPOCH,
};

/** An append refused because this broker stopped leading the partition after it was queued. */
export class NotLeaderError extends Error {
  constructor(topic: string, partition: number) {
    super(`this broker no longer leads ${topic}-${partition}`);
    this.name = 'NotLeaderError';
  }
}

export function errorCodeFor(err: unknown): number {
  if (err instanceof EngineError) return BY_ENGINE_CODE[err.code];
  if (err instanceof NotLeaderError) return ErrorCode.NOT_LEADER_OR_FOLLOWER;
  return ErrorCode.UNKNOWN_SERVER_ERROR;
}

/**
 * Errors that mean a client sent something bad are routine; anything else deserves a log line.
 * Pass the error too where it is at hand: a code alone cannot tell a client's corrupt batch from
 * corruption found on the broker's own disk (both CORRUPT_MESSAGE), and only the latter is news.
 */
export function isClientError(code: number, err?: unknown): boolean {
  if (err instanceof EngineError && err.code === 'CORRUPT_LOG') return false;
  return code !== ErrorCode.UNKNOWN_SERVER_ERROR && code !== ErrorCode.KAFKA_STORAGE_ERROR;
}
