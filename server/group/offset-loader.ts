/**
 * Reading one partition of __consumer_offsets back, from its log start to its log end, as a
 * coordinator does when it opens or takes the partition over: every keyed record of every data
 * batch (control batches skipped) goes to `apply` in log order. A record the caller cannot parse
 * (damage, or a format it does not know) is skipped with a warning, never fatal: one bad record
 * must not keep the broker from starting. A read that fails ends the load with an error logged;
 * what was read stays applied.
 */
import { iterateBatches, readRecords, type PartitionLog } from '../../engine/index.js';
import type { Logger } from '../logger.js';

const READ_CHUNK_BYTES = 1 << 20;

/** `apply` throws for a record it cannot parse. */
export async function replayOffsetsPartition(
  log: PartitionLog,
  apply: (key: Buffer, value: Buffer | null) => void,
  logger: Logger,
): Promise<void> {
  const { topic, partition } = log;
  let position = log.logStartOffset;
  let skipped = 0;
  let firstSkipped = -1;
  const skip = (offset: number, err: unknown): void => {
    if (skipped++ === 0) {
      firstSkipped = offset;
      logger.warn({ partition, offset, err }, `skipping a record of ${topic} that cannot be parsed`);
    }
  };
  try {
    while (position < log.logEndOffset) {
      const read = await log.read(position, READ_CHUNK_BYTES);
      if (read.records.length === 0) break;
      for (const batch of iterateBatches(read.records)) {
        position = batch.lastOffset + 1;
        if (batch.isControl) continue;
        try {
          let offset = batch.baseOffset;
          for (const record of readRecords(batch)) {
            offset = record.offset;
            if (!record.key) continue;
            try {
              apply(record.key, record.value);
            } catch (err) {
              skip(offset, err);
            }
          }
        } catch (err) {
          skip(batch.baseOffset, err);
        }
      }
    }
  } catch (err) {
    logger.error(
      { partition, offset: position, err },
      `cannot read ${topic} past this offset: committed offsets after it are not loaded`,
    );
  }
  if (skipped > 1)
    logger.warn(
      { partition, skipped, firstOffset: firstSkipped },
      `skipped records of ${topic} that cannot be parsed`,
    );
}
