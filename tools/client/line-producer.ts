/**
 * The producer behind `kiln produce`: per-partition batches that go out as soon as the input has
 * nothing more ready. Each added record schedules a flush for after the records already read
 * (setImmediate runs once the input's pending lines are handled), so a line typed on a terminal is
 * sent at once while a file or fast pipe still fills batches of up to 500 records or 16 KiB.
 */
import { buildBatch, type Codec, type RecordInput } from '../../engine/index.js';
import { ProduceApi } from '../../server/protocol/apis/produce.js';
import type { RequestToSend } from '../../server/protocol/message-types.js';
import {
  checkError,
  partitionForKey,
  type Connection,
  type KafkaClient,
  type TopicMetadata,
} from './kafka-client.js';

const MAX_BATCH_RECORDS = 500;
const MAX_BATCH_BYTES = 16 * 1024;
/** Produce requests in flight at once: enough to keep the pipe full, bounded for memory. */
const MAX_IN_FLIGHT = 8;

interface PendingBatch {
  records: RecordInput[];
  bytes: number;
}

export class LineProducer {
  /** Called once, when a send fails; the error is thrown by the next add or by flushAll. */
  onError: (err: Error) => void = () => {};
  private readonly pending = new Map<number, PendingBatch>();
  private readonly inFlight: Promise<void>[] = [];
  private failure: Error | undefined;
  private flushScheduled = false;
  private readonly partitions: number;
  /** The partition keyless records go to until its batch is sent. */
  private sticky = 0;
  /** Reused for hashing keys: the key is encoded into it instead of a fresh Buffer per record. */
  private scratch = Buffer.alloc(1024);

  constructor(
    private readonly client: KafkaClient,
    private readonly topic: TopicMetadata,
    private readonly codec: Codec,
    private readonly acks: number,
    private readonly headers: RecordInput['headers'],
    private readonly fixedPartition: number | undefined,
  ) {
    this.partitions = topic.partitions.length;
  }

  /** Adds a record; waits only when too many requests are in flight. */
  async add(key: string | null, value: string, size: number): Promise<void> {
    if (this.failure) throw this.failure;
    const partition = this.partitionFor(key);
    let batch = this.pending.get(partition);
    if (!batch) {
      batch = { records: [], bytes: 0 };
      this.pending.set(partition, batch);
    }
    batch.records.push({ key, value, headers: this.headers });
    // Rough record size (the line plus per-record overhead) to bound the batch near 16 KiB.
    batch.bytes += size + 16;
    if (batch.records.length >= MAX_BATCH_RECORDS || batch.bytes >= MAX_BATCH_BYTES) this.send(partition);
    else this.scheduleFlush();
    while (this.inFlight.length >= MAX_IN_FLIGHT) await this.inFlight.shift();
  }

  /** Sends everything pending and waits for every answer; throws the first failure. */
  async flushAll(): Promise<void> {
    for (const partition of [...this.pending.keys()]) this.send(partition);
    await Promise.all(this.inFlight.splice(0));
    if (this.failure) throw this.failure;
  }

  private partitionFor(key: string | null): number {
    if (this.fixedPartition !== undefined) return this.fixedPartition;
    if (key === null) return this.sticky;
    const needed = Buffer.byteLength(key);
    if (needed > this.scratch.length) this.scratch = Buffer.alloc(needed * 2);
    return partitionForKey(this.scratch, this.partitions, this.scratch.write(key));
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      for (const partition of [...this.pending.keys()]) this.send(partition);
    });
  }

  private send(partition: number): void {
    const batch = this.pending.get(partition);
    if (!batch || this.failure) return;
    this.pending.delete(partition);
    if (partition === this.sticky) this.sticky = (this.sticky + 1) % this.partitions;
    const request = this.request(partition, batch.records).catch((err: Error) => {
      if (this.failure) return;
      this.failure = err;
      this.onError(err);
    });
    this.inFlight.push(request);
  }

  private async request(partition: number, records: RecordInput[]): Promise<void> {
    const leader = this.topic.partitions.find((p) => p.partition === partition)!.leader;
    const conn: Connection = await this.client.node(leader);
    const body: RequestToSend<typeof ProduceApi> = {
      transactionalId: null,
      acks: this.acks,
      timeoutMs: 30_000,
      topicData: [
        {
          name: this.topic.name,
          partitionData: [{ index: partition, records: buildBatch({ records, codec: this.codec }) }],
        },
      ],
    };
    if (this.acks === 0) {
      conn.requestNoResponse(ProduceApi, body);
      return;
    }
    const response = await conn.request(ProduceApi, body);
    for (const t of response.responses) {
      for (const p of t.partitionResponses) {
        checkError(p.errorCode, `produce to ${t.name}-${p.index}`, p.errorMessage);
      }
    }
  }
}
