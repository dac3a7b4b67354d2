/**
 * `kiln perf produce` and `kiln perf consume`: load generators in the manner of Kafka's
 * kafka-producer-perf-test and kafka-consumer-perf-test, speaking the Kafka protocol through
 * Kiln's own client, so they measure any Kafka-compatible broker. The work is in tools/perf/.
 */
import type { Command } from '../kiln.js';
import { UsageError } from '../kiln.js';
import { withClient } from '../client/cli.js';
import { parseConsumeOptions, parseProduceOptions } from '../perf/perf-options.js';
import { PerfProducer } from '../perf/perf-producer.js';
import { PerfConsumer } from '../perf/perf-consumer.js';
import { consumeJson, consumeSummaryLine, produceJson, produceSummaryLine } from '../perf/perf-report.js';
import { ensureTopic, selectPartitions } from '../perf/topic-setup.js';

const USAGE = `usage: kiln perf produce --bootstrap-server HOST:PORT --topic T --num-records N [options]
       kiln perf consume --bootstrap-server HOST:PORT --topic T (--num-records N | --timeout-ms MS) [options]

Load generators like Kafka's kafka-producer-perf-test and kafka-consumer-perf-test. They speak
the Kafka protocol (versions negotiated with ApiVersions), so they work against any
Kafka-compatible broker. Progress goes to stderr every --reporting-interval; the summary is one
line on stdout, or with --json one JSON object (and nothing else) on stdout. MB = 10^6 bytes.

kiln perf produce
  --bootstrap-server HOST:PORT  a broker to bootstrap from (comma-separated list allowed)
  --topic T                     the topic to write
  --num-records N               how many records to send
  --record-size B               value bytes per record (default 100); records are keyless and
                                headerless, the value a fixed pseudo-random payload whose first
                                8 bytes (when B >= 8) hold the send time: float64 little-endian,
                                ms since the epoch (performance.timeOrigin + performance.now())
  --throughput R                records per second, created on schedule; -1 = unlimited (default)
  --acks A                      0, 1, -1 or all (default 1)
  --batch-size BYTES            batch size limit (default 16384, Kafka's batch.size): a batch
                                closes when the next record would not fit; with compression it
                                bounds the uncompressed batch
  --linger-ms MS                how long a partial batch waits for more records (default 0: it
                                is sent as soon as its broker has a free request slot)
  --compression C               none, gzip, snappy, lz4 or zstd (default none)
  --partitions LIST|all         partitions to write, e.g. 0,2 (default all); records go to one
                                partition's batch until it is full, then to the next (sticky)
  --max-in-flight N             requests in flight per broker connection (default 5)
  --create-topic-partitions N   create the topic with N partitions first if it does not exist
  --reporting-interval MS       progress every MS (default 1000; 0 = none)
  --producer-props K=V ...      Kafka producer properties, as kafka-producer-perf-test takes
                                them: bootstrap.servers, acks, batch.size, linger.ms,
                                compression.type, max.in.flight.requests.per.connection (others
                                are ignored with a warning); the flags above win over them
  --producer.config FILE        the same properties from a file (--producer-props win)
  --json                        the summary as JSON:
      {"mode":"produce","topic","records","bytes","seconds","recordsPerSec","mbPerSec",
       "latencyMs":{"avg","p50","p95","p99","p999","max"} | null,
       "errors","retries","failedRecords","requests","config":{the options}}

  A record's latency is the time from its creation (entering a batch) to the arrival of its
  Produce response, as in Kafka's tool; with acks=0 nothing is answered, latencyMs is null and a
  request counts as done when its bytes are written to the socket. Errors in produce responses
  are counted ("errors") and named on stderr; NOT_LEADER_OR_FOLLOWER, LEADER_NOT_AVAILABLE and
  other retriable errors are retried after a metadata refresh ("retries"), any other error fails
  the batch ("failedRecords") and the command exits 1.

kiln perf consume
  --bootstrap-server HOST:PORT  a broker to bootstrap from
  --topic T                     the topic to read
  --num-records N               stop after N records
  --timeout-ms MS               stop when no record arrived for MS (default 10000); give
                                --num-records, --timeout-ms or both
  --partitions LIST|all         partitions to read (default all)
  --from beginning|end          where to start without a committed offset, and where an
                                OFFSET_OUT_OF_RANGE resets to (default beginning)
  --group G                     consume as a member of group G (JoinGroup/SyncGroup, range
                                assignor, heartbeats): start from its committed offsets, commit
                                what was consumed at the end; not with --partitions
  --fetch-max-bytes B           Fetch max bytes (default 52428800)
  --max-partition-fetch-bytes B Fetch bytes per partition (default 1048576)
  --fetch-max-wait-ms MS        Fetch max wait (default 500)
  --fetch-min-bytes B           Fetch min bytes (default 1)
  Kafka's consumer perf flags work too: --messages N (--num-records), --fetch-size B
  (--max-partition-fetch-bytes), --timeout MS (--timeout-ms), --from-latest (--from end).
  Both modes take --broker-list for --bootstrap-server.
  --reporting-interval MS       progress every MS (default 1000; 0 = none), as Kafka's detailed
                                stats: time, total MB, MB/sec, total records, records/sec,
                                fetches, avg and max latency of the interval
  --json                        the summary as JSON:
      {"mode":"consume","topic","records","bytes","batchBytes","seconds","recordsPerSec",
       "mbPerSec","fetches","latencyMs":{"avg","p50","p95","p99","p999","max"} | null,
       "config":{the options}}

  One Fetch is in flight per broker; the next is sent as soon as a response's batch headers give
  each partition's next offset, before its records are walked. "bytes" counts key + value bytes
  per record, "batchBytes" the wire bytes of the batches, "seconds" runs from the first Fetch to
  the last record counted. End-to-end latency is read from the send time kiln perf produce puts
  in each value (when it is within the last hour and at most 1 s in the future); latencyMs is null
  when no record carried one.`;

export const command: Command = {
  name: 'perf',
  summary: 'load generators: perf produce / perf consume (like Kafka perf tests)',
  usage: USAGE,
  async run(argv) {
    const [mode, ...rest] = argv;
    if (mode === 'produce') return produce(rest);
    if (mode === 'consume') return consume(rest);
    throw new UsageError(mode ? `unknown mode '${mode}' (produce or consume)` : 'give produce or consume');
  },
};

const log = (line: string): void => {
  process.stderr.write(line + '\n');
};

async function produce(argv: string[]): Promise<number> {
  const options = parseProduceOptions(argv);
  return withClient('perf', options.bootstrapServer, async (client) => {
    const topic = await ensureTopic(
      client,
      options.topic,
      options.createTopicPartitions,
      'it does not exist; --create-topic-partitions N creates it',
    );
    const partitions = selectPartitions(topic, options.partitions);
    const producer = new PerfProducer(client, partitions, options, { log });
    const result = await producer.run();
    process.stdout.write(
      (options.json ? JSON.stringify(produceJson(result, options)) : produceSummaryLine(result, options)) +
        '\n',
    );
    return producer.failed ? 1 : 0;
  });
}

async function consume(argv: string[]): Promise<number> {
  const options = parseConsumeOptions(argv);
  return withClient('perf', options.bootstrapServer, async (client) => {
    const topic = await ensureTopic(client, options.topic, null);
    const consumer = new PerfConsumer(client, topic, options, { log });
    const result = await consumer.run();
    if (options.numRecords !== null && result.records < options.numRecords) {
      log(
        `kiln perf consume: WARNING: stopped after ${result.records} of ${options.numRecords} records: ` +
          `none arrived for --timeout-ms ${options.timeoutMs}`,
      );
    }
    process.stdout.write(
      (options.json ? JSON.stringify(consumeJson(result, options)) : consumeSummaryLine(result)) + '\n',
    );
    return 0;
  });
}
