/** The Kafka error code for an error the engine threw, and whether it is worth a log line. */
import { EngineError } from '../../engine/index.js';
import { ErrorCode } from '../protocol/error-codes.js';

const BY_ENGINE_CODE: Record<string, number> = {
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
  LOG_CLOSED: ErrorCode.NOT_LEADER_OR_FOLLOWER,
  OUT_OF_ORDER_SEQUENCE: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
  DUPLICATE_SEQUENCE: ErrorCode.DUPLICATE_SEQUENCE_NUMBER,
  INVALID_PRODUCER_EPOCH: ErrorCode.INVALID_PRODUCER_EPOCH,
};

export function errorCodeFor(err: unknown): number {
  if (err instanceof EngineError) return BY_ENGINE_CODE[err.code] ?? ErrorCode.UNKNOWN_SERVER_ERROR;
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
