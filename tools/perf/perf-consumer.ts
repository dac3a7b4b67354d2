/**
 * The engine of `kiln perf consume`: one Fetch in flight per broker, pipelined. As soon as a
 * response arrives, each partition's next offset is read from its batch headers (last batch's
 * base offset + last offset delta + 1) and the next Fetch goes out; only then are the records of
 * the response walked (RecordSetScanner), so the broker prepares the next answer meanwhile.
 *
 * Stops after --num-records records, or when no record arrived for --timeout-ms. Partition errors:
 * OFFSET_OUT_OF_RANGE resets the position per --from; a moved leader (NOT_LEADER_OR_FOLLOWER and
 * the like) refreshes metadata and the partition continues with its new leader; anything else is
 * an error naming the Kafka error (exit 1). With --group the partitions come from the group
 * (GroupMember), positions start at its committed offsets, and the consumed ones are committed at
 * the end (and before rejoining, when the group rebalances).
 */
import {
  EARLIEST,
  KafkaError,
  LATEST,
  checkError,
  type Connection,
  type KafkaClient,
  type TopicMetadata,
} from '../client/kafka-client.js';
import { completeBatchesLength } from '../../engine/index.js';
import { ErrorCode } from '../../server/protocol/error-codes.js';
import { FetchApi } from '../../server/protocol/apis/fetch.js';
import type { RequestToSend } from '../../server/protocol/message-types.js';
import type { ConsumeOptions } from './perf-options.js';
import { GroupMember } from './group-member.js';
import { LatencyHistogram } from './latency-histogram.js';
import {
  CONSUME_PROGRESS_HEADER,
  ProgressWindow,
  consumeProgressLine,
  type ConsumeResult,
} from './perf-report.js';
import { RecordSetScanner, nextOffset } from './record-set-scanner.js';
import { selectPartitions } from './topic-setup.js';

type FetchPartition = RequestToSend<typeof FetchApi>['topics'][number]['partitions'][number];

const LEADER_MOVED = new Set<number>([
  ErrorCode.NOT_LEADER_OR_FOLLOWER,
  ErrorCode.LEADER_NOT_AVAILABLE,
  ErrorCode.UNKNOWN_LEADER_EPOCH,
  ErrorCode.FENCED_LEADER_EPOCH,
  ErrorCode.KAFKA_STORAGE_ERROR,
]);
const RETRY_BACKOFF_MS = 100;
const MAX_LEADER_WAITS = 100;
/** How often a member with no partitions checks for the end of the run. */
const IDLE_POLL_MS = 100;

interface PartitionState {
  partition: number;
  /** The offset the next Fetch asks for. */
  fetchOffset: number;
  /** The offset after the last record counted: what is committed. */
  consumed: number;
}

interface FetchLane {
  nodeId: number;
  conn: Connection;
  version: number;
  partitions: PartitionState[];
  /** The partition that goes first in the next Fetch: rotated so none is starved. */
  rotate: number;
  running: boolean;
}

export interface ConsumerOutput {
  log(line: string): void;
}

export class PerfConsumer {
  private readonly histogram = new LatencyHistogram();
  private readonly scanner = new RecordSetScanner(this.histogram);
  private readonly window = new ProgressWindow(0);
  private readonly limit: number;
  private readonly lanes = new Map<number, FetchLane>();
  private loops: Promise<void>[] = [];
  private loopErrors: unknown[] = [];
  private states = new Map<number, PartitionState>();
  private fetches = 0;
  private firstFetchAt = NaN;
  private lastRecordAt = NaN;
  private lastDataAt = 0;
  private stopping = false;
  private rebalancing = false;
  private progressShown = false;
  readonly member: GroupMember | undefined;

  constructor(
    private readonly client: KafkaClient,
    private topic: TopicMetadata,
    private readonly options: ConsumeOptions,
    private readonly output: ConsumerOutput,
  ) {
    this.limit = options.numRecords ?? Infinity;
    this.member = options.group
      ? new GroupMember(client, options.group, topic.name, (line) => output.log(`kiln perf consume: ${line}`))
      : undefined;
  }

  async run(): Promise<ConsumeResult> {
    const interval = this.options.reportingIntervalMs;
    const progress = interval > 0 ? setInterval(() => this.printProgress(), interval) : undefined;
    this.window.reset(performance.now());
    try {
      const member = this.member;
      if (!member) {
        await this.startPositions(selectPartitions(this.topic, this.options.partitions));
        await this.consume();
      } else {
        while (!this.stopping) {
          const assigned = await member.join();
          await this.startPositions(assigned);
          this.rebalancing = false;
          member.startHeartbeats(() => (this.rebalancing = true));
          await this.consume();
          member.stopHeartbeats();
          if (this.stopping) break;
          this.output.log(`kiln perf consume: group ${member.group} is rebalancing; joining again`);
          await member.commit(this.consumedOffsets()).catch((err: Error) => {
            this.output.log(`kiln perf consume: commit before rejoining failed: ${err.message}`);
          });
        }
        await member.commit(this.consumedOffsets());
        await member.leave();
      }
    } finally {
      clearInterval(progress);
      this.member?.stopHeartbeats();
    }
    if (this.scanner.skippedBatches > 0) {
      this.output.log(`kiln perf consume: skipped ${this.scanner.skippedBatches} batch(es) of an old format`);
    }
    const seconds = this.scanner.records > 0 ? Math.max(0, this.lastRecordAt - this.firstFetchAt) / 1000 : 0;
    return {
      records: this.scanner.records,
      bytes: this.scanner.bytes,
      batchBytes: this.scanner.batchBytes,
      seconds,
      fetches: this.fetches,
      latency: this.histogram.count > 0 ? this.histogram : null,
    };
  }

  /** Partition -> next offset to consume, for a commit. */
  consumedOffsets(): Map<number, number> {
    return new Map([...this.states.values()].map((s) => [s.partition, s.consumed]));
  }

  private printProgress(): void {
    const now = performance.now();
    if (!this.progressShown) this.output.log(CONSUME_PROGRESS_HEADER);
    this.progressShown = true;
    this.output.log(
      consumeProgressLine(this.window, now, {
        records: this.scanner.records,
        bytes: this.scanner.bytes,
        fetches: this.fetches,
      }),
    );
    this.window.reset(now);
  }

  /** Positions: the group's committed offsets, else the beginning or end (--from). */
  private async startPositions(partitions: number[]): Promise<void> {
    const committed = this.member
      ? ((
          await this.client.committedOffsets(this.member.group, [
            { name: this.topic.name, partitionIndexes: partitions },
          ])
        ).get(this.topic.name) ?? new Map<number, number>())
      : new Map<number, number>();
    const missing = partitions.filter((p) => !committed.has(p));
    const fallback = missing.length
      ? await this.client.listOffsets(
          this.topic,
          missing,
          this.options.from === 'beginning' ? EARLIEST : LATEST,
        )
      : new Map<number, number>();
    this.states = new Map(
      partitions.map((partition) => {
        const offset = committed.get(partition) ?? fallback.get(partition) ?? 0;
        return [partition, { partition, fetchOffset: offset, consumed: offset }];
      }),
    );
  }

  /** Fetches from every leader until the run ends or the group rebalances. */
  private async consume(): Promise<void> {
    // The idle timeout counts while fetching, not while joining the group.
    this.lastDataAt = performance.now();
    this.lanes.clear();
    this.loops = [];
    this.loopErrors = [];
    if (this.states.size === 0) {
      // Nothing assigned (more members than partitions): wait for the end or a rebalance.
      while (!this.stopping && !this.rebalancing) {
        await sleep(IDLE_POLL_MS);
        this.checkIdle();
      }
      return;
    }
    for (const state of this.states.values()) await this.place(state, this.topic);
    while (this.loops.length) await this.loops.shift();
    if (this.loopErrors.length) throw this.loopErrors[0];
  }

  /** Puts a partition on the lane of its leader (per `topic`), starting the lane if needed. */
  private async place(state: PartitionState, topic: TopicMetadata): Promise<void> {
    const meta = topic.partitions.find((p) => p.partition === state.partition);
    if (!meta) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `${topic.name}-${state.partition}`);
    let lane = this.lanes.get(meta.leader);
    if (!lane) {
      const conn = await this.client.node(meta.leader);
      const version = conn.version(FetchApi.key);
      lane = { nodeId: meta.leader, conn, version, partitions: [], rotate: 0, running: false };
      this.lanes.set(meta.leader, lane);
    }
    lane.partitions.push(state);
    if (!lane.running) {
      lane.running = true;
      const started = lane;
      this.loops.push(
        this.laneLoop(started)
          .catch((err: unknown) => {
            this.loopErrors.push(err);
            this.stopping = true;
          })
          .finally(() => (started.running = false)),
      );
    }
  }

  private async laneLoop(lane: FetchLane): Promise<void> {
    let pending: Promise<Buffer> | undefined = this.sendFetch(lane);
    while (pending) {
      const frame = await pending;
      pending = undefined;
      const arrival = performance.timeOrigin + performance.now();
      this.fetches++;
      const response = lane.conn.decodeResponse(FetchApi, lane.version, frame);
      checkError(response.errorCode, 'Fetch');
      if (this.stopping || this.rebalancing) return;
      const work: { state: PartitionState; records: Buffer; end: number; from: number }[] = [];
      const resets: PartitionState[] = [];
      const moved: PartitionState[] = [];
      for (const t of response.responses) {
        for (const p of t.partitions) {
          const state = this.states.get(p.partitionIndex);
          if (!state || !lane.partitions.includes(state)) continue;
          const code = p.errorCode;
          if (code === ErrorCode.OFFSET_OUT_OF_RANGE) resets.push(state);
          else if (LEADER_MOVED.has(code)) moved.push(state);
          else if (code !== ErrorCode.NONE) {
            throw new KafkaError(
              code,
              `Fetch ${this.topic.name}-${state.partition} at offset ${state.fetchOffset}`,
            );
          } else {
            const records = p.records;
            if (!records || records.length === 0) continue;
            const end = completeBatchesLength(records);
            if (end === 0) continue;
            const from = state.fetchOffset;
            state.fetchOffset = nextOffset(records, end, from);
            work.push({ state, records, end, from });
          }
        }
      }
      if (resets.length) await this.resetOffsets(resets);
      if (moved.length) {
        lane.partitions = lane.partitions.filter((s) => !moved.includes(s));
        await this.move(moved);
      }
      // The next Fetch goes out before this response's records are walked.
      if (lane.partitions.length > 0) pending = this.sendFetch(lane);
      this.count(work, arrival);
      // Walked: the frame's buffer can take a later response.
      lane.conn.release(frame);
      this.checkIdle();
      if (this.stopping || this.rebalancing) {
        // Its answer is not needed; observe it so a closing connection is no unhandled rejection.
        pending?.catch(() => {});
        return;
      }
    }
  }

  private count(
    work: { state: PartitionState; records: Buffer; end: number; from: number }[],
    arrival: number,
  ): void {
    const scanner = this.scanner;
    const window = this.window;
    for (const { state, records, end, from } of work) {
      const left = this.limit - scanner.records;
      if (left <= 0) break;
      scanner.scan(records, end, from, left, arrival);
      if (scanner.consumedTo > state.consumed) state.consumed = scanner.consumedTo;
      if (scanner.lastRecords === 0) continue;
      window.records += scanner.lastRecords;
      window.bytes += scanner.lastBytes;
      window.latencySum += scanner.lastLatencySum;
      window.latencyCount += scanner.lastLatencyCount;
      if (scanner.lastLatencyMax > window.latencyMax) window.latencyMax = scanner.lastLatencyMax;
      this.lastRecordAt = performance.now();
      this.lastDataAt = this.lastRecordAt;
    }
    if (scanner.records >= this.limit) this.stopping = true;
  }

  private checkIdle(): void {
    if (performance.now() - this.lastDataAt >= this.options.timeoutMs) this.stopping = true;
  }

  private sendFetch(lane: FetchLane): Promise<Buffer> {
    if (this.firstFetchAt !== this.firstFetchAt) this.firstFetchAt = performance.now();
    const count = lane.partitions.length;
    const first = lane.rotate++ % count;
    const partitions: FetchPartition[] = [];
    for (let k = 0; k < count; k++) {
      const state = lane.partitions[(first + k) % count]!;
      partitions.push({
        partition: state.partition,
        currentLeaderEpoch: -1,
        fetchOffset: state.fetchOffset,
        lastFetchedEpoch: -1,
        logStartOffset: -1,
        partitionMaxBytes: this.options.maxPartitionFetchBytes,
      });
    }
    return lane.conn.requestRaw(FetchApi, {
      replicaId: -1,
      maxWaitMs: Math.min(this.options.fetchMaxWaitMs, this.options.timeoutMs),
      minBytes: this.options.fetchMinBytes,
      maxBytes: this.options.fetchMaxBytes,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [{ topic: this.topic.name, topicId: this.topic.topicId, partitions }],
      forgottenTopicsData: [],
      rackId: '',
    });
  }

  /** OFFSET_OUT_OF_RANGE: start over at the beginning or the end, per --from. */
  private async resetOffsets(states: PartitionState[]): Promise<void> {
    const to = this.options.from === 'beginning' ? EARLIEST : LATEST;
    const offsets = await this.client.listOffsets(
      this.topic,
      states.map((s) => s.partition),
      to,
    );
    for (const state of states) {
      const offset = offsets.get(state.partition) ?? 0;
      this.output.log(
        `kiln perf consume: offset ${state.fetchOffset} of ${this.topic.name}-${state.partition} is out of range; reset to ${offset} (${this.options.from})`,
      );
      state.fetchOffset = offset;
      state.consumed = offset;
    }
  }

  /** Partitions whose leader moved: wait for metadata to name a leader, then fetch from it. */
  private async move(states: PartitionState[]): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      await sleep(RETRY_BACKOFF_MS);
      const topic = await this.client.topic(this.topic.name);
      const leaderless = states.some(
        (s) => (topic.partitions.find((p) => p.partition === s.partition)?.leader ?? -1) < 0,
      );
      if (!leaderless || attempt >= MAX_LEADER_WAITS) {
        this.topic = topic;
        break;
      }
    }
    for (const state of states) await this.place(state, this.topic);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
