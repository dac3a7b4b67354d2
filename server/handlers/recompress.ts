/**
 * A topic's `compression.type`: `producer` (the default) stores batches as they were sent; any
 * other value (`uncompressed`, `gzip`, `snappy`, `lz4`, `zstd`) stores them in that codec, so a
 * batch in another codec is rebuilt — records, headers, timestamps, producer id, epoch and
 * sequence kept — with the codec work in the worker pool for large batches.
 */
import { Codec, RecordBatch, readRecordsAsync, rebuildBatch } from '../../engine/index.js';

const TARGET: Record<string, Codec> = {
  uncompressed: Codec.None,
  gzip: Codec.Gzip,
  snappy: Codec.Snappy,
  lz4: Codec.Lz4,
  zstd: Codec.Zstd,
};

/** The batch to store: `batch` itself, or a rebuilt copy in the topic's codec. */
export async function toTopicCodec(batch: Buffer, compressionType: string): Promise<Buffer> {
  const target = TARGET[compressionType];
  if (target === undefined) return batch;
  const view = new RecordBatch(batch);
  if (view.codec === target) return batch;
  const records = await readRecordsAsync(view);
  return rebuildBatch(
    view,
    records.map((r) => ({
      key: r.key,
      value: r.value,
      headers: r.headers,
      timestamp: r.timestamp,
      offsetDelta: r.offset - view.baseOffset,
    })),
    target,
  );
}
