/**
 * Walks a buffer of record batches laid back to back (a produce request's record set, a fetched
 * log slice), validating each batch's header and CRC before handing out a view over it.
 */
import { validateBatch } from './batch-validate.js';
import { LOG_OVERHEAD, RecordBatch } from './record-batch.js';

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

/**
 * Bytes of the whole batches at the start of `records`: a broker may cut a fetched record set's
 * last batch short (or hand back a partial one under a byte limit), and only those before it can be
 * read. Headers are not validated here; iterateBatches does that.
 */
export function completeBatchesLength(records: Buffer): number {
  const header = new RecordBatch(records); // moved from batch to batch
  let end = 0;
  while (header.moveTo(records, end).hasLength) {
    const size = header.sizeInBytes;
    if (size < LOG_OVERHEAD || end + size > records.length) break;
    end += size;
  }
  return end;
}
