import { describe, expect, it } from 'vitest';
import {
  CorruptIndexError,
  CorruptRecordError,
  IndexAppendError,
  LogDirLockedError,
  OffsetOutOfRangeError,
} from '../../engine/index.js';
import { errorCodeFor, isClientError } from '../../server/engine-errors.js';
import { ErrorCode } from '../../server/protocol/error-codes.js';

describe('engine errors as Kafka error codes', () => {
  it('storage failures that were UNKNOWN_SERVER_ERROR (a damaged index, a refused index entry, a held directory) are KAFKA_STORAGE_ERROR', () => {
    for (const err of [
      new CorruptIndexError('/d/00000000000000000000.index', 'entry 3 goes backwards'),
      new IndexAppendError('/d/00000000000000000000.index', 'offset 5 is not after 9'),
      new LogDirLockedError('/d', 1234),
    ]) {
      expect(errorCodeFor(err), err.code).toBe(ErrorCode.KAFKA_STORAGE_ERROR);
      expect(isClientError(errorCodeFor(err), err)).toBe(false);
    }
  });

  it('a client’s bad batch and an offset out of range are routine; what is not an engine error is unknown', () => {
    const corrupt = new CorruptRecordError('crc mismatch', 0);
    expect(errorCodeFor(corrupt)).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect(isClientError(errorCodeFor(corrupt), corrupt)).toBe(true);
    expect(errorCodeFor(new OffsetOutOfRangeError(9, 0, 5))).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
    expect(errorCodeFor(new Error('boom'))).toBe(ErrorCode.UNKNOWN_SERVER_ERROR);
  });
});
