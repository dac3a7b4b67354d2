/**
 * Produce: append each partition's record batch to its log. The records stay the Buffer slice of
 * the request they arrived in; the engine validates them (CRC, format, size) and patches offsets in
 * place. acks=0 gets no response at all; acks=1 and acks=-1 are answered once the batch is
 * appended (on one node the leader is the whole in-sync replica set). A topic that does not exist
 * is created when auto.create.topics.enable is on, as through Metadata.
 */
import type { BrokerContext } from '../broker-context.js';
import type { AppendWaiters } from '../cluster/append-waiters.js';
import type { RequestOf, ResponseOf } from '../protocol/message-types.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { ProduceApi } from '../protocol/apis/produce.js';
import { errorCodeFor, isClientError } from '../engine-errors.js';
import { toTopicCodec } from './recompress.js';
import { RecordBatch, validateBatch } from '../../engine/index.js';
import { reply, type Handler, type Reply } from './registry.js';

type ProduceRequest = RequestOf<typeof ProduceApi>;
type PartitionData = ProduceRequest['topicData'][number]['partitionData'][number];
type ProducedTopic = ResponseOf<typeof ProduceApi>['responses'][number];
type ProducedPartition = ProducedTopic['partitionResponses'][number];

export function produceHandler(broker: BrokerContext, waiters: AppendWaiters): Handler<typeof ProduceApi> {
  // Requests on one connection are appended in the order they arrived, as Kafka does: a request
  // that must wait (recompression in the worker pool, several partitions) holds back the next.
  const inOrder = new WeakMap<object, Promise<unknown>>();
  const produce = async (request: ProduceRequest): Promise<Reply<typeof ProduceApi> | null> => {
    const { acks } = request;
    const responses: ProducedTopic[] = [];
    for (const topicData of request.topicData) {
      const partitionResponses: ProducedPartition[] = [];
      for (const data of topicData.partitionData) {
        partitionResponses.push(
          acks === 0 || acks === 1 || acks === -1
            ? await appendPartition(broker, waiters, topicData.name, data)
            : { index: data.index, errorCode: ErrorCode.INVALID_REQUIRED_ACKS, baseOffset: -1 },
        );
      }
      responses.push({ name: topicData.name, partitionResponses });
    }
    return acks === 0 ? null : reply(ProduceApi, { responses, throttleTimeMs: 0 });
  };
  return {
    api: ProduceApi,
    // The log copies the records into its segment (or the codec pool's output) before the
    // request is answered: nothing keeps a view of the frame.
    requestCopied: true,
    handle(request, _version, context) {
      const connection = context.connection;
      if (!connection) return produce(request);
      const previous = inOrder.get(connection) ?? Promise.resolve();
      const result = previous.then(() => produce(request));
      inOrder.set(
        connection,
        result.catch(() => undefined),
      );
      return result;
    },
  };
}

async function appendPartition(
  broker: BrokerContext,
  waiters: AppendWaiters,
  topicName: string,
  data: PartitionData,
): Promise<ProducedPartition> {
  const failed = (errorCode: number, errorMessage: string | null = null): ProducedPartition => ({
    index: data.index,
    errorCode,
    baseOffset: -1,
    logAppendTimeMs: -1,
    logStartOffset: -1,
    errorMessage,
  });
  const topic = broker.topics.store.get(topicName);
  if (!topic && broker.config.autoCreateTopics) {
    // auto.create.topics.enable covers Produce too: the topic is made now and the client, told the
    // leader is not available yet, refreshes its metadata and sends again.
    const created = broker.topics.create(topicName, -1, -1, {});
    if (created.errorCode !== ErrorCode.NONE) return failed(created.errorCode, created.errorMessage);
    return failed(ErrorCode.LEADER_NOT_AVAILABLE);
  }
  const log =
    topic && data.index >= 0 && data.index < topic.partitions
      ? broker.logs.getLog(topicName, data.index)
      : undefined;
  if (!log) return failed(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  // Internal topics are written by the broker alone: a forged record in __consumer_offsets could
  // move other groups' offsets, or be unreadable to the offset store.
  if (topic!.internal)
    return failed(ErrorCode.INVALID_TOPIC_EXCEPTION, `cannot append to internal topic ${topicName}`);
  const records = data.records;
  if (!records || records.length === 0)
    return failed(ErrorCode.INVALID_RECORD, 'the produce request holds no records');
  // The header as sent, before any check: the magic byte is at the same place in every format.
  const batch = new RecordBatch(records);
  if (batch.hasMagic && batch.magic !== 2) {
    return failed(
      ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT,
      `message format v${batch.magic} is not supported`,
    );
  }
  // Produce v3+ carries exactly one batch per partition.
  if (batch.hasLength && batch.sizeInBytes !== records.length) {
    return failed(
      ErrorCode.INVALID_RECORD,
      'a produce request must hold exactly one record batch per partition',
    );
  }
  try {
    // Checked as sent (CRC, format), then stored in the topic's codec when it names one.
    const compression = log.config.compressionType;
    const stored = compression === 'producer' ? records : await toTopicCodec(validated(records), compression);
    const result = log.append(stored);
    waiters.notify(`${topicName}-${data.index}`);
    return {
      index: data.index,
      errorCode: ErrorCode.NONE,
      baseOffset: result.firstOffset,
      logAppendTimeMs: result.logAppendTime,
      logStartOffset: log.logStartOffset,
      errorMessage: null,
    };
  } catch (err) {
    const code = errorCodeFor(err);
    if (!isClientError(code))
      broker.log.error({ err, topic: topicName, partition: data.index }, 'append failed');
    return failed(code, (err as Error).message);
  }
}

/** The batch after its shallow checks (CRC, format): a corrupt batch is not rebuilt into a valid one. */
function validated(records: Buffer): Buffer {
  validateBatch(records, 0);
  return records;
}
