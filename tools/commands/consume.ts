/** `kiln consume`: print a topic's records (Kafka's kafka-console-consumer.sh). */
import { parseArgs } from 'node:util';
import type { Command } from '../kiln.js';
import { UsageError } from '../kiln.js';
import { parseInteger, parseKeyValues, withClient } from '../client/cli.js';
import {
  ApiKey,
  EARLIEST,
  LATEST,
  checkError,
  type KafkaClient,
  type TopicMetadata,
} from '../client/kafka-client.js';
import { iterateBatches, readRecords, type Record } from '../../engine/index.js';
import type { Message } from '../../server/protocol/codec.js';

const USAGE = `usage: kiln consume --bootstrap-server HOST:PORT --topic T [options]

  --from-beginning      start at the earliest offset (default: the latest)
  --offset N            start at offset N (needs --partition)
  --time MS             start at the first record with timestamp >= MS
  --partition N         read only partition N (default: all partitions)
  --max-messages N      stop after N records
  --timeout-ms MS       stop after MS without new data (default 5000)
  --group G             start from G's committed offsets and commit what was consumed
  --property k=v        print.key, print.partition, print.offset, print.timestamp, print.headers
                        (true/false), key.separator (default tab)
  --formatter json      one JSON object per record

--group makes this a standalone consumer, not a group member: there is no join or rebalance. It
reads every assigned partition (all, or --partition), starts from the group's committed offsets
(falling back to --from-beginning or the latest offset), and at the end commits its positions with
generation -1 and no member id, which brokers accept only while the group has no active members.`;

/** Longest single Fetch wait: short enough to notice --timeout-ms promptly. */
const MAX_WAIT_MS = 500;
const PARTITION_MAX_BYTES = 1024 * 1024;

export const command: Command = {
  name: 'consume',
  summary: 'print records of a topic',
  usage: USAGE,
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        'bootstrap-server': { type: 'string' },
        topic: { type: 'string' },
        'from-beginning': { type: 'boolean' },
        offset: { type: 'string' },
        time: { type: 'string' },
        partition: { type: 'string' },
        'max-messages': { type: 'string' },
        'timeout-ms': { type: 'string', default: '5000' },
        group: { type: 'string' },
        property: { type: 'string', multiple: true },
        formatter: { type: 'string' },
      },
    });
    const topicName = values.topic;
    if (!topicName) throw new UsageError('--topic is required');
    const offset = parseInteger(values.offset, '--offset');
    const time = parseInteger(values.time, '--time');
    const partition = parseInteger(values.partition, '--partition');
    const maxMessages = parseInteger(values['max-messages'], '--max-messages') ?? Infinity;
    const timeoutMs = parseInteger(values['timeout-ms'], '--timeout-ms')!;
    if ([values['from-beginning'], offset !== undefined, time !== undefined].filter(Boolean).length > 1) {
      throw new UsageError('give at most one of --from-beginning, --offset, --time');
    }
    if (offset !== undefined && partition === undefined) throw new UsageError('--offset needs --partition');
    if (values.formatter !== undefined && values.formatter !== 'json')
      throw new UsageError('--formatter must be json');
    const printer = makePrinter(parseKeyValues(values.property), values.formatter === 'json');

    return withClient('consume', values['bootstrap-server'], async (client) => {
      const topic = await client.topic(topicName);
      const partitions = partition === undefined ? topic.partitions.map((p) => p.partition) : [partition];
      const positions = await startPositions(client, topic, partitions, {
        fromBeginning: values['from-beginning'] ?? false,
        offset,
        time,
        group: values.group,
      });
      const consumed = await fetchLoop(client, topic, positions, maxMessages, timeoutMs, printer);
      if (values.group) await client.commitOffsets(values.group, topic.name, positions);
      process.stderr.write(`Processed a total of ${consumed} messages\n`);
      return 0;
    });
  },
};

interface StartOptions {
  fromBeginning: boolean;
  offset: number | undefined;
  time: number | undefined;
  group: string | undefined;
}

async function startPositions(
  client: KafkaClient,
  topic: TopicMetadata,
  partitions: number[],
  opts: StartOptions,
): Promise<Map<number, number>> {
  if (opts.offset !== undefined) return new Map([[partitions[0]!, opts.offset]]);
  if (opts.time !== undefined) {
    const found = await client.listOffsets(topic, partitions, opts.time);
    const latest = await client.listOffsets(topic, partitions, LATEST);
    // No record at or after the time: start at the end, as Kafka's consumer does.
    return new Map(partitions.map((p) => [p, found.get(p)! >= 0 ? found.get(p)! : latest.get(p)!]));
  }
  const fallback = await client.listOffsets(topic, partitions, opts.fromBeginning ? EARLIEST : LATEST);
  if (!opts.group) return fallback;
  const committed =
    (await client.committedOffsets(opts.group, [{ name: topic.name, partitionIndexes: partitions }])).get(
      topic.name,
    ) ?? new Map<number, number>();
  return new Map(partitions.map((p) => [p, committed.get(p) ?? fallback.get(p)!]));
}

/** Fetches from every leader until --max-messages or --timeout-ms without data; updates `positions`. */
async function fetchLoop(
  client: KafkaClient,
  topic: TopicMetadata,
  positions: Map<number, number>,
  maxMessages: number,
  timeoutMs: number,
  print: (partition: number, record: Record) => string,
): Promise<number> {
  const leaders = client.byLeader(topic, [...positions.keys()]);
  let consumed = 0;
  let lastData = Date.now();
  const out: string[] = [];
  while (consumed < maxMessages && Date.now() - lastData < timeoutMs) {
    let gotData = false;
    for (const [leader, partitions] of leaders) {
      const conn = await client.node(leader);
      const response = await conn.request(ApiKey.Fetch, {
        replicaId: -1,
        maxWaitMs: Math.min(MAX_WAIT_MS, timeoutMs),
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
      for (const t of response.responses as Message[]) {
        for (const p of t.partitions as Message[]) {
          const index = p.partitionIndex as number;
          checkError(p.errorCode, `Fetch ${topic.name}-${index} at offset ${positions.get(index)!}`);
          const records = p.records as Buffer | null;
          if (!records || records.length === 0) continue;
          let position = positions.get(index)!;
          for (const batch of iterateBatches(completeBatches(records))) {
            if (batch.lastOffset < position) continue;
            if (!batch.isControl) {
              for (const record of readRecords(batch)) {
                if (record.offset < position) continue;
                out.push(print(index, record));
                position = record.offset + 1;
                gotData = true;
                if (++consumed >= maxMessages) break;
              }
            }
            if (consumed >= maxMessages) break;
            // Skip past control batches and records compaction removed from the batch's tail.
            position = Math.max(position, batch.lastOffset + 1);
          }
          positions.set(index, position);
          if (consumed >= maxMessages) break;
        }
      }
      if (out.length) process.stdout.write(out.splice(0).join(''));
      if (consumed >= maxMessages) break;
    }
    if (gotData) lastData = Date.now();
  }
  return consumed;
}

/** The leading whole batches of a fetched record set: a broker may cut the last one short. */
function completeBatches(records: Buffer): Buffer {
  let end = 0;
  while (end + 12 <= records.length) {
    const size = 12 + records.readInt32BE(end + 8);
    if (end + size > records.length) break;
    end += size;
  }
  return records.subarray(0, end);
}

function makePrinter(
  props: Map<string, string>,
  json: boolean,
): (partition: number, record: Record) => string {
  if (json) {
    return (partition, r) =>
      JSON.stringify({
        partition,
        offset: r.offset,
        timestamp: r.timestamp,
        key: r.key?.toString('utf8') ?? null,
        value: r.value?.toString('utf8') ?? null,
        headers: Object.fromEntries(r.headers.map((h) => [h.key, h.value?.toString('utf8') ?? null])),
      }) + '\n';
  }
  const flag = (name: string) => props.get(name) === 'true';
  const sep = props.get('key.separator') ?? '\t';
  const [key, part, offset, timestamp, headers] = [
    flag('print.key'),
    flag('print.partition'),
    flag('print.offset'),
    flag('print.timestamp'),
    flag('print.headers'),
  ];
  return (partition, r) => {
    let line = '';
    if (timestamp) line += `CreateTime:${r.timestamp}${sep}`;
    if (part) line += `Partition:${partition}${sep}`;
    if (offset) line += `Offset:${r.offset}${sep}`;
    if (headers) {
      line +=
        (r.headers.length
          ? r.headers.map((h) => `${h.key}:${h.value?.toString('utf8') ?? 'null'}`).join(',')
          : 'NO_HEADERS') + sep;
    }
    if (key) line += (r.key?.toString('utf8') ?? 'null') + sep;
    return line + (r.value?.toString('utf8') ?? 'null') + '\n';
  };
}
