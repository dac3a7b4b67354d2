/**
 * Produce: append each partition's record batch to its log. The records stay the Buffer slice of
 * the request they arrived in; the engine validates them (CRC, format, size) and patches offsets in
 * place. acks=0 gets no response at all; acks=1 is answered once the batch is appended, and so is
 * acks=-1 on one node (the leader is the whole in-sync replica set). In a cluster acks=-1 is
 * refused with NOT_ENOUGH_REPLICAS when the ISR is below the topic's min.insync.replicas, and
 * answered once the high watermark passes the batch (REQUEST_TIMED_OUT after the request's
 * timeout; NOT_ENOUGH_REPLICAS_AFTER_APPEND if the ISR shrank below the minimum meanwhile).
 * The appends of one turn to one partition share one write (turn-appends.ts). A topic that does not exist
 * is created when auto.create.topics.enable is on, as through Metadata.
 */
import type { BrokerContext } from '../broker-context.js';
import type { AppendWaiters } from '../cluster/append-waiters.js';
import type { RequestOf, ResponseOf } from '../protocol/message-types.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { ProduceApi } from '../protocol/apis/produce.js';
import { NotLeaderError, errorCodeFor, isClientError } from '../engine-errors.js';
import { toTopicCodec } from './recompress.js';
import { RecordBatch, validateBatch, type LogAppendResult, type PartitionLog } from '../../engine/index.js';
import { reply, type Handler, type Reply } from './registry.js';
import { ProduceRefusals } from './produce-refusals.js';
import { servedLog } from './served-log.js';
import { TurnAppends, type AppendSink } from './turn-appends.js';

type ProduceRequest = RequestOf<typeof ProduceApi>;
type PartitionData = ProduceRequest['topicData'][number]['partitionData'][number];
type ProducedTopic = ResponseOf<typeof ProduceApi>['responses'][number];
type ProducedPartition = ProducedTopic['partitionResponses'][number];

export function produceHandler(broker: BrokerContext, waiters: AppendWaiters): Handler<typeof ProduceApi> {
  const appends = new TurnAppends(
    (err) => broker.log.error({ err }, 'answering a produce failed'),
    // Leadership may have moved between the check at queue time and the write.
    (log) =>
      broker.replicas && broker.replicas.leaderError(log.topic, log.partition) !== ErrorCode.NONE
        ? new NotLeaderError(log.topic, log.partition)
        : undefined,
  );
  const refusals = new ProduceRefusals(broker.log, {
    explain: (topic, partition) => broker.replicas?.describeLeadership(topic, partition),
  });
  /** Per connection: set while its last request still has appends to queue (recompression). */
  const queuing = new WeakMap<object, Promise<unknown>>();
  // Each partition's append is queued in request order, and all of a turn's appends to one
  // partition are written together (turn-appends.ts). A request queues its appends only after the
  // one before it on the connection has queued its own, as Kafka appends them in arrival order: a
  // request that must wait (recompression in the worker pool) holds back the next.
  const start = (request: ProduceRequest, clientId: string | null): PendingProduce => {
    const pending = new PendingProduce(broker, waiters, request.acks, request.timeoutMs, refusals, clientId);
    const valid = request.acks === 0 || request.acks === 1 || request.acks === -1;
    for (const topicData of request.topicData) {
      const partitions: ProducedPartition[] = [];
      pending.responses.push({ name: topicData.name, partitionResponses: partitions });
      for (const data of topicData.partitionData) {
        const slot = pending.add(topicData.name, data.index, partitions);
        if (!valid) pending.fail(slot, ErrorCode.INVALID_REQUIRED_ACKS);
        else {
          // Never thrown out of here: the appends already queued hold views of this request's
          // frame, which must not go back to the frame pool before they are written.
          try {
            queuePartition(broker, appends, pending, slot, topicData.name, data);
          } catch (err) {
            pending.refuse(slot, err);
          }
        }
      }
    }
    return pending;
  };
  return {
    api: ProduceApi,
    // The log copies the records into its segment (or the codec pool's output) before the
    // request is answered: nothing keeps a view of the frame.
    requestCopied: true,
    handle(request, _version, context) {
      const connection = context.connection;
      const clientId = context.header.clientId;
      const before = connection ? queuing.get(connection) : undefined;
      if (!before) {
        const pending = start(request, clientId);
        if (pending.queuing && connection) holdNext(connection, pending.queuing);
        return pending.answer();
      }
      const started = before.then(() => start(request, clientId));
      holdNext(
        connection!,
        started.then((pending) => pending.queuing),
      );
      return started.then((pending) => pending.answer());
    },
  };

  function holdNext(connection: object, until: Promise<unknown>): void {
    const done = until.then(
      () => undefined,
      () => undefined,
    );
    queuing.set(connection, done);
    void done.then(() => {
      if (queuing.get(connection) === done) queuing.delete(connection);
    });
  }
}

/**
 * One produce request in flight: its response, each partition's entry filled in as that
 * partition's append is written (or refused); answered when the last one is.
 */
class PendingProduce implements AppendSink {
  readonly responses: ProducedTopic[] = [];
  private readonly slots: ProducedPartition[] = [];
  private readonly logs: (PartitionLog | undefined)[] = [];
  private readonly topicNames: string[] = [];
  private waiting = 0;
  private finish: (() => void) | undefined;
  /** Settles once every append of this request is queued, when some had to wait (recompression). */
  queuing: Promise<unknown> | undefined;

  constructor(
    private readonly broker: BrokerContext,
    private readonly waiters: AppendWaiters,
    readonly acks: number,
    private readonly timeoutMs: number,
    /** Told of each partition answered with an error, with the request's client id. */
    private readonly refusals: ProduceRefusals,
    private readonly clientId: string | null,
  ) {}

  /** A partition's entry, not yet answered; returns its slot. */
  add(topic: string, index: number, partitions: ProducedPartition[]): number {
    const entry: ProducedPartition = {
      index,
      errorCode: ErrorCode.NONE,
      baseOffset: -1,
      logAppendTimeMs: -1,
      logStartOffset: -1,
      errorMessage: null,
    };
    partitions.push(entry);
    this.slots.push(entry);
    this.logs.push(undefined);
    this.topicNames.push(topic);
    return this.slots.length - 1;
  }

  /** The slot waits for an append to `log`. */
  expect(slot: number, log: PartitionLog): void {
    this.logs[slot] = log;
    this.waiting++;
  }

  /** The slot's partition could not be queued: its error, whether or not it was waiting. */
  refuse(slot: number, err: unknown): void {
    if (this.logs[slot] !== undefined)
      this.appended(slot, err instanceof Error ? err : new Error(String(err)));
    else this.failWith(slot, err);
  }

  fail(slot: number, errorCode: number, errorMessage: string | null = null): void {
    const entry = this.slots[slot]!;
    entry.errorCode = errorCode;
    entry.errorMessage = errorMessage;
  }

  failWith(slot: number, err: unknown): void {
    const code = errorCodeFor(err);
    if (!isClientError(code)) {
      const partition = this.slots[slot]!.index;
      this.broker.log.error({ err, topic: this.topicNames[slot], partition }, 'append failed');
    }
    this.fail(slot, code, (err as Error).message);
  }

  appended(slot: number, result: LogAppendResult | Error): void {
    if (result instanceof Error) {
      this.failWith(slot, result);
    } else {
      const entry = this.slots[slot]!;
      entry.baseOffset = result.firstOffset;
      entry.logAppendTimeMs = result.logAppendTime;
      entry.logStartOffset = this.logs[slot]!.logStartOffset;
      this.broker.metrics?.topics.appended(this.topicNames[slot]!, result.bytes, result.records);
      this.waiters.notify(`${this.topicNames[slot]}-${entry.index}`);
      const replicas = this.broker.replicas;
      if (this.acks === -1 && replicas) {
        // acks=all in a cluster: answered when the ISR has it.
        const timeout = Math.max(0, this.timeoutMs);
        void replicas
          .waitForReplication(this.topicNames[slot]!, entry.index, result.lastOffset + 1, timeout)
          .then((errorCode) => {
            if (errorCode !== ErrorCode.NONE) this.fail(slot, errorCode);
            this.done();
          });
        return;
      }
    }
    this.done();
  }

  private done(): void {
    if (--this.waiting === 0 && this.finish) this.finish();
  }

  /** The response, once every append is done (null for acks=0). */
  answer(): Reply<typeof ProduceApi> | null | Promise<Reply<typeof ProduceApi> | null> {
    if (this.waiting === 0) return this.body();
    return new Promise((resolve) => {
      this.finish = () => resolve(this.body());
    });
  }

  private body(): Reply<typeof ProduceApi> | null {
    this.broker.metrics?.produceAnswered(this.topicNames, this.slots, this.logs);
    for (let i = 0; i < this.slots.length; i++) {
      const slot = this.slots[i]!;
      if (slot.errorCode !== ErrorCode.NONE)
        this.refusals.note(this.topicNames[i]!, slot.index, slot.errorCode, this.clientId);
    }
    return this.acks === 0 ? null : reply(ProduceApi, { responses: this.responses, throttleTimeMs: 0 });
  }
}

/** Checks one partition's data and queues its append (after recompression, when the topic asks). */
function queuePartition(
  broker: BrokerContext,
  appends: TurnAppends,
  pending: PendingProduce,
  slot: number,
  topicName: string,
  data: PartitionData,
): void {
  const failed = (errorCode: number, errorMessage: string | null = null): void =>
    pending.fail(slot, errorCode, errorMessage);
  const served = servedLog(broker, topicName, data.index);
  if ('errorCode' in served) {
    const unknown = served.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
    if (unknown && broker.config.autoCreateTopics && !topicKnown(broker, topicName)) {
      // auto.create.topics.enable covers Produce too: the topic is made now (in a cluster, in
      // ZooKeeper) and the client, told the leader is not available yet, sends again.
      const made = autoCreate(broker, topicName);
      return failed(made.errorCode, made.errorMessage);
    }
    return failed(served.errorCode);
  }
  const { log, topic } = served;
  if (pending.acks === -1 && broker.replicas) {
    const short = broker.replicas.enoughReplicasError(topicName, data.index, log);
    if (short !== ErrorCode.NONE) return failed(short);
  }
  // Internal topics are written by the broker alone: a forged record in __consumer_offsets could
  // move other groups' offsets, or be unreadable to the offset store.
  if (topic.internal)
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
  // Checked as sent (CRC, format), then stored in the topic's codec when it names one.
  const compression = log.config.compressionType;
  pending.expect(slot, log);
  if (compression === 'producer') {
    appends.append(log, records, pending, slot);
    return;
  }
  const queued = Promise.resolve()
    .then(() => toTopicCodec(validated(records), compression))
    .then(
      (stored) => appends.append(log, stored, pending, slot),
      (err: unknown) => pending.appended(slot, err instanceof Error ? err : new Error(String(err))),
    );
  pending.queuing = pending.queuing ? Promise.all([pending.queuing, queued]) : queued;
}

/** The batch after its shallow checks (CRC, format): a corrupt batch is not rebuilt into a valid one. */
function validated(records: Buffer): Buffer {
  validateBatch(records, 0);
  return records;
}

/** Whether the topic exists, here or (in a cluster) anywhere. */
function topicKnown(broker: BrokerContext, name: string): boolean {
  return broker.topics.store.get(name) !== undefined || broker.metadata?.partitions(name) !== undefined;
}

/** Auto-creates a topic (in ZooKeeper in a cluster); LEADER_NOT_AVAILABLE when it goes ahead. */
function autoCreate(broker: BrokerContext, name: string): { errorCode: number; errorMessage: string | null } {
  if (broker.clusterTopics)
    return broker.clusterTopics.autoCreate(name, -1, -1, {}, 'a Produce request was sent to it');
  const created = broker.topics.autoCreate(name, 'a Produce request was sent to it');
  if (created.errorCode !== ErrorCode.NONE) return created;
  return { errorCode: ErrorCode.LEADER_NOT_AVAILABLE, errorMessage: null };
}
