/** `kiln consume`: print a topic's records (Kafka's kafka-console-consumer.sh). */
import { parseArgs } from 'node:util';
import type { Command } from '../kiln.js';
import { UsageError } from '../kiln.js';
import {
  BROKER_OPTIONS,
  bootstrapFrom,
  parseInteger,
  parseKeyValues,
  parseProperties,
  withClient,
} from '../client/cli.js';
import { fetchRecords, type ConsumeRun } from '../client/console-fetcher.js';
import {
  BrokerConnectionError,
  EARLIEST,
  KafkaError,
  LATEST,
  type KafkaClient,
  type TopicMetadata,
} from '../client/kafka-client.js';
import { ErrorCode } from '../../server/protocol/error-codes.js';
import { PRINT_PROPERTIES, makePrinter, type RecordPrinter } from '../client/record-printer.js';
import { GroupMember } from '../perf/group-member.js';

const USAGE = `usage: kiln consume --bootstrap-server HOST:PORT --topic T [options]

Prints the topic's records as they arrive, until Ctrl-C (or --max-messages, or --timeout-ms
without a record); then prints "Processed a total of N messages" on stderr and exits 0.

  --bootstrap-server B  broker list host:port[,host:port...] (--broker-list is the same)
  --topic T             the topic
  --from-beginning      start at the earliest offset (default: the latest); with --group, only
                        where the group has no committed offset
  --offset O            earliest, latest or an offset N (N needs --partition)
  --time MS             start at the first record with timestamp >= MS
  --partition N         read only partition N (default: all partitions)
  --max-messages N      stop after N records
  --timeout-ms MS       stop after MS without a record (default: never)
  --group G             consume as a member of group G (see below)
  --property k=v        print.key, print.value, print.partition, print.offset, print.timestamp,
                        print.headers (true/false), key.separator (default tab), line.separator,
                        headers.separator, null.literal
  --formatter json      one JSON object per record
  --consumer-property k=v  group.id and auto.offset.reset (earliest|latest) as a Kafka consumer
                        takes them (others are ignored, with a warning)
  --version             print kiln's version

--group G joins the group as a member, as Kafka's console consumer does: JoinGroup and SyncGroup
(range assignment; roundrobin when every member offers it), heartbeats, rejoining when the group
rebalances. Each assigned partition starts at the group's committed offset (where there is none,
per --from-beginning / --offset earliest|latest, else the latest); offsets are committed every
5 seconds, before a rebalance and at the end, and the member leaves the group on exit.
With --partition, --group is not a membership: that partition is read and its position committed
as the group's (generation -1), which brokers accept while the group has no active members.`;

/** The --consumer-property names kiln consume honours; others are ignored with a warning. */
const CONSUMER_PROPERTIES = new Set(['group.id', 'auto.offset.reset']);

/** Kafka's console consumer commits automatically every 5 s (auto.commit.interval.ms). */
const COMMIT_INTERVAL_MS = 5_000;

type Start =
  | { kind: 'earliest' }
  | { kind: 'latest' }
  | { kind: 'offset'; offset: number }
  | { kind: 'time'; time: number };

export const command: Command = {
  name: 'consume',
  summary: 'print records of a topic',
  usage: USAGE,
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        ...BROKER_OPTIONS,
        topic: { type: 'string' },
        'from-beginning': { type: 'boolean' },
        offset: { type: 'string' },
        time: { type: 'string' },
        partition: { type: 'string' },
        'max-messages': { type: 'string' },
        'timeout-ms': { type: 'string' },
        group: { type: 'string' },
        property: { type: 'string', multiple: true },
        formatter: { type: 'string' },
        'consumer-property': { type: 'string', multiple: true },
      },
    });
    const topicName = values.topic;
    if (!topicName) throw new UsageError('--topic is required');
    const time = parseInteger(values.time, '--time');
    const partition = parseInteger(values.partition, '--partition');
    const maxMessages = parseInteger(values['max-messages'], '--max-messages') ?? Infinity;
    const timeoutMs = parseInteger(values['timeout-ms'], '--timeout-ms');
    if (
      [values['from-beginning'], values.offset !== undefined, time !== undefined].filter(Boolean).length > 1
    ) {
      throw new UsageError('give at most one of --from-beginning, --offset, --time');
    }
    const consumerProps = parseKeyValues(values['consumer-property']);
    for (const name of consumerProps.keys()) {
      if (!CONSUMER_PROPERTIES.has(name))
        process.stderr.write(`kiln consume: ignoring --consumer-property ${name} (kiln does not use it)\n`);
    }
    const reset = consumerProps.get('auto.offset.reset');
    if (reset !== undefined && reset !== 'earliest' && reset !== 'latest')
      throw new UsageError(`auto.offset.reset must be earliest or latest, got '${reset}'`);
    const start = startFrom(
      values.offset ?? (time === undefined && !values['from-beginning'] ? reset : undefined),
      values['from-beginning'] ?? false,
      time,
    );
    if (start.kind === 'offset' && partition === undefined)
      throw new UsageError('--offset N needs --partition');
    if (values.formatter !== undefined && values.formatter !== 'json')
      throw new UsageError('--formatter must be json');
    const print = makePrinter(
      parseProperties(values.property, PRINT_PROPERTIES),
      values.formatter === 'json',
    );
    const group = values.group ?? consumerProps.get('group.id');

    return withClient('consume', bootstrapFrom(values), async (client) => {
      const run: ConsumeRun = { consumed: 0, maxMessages, timeoutMs, lastData: Date.now(), stopping: false };
      const stop = stopOnSignals(run);
      try {
        const topic = await topicOnceItExists(client, topicName, run);
        if (!topic) return finish(run);
        if (partition !== undefined && !topic.partitions.some((p) => p.partition === partition))
          throw new UsageError(
            `--partition ${partition} does not exist (topic has ${topic.partitions.length})`,
          );
        if (group !== undefined && partition === undefined) {
          await consumeAsMember(client, topic, group, start, print, run);
        } else {
          const partitions = partition === undefined ? topic.partitions.map((p) => p.partition) : [partition];
          const positions = await startPositions(client, topic, partitions, start, group);
          await fetchRecords({
            client,
            topic,
            positions,
            print,
            run,
            reset: outOfRange(client, topic, start),
            log,
          });
          if (group !== undefined) await client.commitOffsets(group, topic.name, positions);
        }
      } finally {
        stop();
      }
      return finish(run);
    });
  },
};

/** The closing lines of a run: exit 1 when stdout went away, as Kafka's console consumer does. */
function finish(run: ConsumeRun): number {
  if (run.stdoutClosed)
    process.stderr.write('kiln consume: Unable to write to standard out, closing consumer.\n');
  process.stderr.write(`Processed a total of ${run.consumed} messages\n`);
  return run.stdoutClosed ? 1 : 0;
}

/**
 * The topic's metadata once it exists. As a Kafka consumer does, the Metadata request lets the
 * broker create a missing topic (auto.create.topics.enable); without that, the consumer waits for
 * someone to create it, saying so once, until stopped or --timeout-ms passes (then null).
 */
async function topicOnceItExists(
  client: KafkaClient,
  name: string,
  run: ConsumeRun,
): Promise<TopicMetadata | null> {
  let told = false;
  for (;;) {
    try {
      return await client.producerTopic(name, 3);
    } catch (err) {
      if (!(err instanceof KafkaError) || err.code !== ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) throw err;
    }
    if (!told) log(`topic ${name} does not exist yet; waiting for it (Ctrl-C to stop)`);
    told = true;
    const waited = Date.now() - run.lastData;
    if (run.stopping || (run.timeoutMs !== undefined && waited >= run.timeoutMs)) return null;
    await new Promise((resolve) => setTimeout(resolve, TOPIC_WAIT_MS));
  }
}

/** How often a consumer waiting for its topic asks again. */
const TOPIC_WAIT_MS = 500;

const log = (line: string): void => {
  process.stderr.write(`kiln consume: ${line}\n`);
};

function startFrom(offset: string | undefined, fromBeginning: boolean, time: number | undefined): Start {
  if (time !== undefined) return { kind: 'time', time };
  if (fromBeginning || offset === 'earliest') return { kind: 'earliest' };
  if (offset === undefined || offset === 'latest') return { kind: 'latest' };
  if (!/^\d+$/.test(offset))
    throw new UsageError(`--offset must be earliest, latest or N >= 0, got '${offset}'`);
  return { kind: 'offset', offset: Number(offset) };
}

/**
 * Ctrl-C (and SIGTERM) end the run cleanly: the current Fetch returns, offsets are committed and
 * the group left. A second Ctrl-C exits at once. A closed stdout (`| head`) ends it too.
 */
function stopOnSignals(run: ConsumeRun): () => void {
  const onSignal = () => {
    if (run.stopping) process.exit(130);
    run.stopping = true;
  };
  const onStdoutError = (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    run.stopping = true;
    // Writes already queued fail too, after this run has ended: they are expected now.
    if (!run.stdoutClosed) process.stdout.on('error', () => {});
    run.stdoutClosed = true;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.stdout.on('error', onStdoutError);
  return () => {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    process.stdout.removeListener('error', onStdoutError);
  };
}

/** Where each partition starts when nothing committed says otherwise. */
async function resetOffsets(
  client: KafkaClient,
  topic: TopicMetadata,
  partitions: number[],
  start: Start,
): Promise<Map<number, number>> {
  if (start.kind === 'offset') return new Map(partitions.map((p) => [p, start.offset]));
  if (start.kind === 'time') {
    const found = await client.listOffsets(topic, partitions, start.time);
    const latest = await client.listOffsets(topic, partitions, LATEST);
    // No record at or after the time: start at the end, as Kafka's consumer does.
    return new Map(partitions.map((p) => [p, found.get(p)! >= 0 ? found.get(p)! : latest.get(p)!]));
  }
  return client.listOffsets(topic, partitions, start.kind === 'earliest' ? EARLIEST : LATEST);
}

/**
 * Where a partition whose position left the log goes: the earliest offset when reading from the
 * beginning, else the latest (Kafka's auto.offset.reset; an --offset N past the end lands there).
 */
function outOfRange(client: KafkaClient, topic: TopicMetadata, start: Start) {
  const to = start.kind === 'earliest' ? EARLIEST : LATEST;
  return async (partition: number) => (await client.listOffsets(topic, [partition], to)).get(partition)!;
}

/**
 * Start positions: an explicit --offset N or --time wins; otherwise the group's committed offset,
 * then the reset policy (earliest or latest).
 */
async function startPositions(
  client: KafkaClient,
  topic: TopicMetadata,
  partitions: number[],
  start: Start,
  group: string | undefined,
): Promise<Map<number, number>> {
  const reset = await resetOffsets(client, topic, partitions, start);
  if (group === undefined || start.kind === 'offset' || start.kind === 'time') return reset;
  const committed =
    (await client.committedOffsets(group, [{ name: topic.name, partitionIndexes: partitions }])).get(
      topic.name,
    ) ?? new Map<number, number>();
  return new Map(partitions.map((p) => [p, committed.get(p) ?? reset.get(p)!]));
}

/** Consumes as a member of `group` until the run ends, rejoining whenever the group rebalances. */
async function consumeAsMember(
  client: KafkaClient,
  initialTopic: TopicMetadata,
  group: string,
  start: Start,
  print: RecordPrinter,
  run: ConsumeRun,
): Promise<void> {
  const member = new GroupMember(client, group, initialTopic.name, log, 'kiln consume');
  let positions = new Map<number, number>();
  try {
    for (;;) {
      const assigned = await member.join();
      // The group may have been joined for a topic that grew partitions since.
      const topic = await client.topic(initialTopic.name);
      positions = await startPositions(client, topic, assigned, start, group);
      let rebalancing = false;
      member.startHeartbeats(() => (rebalancing = true));
      let lastCommit = Date.now();
      const end = await fetchRecords({
        client,
        topic,
        positions,
        print,
        run,
        interrupted: () => rebalancing,
        reset: outOfRange(client, topic, start),
        between: async () => {
          if (Date.now() - lastCommit < COMMIT_INTERVAL_MS) return;
          lastCommit = Date.now();
          await member.commit(positions).catch((err: Error) => log(`commit failed: ${err.message}`));
        },
        log,
      });
      member.stopHeartbeats();
      if (end !== 'interrupted') break;
      // Before giving the partitions up, commit where this member got to (still this generation).
      await member
        .commit(positions)
        .catch((err: Error) => log(`commit before rejoining failed: ${err.message}`));
    }
    await member.commit(positions);
  } finally {
    member.stopHeartbeats();
    await member.leave().catch((err: Error) => {
      // A lost broker is reported once, by withClient; a failed leave on top of it says nothing new.
      if (!(err instanceof BrokerConnectionError)) log(`leaving group ${group} failed: ${err.message}`);
    });
  }
}
