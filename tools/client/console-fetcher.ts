/**
 * The fetch loop of `kiln consume`: Fetch from each partition's leader, print every record, and
 * keep going until --max-messages, --timeout-ms without a record, a stop (Ctrl-C) or, for a group
 * member, a rebalance. A partition whose position fell out of the log starts again where the reset
 * policy says (Kafka's auto.offset.reset); a moved leader is looked up again.
 */
import { completeBatchesLength, iterateBatches, readRecords } from '../../engine/index.js';
import { FetchApi } from '../../server/protocol/apis/fetch.js';
import { ErrorCode } from '../../server/protocol/error-codes.js';
import { checkError, type KafkaClient, type TopicMetadata } from './kafka-client.js';
import type { RecordPrinter } from './record-printer.js';

/** Longest single Fetch wait: short enough to notice Ctrl-C, a rebalance or --timeout-ms promptly. */
const MAX_WAIT_MS = 500;
const PARTITION_MAX_BYTES = 1024 * 1024;
/** How long a member with nothing assigned sleeps between looks at the clock and the flags. */
const IDLE_MS = 100;

const LEADER_MOVED = new Set<number>([
  ErrorCode.NOT_LEADER_OR_FOLLOWER,
  ErrorCode.LEADER_NOT_AVAILABLE,
  ErrorCode.UNKNOWN_LEADER_EPOCH,
  ErrorCode.FENCED_LEADER_EPOCH,
]);

/** What one `kiln consume` has done so far, across rebalances. */
export interface ConsumeRun {
  consumed: number;
  maxMessages: number;
  /** Stop after this long with no record; undefined = follow until stopped. */
  timeoutMs: number | undefined;
  /** When the last record (or the start) was seen. */
  lastData: number;
  /** Ctrl-C, SIGTERM or a closed stdout. */
  stopping: boolean;
  /** Writing to stdout failed (its reader went away: `| head`): the run ends with exit 1. */
  stdoutClosed?: boolean;
}

export type FetchEnd = 'max-messages' | 'timeout' | 'stopped' | 'interrupted';

export interface FetchOptions {
  client: KafkaClient;
  topic: TopicMetadata;
  /** Partition -> next offset to read; updated as records are printed. */
  positions: Map<number, number>;
  print: RecordPrinter;
  run: ConsumeRun;
  /** True when the loop must end early (the group is rebalancing). */
  interrupted?: () => boolean;
  /** Where a partition whose position is out of range starts again. */
  reset: (partition: number) => Promise<number>;
  /** Called between fetches (a group member's periodic commit). */
  between?: () => Promise<void>;
  /** Notes for stderr. */
  log: (line: string) => void;
}

export async function fetchRecords(opts: FetchOptions): Promise<FetchEnd> {
  const { client, positions, run } = opts;
  let topic = opts.topic;
  let leaders = client.byLeader(topic, [...positions.keys()]);
  const out: string[] = [];
  for (;;) {
    if (run.stopping) return 'stopped';
    if (opts.interrupted?.()) return 'interrupted';
    if (run.consumed >= run.maxMessages) return 'max-messages';
    const waited = Date.now() - run.lastData;
    if (run.timeoutMs !== undefined && waited >= run.timeoutMs) return 'timeout';
    const maxWaitMs = Math.max(
      1,
      Math.min(MAX_WAIT_MS, run.timeoutMs === undefined ? MAX_WAIT_MS : run.timeoutMs - waited),
    );
    if (leaders.size === 0) await new Promise((resolve) => setTimeout(resolve, Math.min(IDLE_MS, maxWaitMs)));
    let moved = false;
    for (const [leader, partitions] of leaders) {
      const conn = await client.node(leader);
      const response = await conn.request(FetchApi, {
        replicaId: -1,
        maxWaitMs,
        minBytes: 1,
        maxBytes: 50 * 1024 * 1024,
        isolationLevel: 0,
        sessionId: 0,
        sessionEpoch: -1,
        topics: [
          {
            topic: topic.name,
            topicId: topic.topicId,
            partitions: partitions.map((p) => ({
              partition: p,
              fetchOffset: positions.get(p)!,
              partitionMaxBytes: PARTITION_MAX_BYTES,
            })),
          },
        ],
        forgottenTopicsData: [],
        rackId: '',
      });
      checkError(response.errorCode, 'Fetch');
      for (const t of response.responses) {
        for (const p of t.partitions) {
          const index = p.partitionIndex;
          const code = p.errorCode;
          if (code === ErrorCode.OFFSET_OUT_OF_RANGE) {
            const from = positions.get(index)!;
            positions.set(index, await opts.reset(index));
            opts.log(
              `offset ${from} of ${topic.name}-${index} is out of range; now at ${positions.get(index)!}`,
            );
            continue;
          }
          if (LEADER_MOVED.has(code)) {
            moved = true;
            continue;
          }
          checkError(code, `Fetch ${topic.name}-${index} at offset ${positions.get(index)!}`);
          const records = p.records;
          if (records && records.length > 0) readInto(index, completeBatches(records), opts, out);
          if (run.consumed >= run.maxMessages) break;
        }
      }
      if (out.length) process.stdout.write(out.splice(0).join(''));
      if (run.consumed >= run.maxMessages || run.stopping) break;
    }
    if (moved) {
      await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
      topic = await client.topic(topic.name);
      leaders = client.byLeader(topic, [...positions.keys()]);
    }
    await opts.between?.();
  }
}

/** Prints the records of one partition's fetched batches from its position on. */
function readInto(partition: number, records: Buffer, opts: FetchOptions, out: string[]): void {
  const { positions, run } = opts;
  let position = positions.get(partition)!;
  for (const batch of iterateBatches(records)) {
    if (batch.lastOffset < position) continue;
    if (!batch.isControl) {
      const type = batch.timestampType;
      for (const record of readRecords(batch)) {
        if (record.offset < position) continue;
        out.push(opts.print(partition, record, type));
        position = record.offset + 1;
        run.lastData = Date.now();
        if (++run.consumed >= run.maxMessages) break;
      }
    }
    if (run.consumed >= run.maxMessages) break;
    // Skip past control batches and records compaction removed from the batch's tail.
    position = Math.max(position, batch.lastOffset + 1);
  }
  positions.set(partition, position);
}

/** The leading whole batches of a fetched record set: a broker may cut the last one short. */
function completeBatches(records: Buffer): Buffer {
  return records.subarray(0, completeBatchesLength(records));
}
