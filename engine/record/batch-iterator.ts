/**
 * Walks a buffer of record batches laid back to back (a produce request's record set, a fetched
 * log slice), validating each batch's header and CRC before handing out a view over it.
 */
import { validateBatch } from './batch-validate.js';
import { RecordBatch } from './record-batch.js';

/**
 * Yields a RecordBatch view per batch in `buf`. Throws CorruptRecordError (or
 * UnsupportedMagicError) at the first truncated or corrupt batch; the batches before it have
 * already been yielded.
 */
export function* iterateBatches(buf: Buffer): Generator<RecordBatch> {
  let pos = 0;
  while (pos < buf.length) {
    const size = validateBatch(buf, pos);
    yield new RecordBatch(buf, pos);
    pos += size;
  }
}
