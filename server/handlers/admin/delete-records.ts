/**
 * DeleteRecords: moves partitions' log start offsets forward; records before it can no longer be
 * read, and segments wholly below it are removed. Behaviours that matter:
 * - offset -1 means "up to the high watermark";
 * - an offset beyond the high watermark, or negative other than -1, is OFFSET_OUT_OF_RANGE;
 * - an offset at or below the current log start offset changes nothing and succeeds;
 * - the answer's lowWatermark is the log start offset afterwards (-1 on error);
 * - an internal topic is INVALID_TOPIC_EXCEPTION, as in Kafka.
 */
import type { BrokerContext } from '../../broker-context.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { DeleteRecordsApi } from '../../protocol/apis/delete-records.js';
import { errorCodeFor, isClientError } from '../../engine-errors.js';
import type { ResponseOf } from '../../protocol/message-types.js';
import { servedLog } from '../served-log.js';
import { reply, type Handler } from '../registry.js';

/** The offset that stands for the high watermark. */
const HIGH_WATERMARK = -1;

type DeletedPartition = ResponseOf<typeof DeleteRecordsApi>['topics'][number]['partitions'][number];

export function deleteRecordsHandler(broker: BrokerContext): Handler<typeof DeleteRecordsApi> {
  return {
    api: DeleteRecordsApi,
    handle(request) {
      const topics = request.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => deleteBefore(broker, t.name, p.partitionIndex, p.offset)),
      }));
      return reply(DeleteRecordsApi, { throttleTimeMs: 0, topics });
    },
  };
}

function deleteBefore(
  broker: BrokerContext,
  topicName: string,
  partitionIndex: number,
  offset: number,
): DeletedPartition {
  const failed = (errorCode: number): DeletedPartition => ({ partitionIndex, lowWatermark: -1, errorCode });
  const served = servedLog(broker, topicName, partitionIndex);
  if ('errorCode' in served) return failed(served.errorCode);
  const { log, topic } = served;
  // As Kafka: records of an internal topic (committed offsets) are removed by the broker alone.
  if (topic.internal) return failed(ErrorCode.INVALID_TOPIC_EXCEPTION);
  const target = offset === HIGH_WATERMARK ? log.highWatermark : offset;
  if (target < 0 || target > log.highWatermark) return failed(ErrorCode.OFFSET_OUT_OF_RANGE);
  try {
    const lowWatermark = log.deleteRecordsBefore(target);
    return { partitionIndex, lowWatermark, errorCode: ErrorCode.NONE };
  } catch (err) {
    const code = errorCodeFor(err);
    if (!isClientError(code))
      broker.log.error({ err, topic: topicName, partition: partitionIndex }, 'delete records failed');
    return failed(code);
  }
}
