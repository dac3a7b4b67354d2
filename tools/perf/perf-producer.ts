/**
 * The engine of `kiln perf produce`: generates records into reusable batch buffers and keeps up to
 * --max-in-flight Produce requests in flight per broker, like Kafka's producer (accumulator and
 * sender) cut down to what a load generator needs.
 *
 * - Records are keyless; all partitions' batches are filled in turn ("sticky": a partition gets
 *   records until its batch is full, then the next partition's batch is started).
 * - A batch closes when the next record would not fit in --batch-size. With --linger-ms 0 a
 *   partial batch is sent as soon as its broker has a free request slot and nothing full waits;
 *   with a linger it waits that long for more records first.
 * - Memory is bounded: generation pauses while a broker has one request's worth of closed batches
 *   waiting, and resumes when a response frees a slot. Batch buffers are pooled and reused.
 * - A record's latency runs from its creation (when it entered a batch; under --throughput, on
 *   schedule) to the arrival of its Produce response. With acks=0 there are no responses: a
 *   request is complete once its bytes are written to the socket, and latency is not measured.
 * - Partition errors are counted and named on stderr; NOT_LEADER_OR_FOLLOWER and the like are
 *   retried after a metadata refresh, others fail the batch (and make the command exit 1).
 */
import { CODECS, type ProduceOptions } from './perf-options.js';
import { LatencyHistogram } from './latency-histogram.js';
import { ProgressWindow, produceProgressLine, type ProduceResult } from './perf-report.js';
import { ProduceLanes, type BatchSlot, type ProduceLane } from './produce-lanes.js';
import { RateLimiter } from './rate-limiter.js';
import { RecordBatchWriter, makePayload } from './record-batch-writer.js';
import { errorName, type KafkaClient } from '../client/kafka-client.js';
import { ErrorCode } from '../../server/protocol/error-codes.js';
import { ProduceApi } from '../../server/protocol/apis/produce.js';
import type { ResponseReceived } from '../../server/protocol/message-types.js';
import { RECORDS, type Codec, varintSize } from '../../engine/index.js';

/** With the 100 ms pause before each metadata refresh: a few seconds for a leader to appear. */
const MAX_RETRIES = 30;
const RETRY_BACKOFF_MS = 100;
const RETRIABLE = new Set<number>([
  ErrorCode.NOT_LEADER_OR_FOLLOWER,
  ErrorCode.LEADER_NOT_AVAILABLE,
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  ErrorCode.NOT_ENOUGH_REPLICAS,
  ErrorCode.KAFKA_STORAGE_ERROR,
]);

export interface ProducerOutput {
  /** Progress lines and error reports (stderr). */
  log(line: string): void;
}

export class PerfProducer {
  private readonly histogram = new LatencyHistogram();
  private readonly limiter: RateLimiter;
  private readonly payload: Buffer;
  private readonly codec: Codec;
  private readonly maxRecordsPerBatch: number;
  private readonly free: BatchSlot[] = [];
  private readonly lanes: ProduceLanes;
  private open: BatchSlot | undefined;
  private sticky = 0;
  private generated = 0;
  private acked = 0;
  private requests = 0;
  private errors = 0;
  private retries = 0;
  private failedRecords = 0;
  private readonly errorNames = new Map<string, number>();
  private readonly retryQueue: BatchSlot[] = [];
  private refreshing = false;
  private aborted = false;
  private pumping = false;
  private timer: NodeJS.Timeout | undefined;
  private startMs = 0;
  private endMs = 0;
  private readonly window = new ProgressWindow(0);
  private finish: (() => void) | undefined;
  private failure: Error | undefined;

  constructor(
    private readonly client: KafkaClient,
    private readonly partitions: readonly number[],
    private readonly options: ProduceOptions,
    private readonly output: ProducerOutput,
  ) {
    this.codec = CODECS[options.compression]!;
    this.lanes = new ProduceLanes(client, options.topic, options.acks, options.batchSize);
    this.limiter = new RateLimiter(options.throughput);
    this.payload = makePayload(options.recordSize);
    // The smallest record: 6 one-byte fields, the value length and the value.
    const smallest = 6 + varintSize(options.recordSize) + options.recordSize;
    this.maxRecordsPerBatch = Math.max(1, Math.floor((options.batchSize - RECORDS) / smallest)) + 1;
  }

  /** Runs to completion: every record acknowledged (or written, with acks=0) or failed. */
  async run(): Promise<ProduceResult> {
    const topic = await this.client.topic(this.options.topic);
    await this.lanes.rebuild(this.partitions, topic.partitions);
    const done = new Promise<void>((resolve) => (this.finish = resolve));
    const interval = this.options.reportingIntervalMs;
    const progress =
      interval > 0
        ? setInterval(() => {
            const now = performance.now();
            this.output.log(produceProgressLine(this.window, now, this.options.acks !== 0));
            this.window.reset(now);
          }, interval)
        : undefined;
    this.startMs = performance.now();
    this.window.reset(this.startMs);
    this.limiter.start();
    this.pump();
    try {
      await done;
    } finally {
      clearInterval(progress);
      if (this.timer) clearTimeout(this.timer);
    }
    if (this.failure) this.output.log(`kiln perf produce: ${this.failure.message}`);
    for (const [name, count] of this.errorNames) {
      this.output.log(`kiln perf produce: ${count} batch(es) answered ${name}`);
    }
    return {
      records: this.acked,
      seconds: (this.endMs - this.startMs) / 1000,
      latency: this.options.acks === 0 ? null : this.histogram,
      errors: this.errors,
      retries: this.retries,
      failedRecords: this.failedRecords,
      requests: this.requests,
    };
  }

  /** True when some batch failed for good: the command then exits 1. */
  get failed(): boolean {
    return this.failedRecords > 0 || this.failure !== undefined;
  }

  /** Generates what is due and sends what is ready, until neither makes progress. */
  private pump(): void {
    if (this.pumping || this.finish === undefined) return;
    this.pumping = true;
    try {
      for (;;) {
        this.generate();
        // After a broken connection nothing more is sent; waiting batches are dropped.
        if (this.aborted) break;
        let sent = false;
        for (const lane of this.lanes.byNode.values()) {
          if (lane.ready > 0 && lane.inFlight < this.options.maxInFlight) {
            this.sendRequest(lane);
            sent = true;
          }
        }
        if (sent) continue;
        // Nothing full to send: the open batch goes now if its broker is idle and it may.
        const open = this.open;
        const lane = open && this.lanes.of(open.partition);
        if (open && lane && lane.inFlight < this.options.maxInFlight && this.lingerOver(open)) {
          this.closeOpen();
          continue;
        }
        break;
      }
      this.schedule();
    } finally {
      this.pumping = false;
    }
    this.checkDone();
  }

  /** Creates the records due by now into the open batch, closing full batches on the way. */
  private generate(): void {
    if (this.aborted) return;
    const limit = Math.min(this.limiter.due(), this.options.numRecords);
    const payload = this.payload;
    const timeOrigin = performance.timeOrigin;
    while (this.generated < limit) {
      let slot = this.open;
      if (slot === undefined) {
        slot = this.openBatch();
        if (slot === undefined) return;
      }
      const now = performance.now();
      const writer = slot.writer;
      if (!writer.tryAppend(Math.floor(now - slot.openedAt), payload, timeOrigin + now)) {
        this.closeOpen();
        continue;
      }
      const index = writer.recordCount - 1;
      if (index >= slot.created.length) slot.created = grow(slot.created);
      slot.created[index] = now;
      this.generated++;
    }
    if (this.generated === this.options.numRecords && this.open) this.closeOpen();
  }

  /** Starts a batch for the sticky partition, or undefined while its broker's queue is full. */
  private openBatch(): BatchSlot | undefined {
    for (let tries = 0; tries < this.partitions.length; tries++) {
      const partition = this.partitions[this.sticky]!;
      const lane = this.lanes.of(partition);
      if (lane === undefined) {
        // No leader right now (a refresh is under way): give the records to the next partition.
        this.sticky = (this.sticky + 1) % this.partitions.length;
        continue;
      }
      if (lane.ready >= lane.readyLimit) return undefined;
      const slot = this.free.pop() ?? this.newSlot();
      slot.partition = partition;
      slot.attempts = 0;
      slot.openedAt = performance.now();
      slot.writer.reset(Date.now());
      this.open = slot;
      return slot;
    }
    return undefined;
  }

  private newSlot(): BatchSlot {
    return {
      writer: new RecordBatchWriter(this.options.batchSize, this.codec),
      created: new Float64Array(this.maxRecordsPerBatch),
      partition: -1,
      openedAt: 0,
      records: Buffer.alloc(0),
      attempts: 0,
    };
  }

  private lingerOver(slot: BatchSlot): boolean {
    if (this.options.lingerMs === 0 || this.generated === this.options.numRecords) return true;
    return performance.now() - slot.openedAt >= this.options.lingerMs;
  }

  /** Finishes the open batch, queues it for its partition's broker, moves to the next partition. */
  private closeOpen(): void {
    const slot = this.open!;
    this.open = undefined;
    this.sticky = (this.sticky + 1) % this.partitions.length;
    slot.records = slot.writer.finish();
    if (!this.lanes.enqueue(slot)) this.retryLater([slot]);
  }

  /** One Produce request with the next waiting batch of each of the lane's partitions. */
  private sendRequest(lane: ProduceLane): void {
    const batches = lane.takeRequest();
    const correlationId = lane.conn.nextCorrelationId();
    const frame = lane.encoder.encode(correlationId, batches);
    lane.inFlight++;
    this.requests++;
    if (this.options.acks === 0) {
      lane.conn.writeFrame(frame, (err) => this.onWritten(lane, batches, err ?? undefined));
      return;
    }
    lane.conn.requestFrame(correlationId, frame).then(
      (response) => this.onResponse(lane, batches, response),
      (err: Error) => this.onConnectionFailure(lane, batches, err),
    );
  }

  /** acks=0: the request is done once written. */
  private onWritten(lane: ProduceLane, batches: BatchSlot[], err: Error | undefined): void {
    if (err) return this.onConnectionFailure(lane, batches, err);
    lane.inFlight--;
    for (const slot of batches) this.complete(slot, NaN);
    this.pump();
  }

  private onResponse(lane: ProduceLane, batches: BatchSlot[], frame: Buffer): void {
    lane.inFlight--;
    const now = performance.now();
    let response: ResponseReceived<typeof ProduceApi>;
    try {
      response = lane.conn.decodeResponse(ProduceApi, lane.version, frame);
    } catch (err) {
      return this.onConnectionFailure(lane, batches, err as Error, false);
    }
    const unanswered = batches.slice();
    for (const topic of response.responses) {
      for (const p of topic.partitionResponses) {
        const index = unanswered.findIndex((b) => b.partition === p.index);
        if (index < 0) continue;
        const slot = unanswered[index]!;
        unanswered.splice(index, 1);
        const code = p.errorCode;
        if (code === ErrorCode.NONE) this.complete(slot, now);
        else this.onBatchError(slot, code, p.errorMessage);
      }
    }
    // A batch the broker did not answer for cannot be known to be written.
    for (const slot of unanswered) {
      this.onBatchError(slot, ErrorCode.UNKNOWN_SERVER_ERROR, 'no answer for the partition');
    }
    this.pump();
  }

  /** Counts the batch's records as done; `now` NaN means unmeasured (acks=0). */
  private complete(slot: BatchSlot, now: number): void {
    const count = slot.writer.recordCount;
    if (now === now) {
      const created = slot.created;
      const histogram = this.histogram;
      const window = this.window;
      for (let i = 0; i < count; i++) {
        const latency = now - created[i]!;
        histogram.record(latency);
        window.addLatency(latency);
      }
    }
    this.acked += count;
    this.window.records += count;
    this.window.bytes += count * this.options.recordSize;
    this.free.push(slot);
  }

  private onBatchError(slot: BatchSlot, code: number, message: string | null): void {
    this.errors++;
    const name = errorName(code);
    const seen = this.errorNames.get(name) ?? 0;
    this.errorNames.set(name, seen + 1);
    if (seen === 0) {
      const detail = message ? ` (${message})` : '';
      this.output.log(`kiln perf produce: ${this.options.topic}-${slot.partition}: ${name}${detail}`);
    }
    if (RETRIABLE.has(code) && slot.attempts < MAX_RETRIES && !this.aborted) {
      this.retries++;
      this.retryLater([slot]);
      return;
    }
    this.failBatch(slot);
  }

  private failBatch(slot: BatchSlot): void {
    this.failedRecords += slot.writer.recordCount;
    this.free.push(slot);
  }

  /** Batches to send again once metadata names their partitions' leaders. */
  private retryLater(slots: BatchSlot[]): void {
    for (const slot of slots) {
      if (this.aborted || ++slot.attempts > MAX_RETRIES) this.failBatch(slot);
      else this.retryQueue.push(slot);
    }
    if (this.retryQueue.length > 0) this.refreshMetadata();
  }

  /** The broker connection broke (or answered garbage): nothing more can be sent. */
  private onConnectionFailure(lane: ProduceLane, batches: BatchSlot[], err: Error, decrement = true): void {
    if (decrement) lane.inFlight--;
    this.failure ??= new Error(`broker ${lane.nodeId}: ${err.message}`);
    this.aborted = true;
    for (const slot of batches) {
      this.errors++;
      this.failedRecords += slot.writer.recordCount;
    }
    this.pump();
  }

  /** After a retriable error: new leaders from metadata, then the waiting batches go again. */
  private refreshMetadata(): void {
    if (this.refreshing) return;
    this.refreshing = true;
    void (async () => {
      let leaderless: BatchSlot[] = [];
      try {
        await new Promise((resolve) => setTimeout(resolve, RETRY_BACKOFF_MS));
        const meta = await this.client.metadata([this.options.topic]);
        const topic = meta.topics.find((t) => t.name === this.options.topic);
        leaderless = await this.lanes.rebuild(this.partitions, topic?.partitions ?? []);
      } catch (err) {
        this.failure ??= err as Error;
        this.aborted = true;
      }
      this.refreshing = false;
      const retry = this.retryQueue.splice(0);
      const again: BatchSlot[] = leaderless;
      // Back to the front of their queues, oldest first.
      for (let i = retry.length - 1; i >= 0; i--) {
        const slot = retry[i]!;
        if (this.aborted) this.failBatch(slot);
        else if (!this.lanes.enqueue(slot, true)) again.push(slot);
      }
      // Still no leader: after another pause and refresh, until the retries run out.
      this.retryLater(again);
      this.pump();
    })();
  }

  /** A timer for the next record due (under --throughput) or the open batch's linger. */
  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.aborted) return;
    let wait = Infinity;
    // Always set under --throughput: the next record may have come due since generate() ran (a
    // stalled generator then just looks again in a millisecond).
    if (this.generated < this.options.numRecords && !this.limiter.unlimited) {
      wait = this.limiter.msUntil(this.generated + 1);
    }
    if (this.open && this.options.lingerMs > 0) {
      wait = Math.min(wait, this.open.openedAt + this.options.lingerMs - performance.now());
    }
    if (wait === Infinity) return;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.pump();
      },
      Math.max(1, Math.ceil(wait)),
    );
  }

  private checkDone(): void {
    if (this.finish === undefined || this.refreshing || this.retryQueue.length > 0) return;
    if (!this.aborted && (this.generated < this.options.numRecords || this.open)) return;
    for (const lane of this.lanes.byNode.values()) {
      if (lane.inFlight > 0 || (!this.aborted && lane.ready > 0)) return;
    }
    this.endMs = performance.now();
    const finish = this.finish;
    this.finish = undefined;
    finish();
  }
}

function grow(array: Float64Array): Float64Array {
  const bigger = new Float64Array(array.length * 2);
  bigger.set(array);
  return bigger;
}
