/**
 * `kiln produce`: lines from stdin or a file become records (Kafka's kafka-console-producer.sh).
 *
 * Each line is sent as soon as it is read: what one read from the terminal or pipe holds goes out
 * together (one batch per partition), nothing waits for more input or for end of file. A missing
 * topic is created by the broker when auto.create.topics.enable allows it.
 */
import fs from 'node:fs';
import readline from 'node:readline';
import { parseArgs } from 'node:util';
import type { Command } from '../kiln.js';
import { UsageError } from '../kiln.js';
import {
  BROKER_OPTIONS,
  bootstrapFrom,
  impliedValue,
  parseInteger,
  parseKeyValues,
  parseProperties,
  withClient,
} from '../client/cli.js';
import { Codec } from '../../engine/index.js';
import { LineProducer } from '../client/line-producer.js';

const USAGE = `usage: kiln produce --bootstrap-server HOST:PORT --topic T [options]

Each line of stdin (or --file) becomes one record, sent as soon as it is read (typed lines go out
one by one). A topic that does not exist is created by the broker if auto.create.topics.enable is
on (Kafka's default); otherwise kiln produce says so and exits 1. Ctrl-C or end of input stops it
after what was read is sent.

  --bootstrap-server B  broker list host:port[,host:port...] (--broker-list is the same)
  --topic T             the topic
  --key-separator S     split each line at the first S into key and value (no S: keyless record)
  --property k=v        Kafka's reader properties: parse.key=true splits lines into key and value
                        at key.separator (default tab); ignore.error is accepted
  --header k=v          a header on every record (repeatable)
  --compression C       none|gzip|snappy|lz4|zstd (default none); --compression-codec [C] is
                        Kafka's name (alone it means gzip)
  --acks A              0, 1 or -1/all (default -1); --request-required-acks is Kafka's name
  --producer-property k=v  acks and compression.type as a Kafka producer takes them (others are
                        ignored, with a warning)
  --sync                accepted for Kafka's sake: lines are always sent as soon as they are read
  --partition N         send everything to partition N
  --file F              read lines from F instead of stdin
  --version             print kiln's version

Partitioning follows Kafka's default partitioner: keyed records go to murmur2(key) % partitions
(the same partition a Java client picks); keyless records stick to one partition until its batch
is sent, then move to the next (the "sticky" partitioner, simplified to round-robin order).
Batches hold up to 500 records or 16 KiB.`;

const CODECS: Record<string, Codec> = {
  none: Codec.None,
  gzip: Codec.Gzip,
  snappy: Codec.Snappy,
  lz4: Codec.Lz4,
  zstd: Codec.Zstd,
};

/** The --producer-property names kiln produce honours; others are ignored with a warning. */
const PRODUCER_PROPERTIES = new Set(['acks', 'compression.type']);

/** The --property names kafka-console-producer's line reader takes that kiln produce honours. */
const PROPERTIES = { 'parse.key': 'boolean', 'key.separator': 'string', 'ignore.error': 'boolean' } as const;

export const command: Command = {
  name: 'produce',
  summary: 'produce lines from stdin or a file to a topic',
  usage: USAGE,
  async run(argv) {
    const { values } = parseArgs({
      args: impliedValue(argv, '--compression-codec', 'gzip'),
      options: {
        ...BROKER_OPTIONS,
        topic: { type: 'string' },
        'key-separator': { type: 'string' },
        property: { type: 'string', multiple: true },
        header: { type: 'string', multiple: true },
        compression: { type: 'string' },
        'compression-codec': { type: 'string' },
        acks: { type: 'string' },
        'request-required-acks': { type: 'string' },
        partition: { type: 'string' },
        file: { type: 'string' },
        'producer-property': { type: 'string', multiple: true },
        sync: { type: 'boolean' },
      },
    });
    const topicName = values.topic;
    if (!topicName) throw new UsageError('--topic is required');
    const producerProps = parseKeyValues(values['producer-property']);
    for (const name of producerProps.keys()) {
      if (!PRODUCER_PROPERTIES.has(name))
        process.stderr.write(`kiln produce: ignoring --producer-property ${name} (kiln does not use it)\n`);
    }
    const compression =
      values.compression ?? values['compression-codec'] ?? producerProps.get('compression.type') ?? 'none';
    const codec = CODECS[compression];
    if (codec === undefined) throw new UsageError(`unknown compression codec '${compression}'`);
    const acksFlag = values.acks ?? values['request-required-acks'] ?? producerProps.get('acks') ?? '-1';
    const acks = acksFlag === 'all' ? -1 : parseInteger(acksFlag, '--acks')!;
    if (acks !== 0 && acks !== 1 && acks !== -1) throw new UsageError('--acks must be 0, 1 or -1');
    const fixedPartition = parseInteger(values.partition, '--partition');
    // One shared header list: every record carries the same headers, so no per-record copies.
    const headers = [...parseKeyValues(values.header)].map(([key, value]) => ({ key, value }));
    const props = parseProperties(values.property, PROPERTIES);
    let separator = values['key-separator'];
    if (props.get('parse.key') === 'true') separator ??= props.get('key.separator') ?? '\t';
    if (separator === '') throw new UsageError('the key separator may not be empty');

    return withClient('produce', bootstrapFrom(values), async (client) => {
      const topic = await client.producerTopic(topicName);
      const count = topic.partitions.length;
      if (fixedPartition !== undefined && (fixedPartition < 0 || fixedPartition >= count)) {
        throw new UsageError(`--partition ${fixedPartition} does not exist (topic has ${count})`);
      }
      const input = values.file ? fs.createReadStream(values.file) : process.stdin;
      const lines = readline.createInterface({ input, crlfDelay: Infinity });
      const producer = new LineProducer(client, topic, codec, acks, headers, fixedPartition);
      // A failed send ends the input, so the error is reported now, not at end of input.
      producer.onError = () => lines.close();
      // Ctrl-C: stop reading, send what was read, exit as at end of input.
      const onSigint = () => lines.close();
      process.once('SIGINT', onSigint);
      let sent = 0;
      try {
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
          await producer.add(key, value, Buffer.byteLength(line));
          sent++;
        }
        await producer.flushAll();
      } finally {
        process.removeListener('SIGINT', onSigint);
        // Stdin would keep the process alive after Ctrl-C.
        if (input === process.stdin) process.stdin.pause();
        else (input as fs.ReadStream).destroy();
      }
      process.stderr.write(`produced ${sent} record(s) to ${topicName}\n`);
      return 0;
    });
  },
};
