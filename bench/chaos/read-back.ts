/**
 * Reads every partition of the run's topics back, from its first offset to its high watermark,
 * with the tools' client (tools/client/kafka-client.ts): Fetch from each partition's leader, every
 * record of every batch. Only the start of each value is kept (what record-value.ts parses), so a
 * long run's records fit in memory. A leader that moves meanwhile is looked up again.
 */
import { completeBatchesLength, iterateBatches, readRecords } from '../../engine/index.js';
import { FetchApi } from '../../server/protocol/apis/fetch.js';
import { ErrorCode } from '../../server/protocol/error-codes.js';
import {
  BrokerConnectionError,
  EARLIEST,
  KafkaClient,
  KafkaError,
  LATEST,
  checkError,
  type TopicMetadata,
} from '../../tools/client/kafka-client.js';
import type { StoredRecord } from './checker.js';

/** Characters of a value kept: enough for `<producer>-<seq> <incarnation>`. */
const VALUE_HEAD = 48;
const ATTEMPTS = 20;

export interface ReadBack {
  /** `<topic>/<partition>` → its records in offset order. */
  records: Map<string, StoredRecord[]>;
  /** Partitions whose log does not start at 0 (nothing should have removed records). */
  notFromZero: string[];
}

export async function readBack(bootstrap: string, topics: readonly string[]): Promise<ReadBack> {
  const client = await KafkaClient.connect(bootstrap, 'kiln-chaos-checker');
  const result: ReadBack = { records: new Map(), notFromZero: [] };
  try {
    for (const name of topics) {
      const meta = await retry(() => client.topic(name));
      for (const p of meta.partitions) {
        const key = `${name}/${p.partition}`;
        const { records, start } = await readPartition(client, meta, p.partition);
        if (start !== 0) result.notFromZero.push(`${key} starts at ${start}`);
        result.records.set(key, records);
      }
    }
  } finally {
    client.close();
  }
  return result;
}

async function readPartition(
  client: KafkaClient,
  first: TopicMetadata,
  partition: number,
): Promise<{ records: StoredRecord[]; start: number }> {
  let meta = first;
  const offsetOf = async (timestamp: number): Promise<number> =>
    retry(async () => {
      meta = await client.topic(meta.name);
      return (await client.listOffsets(meta, [partition], timestamp)).get(partition)!;
    });
  const start = await offsetOf(EARLIEST);
  const end = await offsetOf(LATEST);
  const records: StoredRecord[] = [];
  let position = start;
  let fruitless = 0;
  while (position < end) {
    const leader = meta.partitions.find((p) => p.partition === partition)!.leader;
    const answer = await retry(async () => {
      const conn = await client.node(leader);
      const response = await conn.request(FetchApi, {
        replicaId: -1,
        maxWaitMs: 100,
        minBytes: 1,
        maxBytes: 8 * 1024 * 1024,
        isolationLevel: 0,
        sessionId: 0,
        sessionEpoch: -1,
        topics: [
          {
            topic: meta.name,
            topicId: meta.topicId,
            partitions: [{ partition, fetchOffset: position, partitionMaxBytes: 4 * 1024 * 1024 }],
          },
        ],
        forgottenTopicsData: [],
        rackId: '',
      });
      checkError(response.errorCode, 'Fetch');
      return response.responses[0]?.partitions[0];
    });
    const code = answer?.errorCode ?? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
    if (code !== ErrorCode.NONE) {
      if (++fruitless > ATTEMPTS) checkError(code, `Fetch ${meta.name}/${partition} at ${position}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
      meta = await retry(() => client.topic(meta.name));
      continue;
    }
    const before = position;
    const bytes = answer!.records;
    if (bytes && bytes.length > 0) {
      for (const batch of iterateBatches(bytes.subarray(0, completeBatchesLength(bytes)))) {
        if (batch.lastOffset < position) continue;
        if (!batch.isControl) {
          for (const record of readRecords(batch)) {
            if (record.offset < position) continue;
            const value = record.value;
            records.push({
              offset: record.offset,
              value: value ? value.toString('latin1', 0, Math.min(value.length, VALUE_HEAD)) : '',
            });
          }
        }
        position = Math.max(position, batch.lastOffset + 1);
      }
    }
    if (position === before && ++fruitless > ATTEMPTS) {
      throw new Error(`${meta.name}/${partition}: no records at offset ${position} (high watermark ${end})`);
    }
  }
  return { records, start };
}

/** Runs `fn` again (up to ATTEMPTS times, 250 ms apart) while it fails with a broker error. */
async function retry<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= ATTEMPTS || !(err instanceof KafkaError || err instanceof BrokerConnectionError))
        throw err;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}
