/**
 * Where `kiln perf produce`'s closed batches wait for a request slot: one lane per broker, with its
 * connection, its requests in flight and, per partition it leads, a queue of finished batches. A
 * request takes the next batch of each of the lane's partitions (one per partition, as Kafka's
 * sender drains), up to Kafka's max.request.size. The lanes are rebuilt from metadata when leaders
 * move, and the waiting batches move with their partitions.
 */
import type { Connection, KafkaClient } from '../client/kafka-client.js';
import { ProduceApi } from '../../server/protocol/apis/produce.js';
import { ProduceRequestEncoder } from './produce-request.js';
import type { RecordBatchWriter } from './record-batch-writer.js';

/** Kafka's max.request.size: a request takes batches of several partitions up to this. */
export const MAX_REQUEST_BYTES = 1024 * 1024;
const REQUEST_TIMEOUT_MS = 30_000;

/** One reusable batch buffer and what belongs to the batch in it. */
export interface BatchSlot {
  readonly writer: RecordBatchWriter;
  /** Creation time (performance.now() ms) of each record, for its latency. */
  created: Float64Array;
  partition: number;
  /** When the batch got its first record (performance.now() ms), for the linger. */
  openedAt: number;
  /** The finished batch: a view of the writer's buffer, valid until the slot is reused. */
  records: Buffer;
  attempts: number;
}

/** One broker: its connection, its request slots and the closed batches waiting for them. */
export class ProduceLane {
  inFlight = 0;
  /** Closed batches waiting, over all partitions. */
  ready = 0;
  /** How many may wait before generation pauses: one request's worth. */
  readyLimit = 1;
  partitions: number[] = [];
  private readonly queues = new Map<number, BatchSlot[]>();
  private drainFrom = 0;

  constructor(
    readonly nodeId: number,
    readonly conn: Connection,
    readonly version: number,
    readonly encoder: ProduceRequestEncoder,
  ) {}

  enqueue(slot: BatchSlot, atFront: boolean): void {
    let queue = this.queues.get(slot.partition);
    if (!queue) this.queues.set(slot.partition, (queue = []));
    if (atFront) queue.unshift(slot);
    else queue.push(slot);
    this.ready++;
  }

  /** The batches of the next request: the head of each partition's queue, in rotating order. */
  takeRequest(): BatchSlot[] {
    const batches: BatchSlot[] = [];
    let bytes = 0;
    const count = this.partitions.length;
    for (let k = 0; k < count && this.ready > 0; k++) {
      const queue = this.queues.get(this.partitions[(this.drainFrom + k) % count]!);
      const head = queue?.[0];
      if (!queue || !head) continue;
      if (batches.length > 0 && bytes + head.records.length > MAX_REQUEST_BYTES) break;
      queue.shift();
      this.ready--;
      batches.push(head);
      bytes += head.records.length;
    }
    this.drainFrom = (this.drainFrom + 1) % Math.max(count, 1);
    return batches;
  }

  /** Empties the lane's queues (for a rebuild), oldest batch of each partition first. */
  takeAll(): BatchSlot[] {
    const all = [...this.queues.values()].flat();
    this.queues.clear();
    this.ready = 0;
    this.partitions = [];
    return all;
  }
}

/** The lanes of every broker leading a partition being written. */
export class ProduceLanes {
  readonly byNode = new Map<number, ProduceLane>();
  /** The lane of each partition (indexed by partition id); undefined while it has no leader. */
  private laneOf: (ProduceLane | undefined)[] = [];

  constructor(
    private readonly client: KafkaClient,
    private readonly topic: string,
    private readonly acks: number,
    private readonly batchSize: number,
  ) {}

  of(partition: number): ProduceLane | undefined {
    return this.laneOf[partition];
  }

  /** Queues a closed batch on its partition's lane; false when the partition has no leader. */
  enqueue(slot: BatchSlot, atFront = false): boolean {
    const lane = this.laneOf[slot.partition];
    lane?.enqueue(slot, atFront);
    return lane !== undefined;
  }

  /**
   * Places `partitions` on the lanes of their `leaders` (connecting to new brokers) and moves the
   * waiting batches along. Returns the batches whose partition now has no leader.
   */
  async rebuild(
    partitions: readonly number[],
    leaders: readonly { partition: number; leader: number }[],
  ): Promise<BatchSlot[]> {
    const leaderOf = new Map<number, number>();
    for (const partition of partitions) {
      const leader = leaders.find((l) => l.partition === partition)?.leader ?? -1;
      if (leader >= 0) leaderOf.set(partition, leader);
    }
    // Connect first: from here on nothing waits, so no batch can be queued on a lane mid-rebuild.
    for (const leader of new Set(leaderOf.values())) {
      if (this.byNode.has(leader)) continue;
      const conn = await this.client.node(leader);
      const version = conn.version(ProduceApi.key);
      const encoder = new ProduceRequestEncoder(
        version,
        conn.clientId,
        this.topic,
        this.acks,
        REQUEST_TIMEOUT_MS,
      );
      this.byNode.set(leader, new ProduceLane(leader, conn, version, encoder));
    }
    const waiting: BatchSlot[] = [];
    for (const lane of this.byNode.values()) waiting.push(...lane.takeAll());
    const laneOf: (ProduceLane | undefined)[] = [];
    for (const [partition, leader] of leaderOf) {
      const lane = this.byNode.get(leader)!;
      lane.partitions.push(partition);
      laneOf[partition] = lane;
    }
    const perRequest = Math.floor(MAX_REQUEST_BYTES / Math.max(this.batchSize, 1));
    for (const lane of this.byNode.values()) {
      lane.readyLimit = Math.max(1, Math.min(lane.partitions.length, perRequest));
    }
    this.laneOf = laneOf;
    return waiting.filter((slot) => !this.enqueue(slot));
  }
}
