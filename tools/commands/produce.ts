/** `kiln produce`: lines from stdin or a file become records (Kafka's kafka-console-producer.sh). */
import fs from 'node:fs';
import readline from 'node:readline';
import { parseArgs } from 'node:util';
import type { Command } from '../kiln.js';
import { UsageError } from '../kiln.js';
import { parseInteger, parseKeyValues, withClient } from '../client/cli.js';
import {
  ApiKey,
  checkError,
  partitionForKey,
  type Connection,
  type KafkaClient,
  type TopicMetadata,
} from '../client/kafka-client.js';
import { Codec, buildBatch, type RecordInput } from '../../engine/index.js';
import type { Message } from '../../server/protocol/codec.js';

const USAGE = `usage: kiln produce --bootstrap-server HOST:PORT --topic T [options]

Each line of stdin (or --file) becomes one record.

  --key-separator S     split each line at the first S into key and value (no S: keyless record)
  --header k=v          a header on every record (repeatable)
  --compression C       none|gzip|snappy|lz4|zstd (default none)
  --acks A              0, 1 or -1/all (default -1)
  --partition N         send everything to partition N
  --file F              read lines from F instead of stdin

Partitioning follows Kafka's default partitioner: keyed records go to murmur2(key) % partitions
(the same partition a Java client picks); keyless records stick to one partition until its batch
is sent, then move to the next (the "sticky" partitioner, simplified to round-robin order).
Batches hold up to 500 records or 16 KiB.`;

const MAX_BATCH_RECORDS = 500;
const MAX_BATCH_BYTES = 16 * 1024;
/** Produce requests in flight at once: enough to keep the pipe full, bounded for memory. */
const MAX_IN_FLIGHT = 8;

const CODECS: Record<string, Codec> = {
  none: Codec.None,
  gzip: Codec.Gzip,
  snappy: Codec.Snappy,
  lz4: Codec.Lz4,
  zstd: Codec.Zstd,
};

export const command: Command = {
  name: 'produce',
  summary: 'produce lines from stdin or a file to a topic',
  usage: USAGE,
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        'bootstrap-server': { type: 'string' },
        topic: { type: 'string' },
        'key-separator': { type: 'string' },
        header: { type: 'string', multiple: true },
        compression: { type: 'string', default: 'none' },
        acks: { type: 'string', default: '-1' },
        partition: { type: 'string' },
        file: { type: 'string' },
      },
    });
    const topicName = values.topic;
    if (!topicName) throw new UsageError('--topic is required');
    const codec = CODECS[values.compression];
    if (codec === undefined) throw new UsageError(`unknown --compression '${values.compression}'`);
    const acks = values.acks === 'all' ? -1 : parseInteger(values.acks, '--acks')!;
    if (acks !== 0 && acks !== 1 && acks !== -1) throw new UsageError('--acks must be 0, 1 or -1');
    const fixedPartition = parseInteger(values.partition, '--partition');
    // One shared header list: every record carries the same headers, so no per-record copies.
    const headers = [...parseKeyValues(values.header)].map(([key, value]) => ({ key, value }));
    const separator = values['key-separator'];
    if (separator === '') throw new UsageError('--key-separator may not be empty');

    return withClient('produce', values['bootstrap-server'], async (client) => {
      const topic = await client.topic(topicName);
      const count = topic.partitions.length;
      if (fixedPartition !== undefined && (fixedPartition < 0 || fixedPartition >= count)) {
        throw new UsageError(`--partition ${fixedPartition} does not exist (topic has ${count})`);
      }
      const producer = new Producer(client, topic, codec, acks);
      const input = values.file ? fs.createReadStream(values.file) : process.stdin;
      const lines = readline.createInterface({ input, crlfDelay: Infinity });
      // Reused for hashing keys: the key is encoded into it instead of a fresh Buffer per record.
      let scratch = Buffer.alloc(1024);
      let sticky = 0;
      let sent = 0;
      for await (const line of lines) {
        let key: string | null = null;
        let value = line;
        if (separator !== undefined) {
          const at = line.indexOf(separator);
          if (at >= 0) {
            key = line.slice(0, at);
            value = line.slice(at + separator.length);
          }
        }
        let partition: number;
        if (fixedPartition !== undefined) partition = fixedPartition;
        else if (key !== null) {
          const needed = Buffer.byteLength(key);
          if (needed > scratch.length) scratch = Buffer.alloc(needed * 2);
          partition = partitionForKey(scratch, count, scratch.write(key));
        } else partition = sticky;
        const record: RecordInput = { key, value, headers };
        if (await producer.add(partition, record, Buffer.byteLength(line))) {
          if (partition === sticky) sticky = (sticky + 1) % count;
        }
        sent++;
      }
      await producer.flushAll();
      process.stderr.write(`produced ${sent} record(s) to ${topicName}\n`);
      return 0;
    });
  },
};

/** Per-partition batch accumulators and the produce requests that send them. */
class Producer {
  private readonly pending = new Map<number, { records: RecordInput[]; bytes: number }>();
  private readonly inFlight: Promise<void>[] = [];

  constructor(
    private readonly client: KafkaClient,
    private readonly topic: TopicMetadata,
    private readonly codec: Codec,
    private readonly acks: number,
  ) {}

  /** Adds a record; true when that filled the partition's batch and sent it. */
  async add(partition: number, record: RecordInput, size: number): Promise<boolean> {
    let batch = this.pending.get(partition);
    if (!batch) {
      batch = { records: [], bytes: 0 };
      this.pending.set(partition, batch);
    }
    batch.records.push(record);
    // Rough record size (the line plus per-record overhead) to bound the batch near 16 KiB.
    batch.bytes += size + 16;
    if (batch.records.length < MAX_BATCH_RECORDS && batch.bytes < MAX_BATCH_BYTES) return false;
    this.pending.delete(partition);
    await this.send(partition, batch.records);
    return true;
  }

  async flushAll(): Promise<void> {
    for (const [partition, batch] of this.pending) await this.send(partition, batch.records);
    this.pending.clear();
    await Promise.all(this.inFlight.splice(0));
  }

  private async send(partition: number, records: RecordInput[]): Promise<void> {
    const leader = this.topic.partitions.find((p) => p.partition === partition)!.leader;
    const conn = await this.client.node(leader);
    const body = {
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
      conn.requestNoResponse(ApiKey.Produce, body);
      return;
    }
    const request = this.request(conn, body);
    // Observed now so a failure is not an unhandled rejection; still awaited (and thrown) below.
    request.catch(() => {});
    this.inFlight.push(request);
    if (this.inFlight.length >= MAX_IN_FLIGHT) await this.inFlight.shift();
  }

  private async request(conn: Connection, body: Message): Promise<void> {
    const response = await conn.request(ApiKey.Produce, body);
    for (const t of response.responses as Message[]) {
      for (const p of t.partitionResponses as Message[]) {
        checkError(p.errorCode, `produce to ${t.name as string}-${p.index as number}`, p.errorMessage);
      }
    }
  }
}
