/**
 * One Node.js group member of the group churn benchmark: kafkajs 2.2.4 or @platformatic/kafka 1.35,
 * in a process of its own so the run can SIGKILL it. Started by member-process.ts as
 * `node --import tsx member-node.ts KIND BOOTSTRAP GROUP TOPIC SESSION_MS HEARTBEAT_MS`.
 *
 * Offsets are committed automatically every 500 ms for records handed to the application; a
 * clean close commits and sends LeaveGroup. Both clients' own default assignors are used
 * (round-robin; neither has a cooperative one).
 *
 * stdout and stdin as bench/group-churn/member_rdkafka.py documents them ("ready", "owned", "msgs", "closed";
 * "close" on stdin), and {"ev":"restart","t":unix_ms} when an @platformatic/kafka stream ended on an
 * error and the member consumes again (below). CHURN_TRACE=DIR traces its requests (member-process.ts).
 */
import { tracingChannel } from 'node:diagnostics_channel';
import { createInterface } from 'node:readline';
import { Consumer as PlatformaticConsumer, stringDeserializers } from '@platformatic/kafka';
import { Kafka, logLevel } from 'kafkajs';

const [kind, bootstrap, group, topic, sessionText, heartbeatText] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
  string,
];
const sessionTimeout = Number(sessionText);
const heartbeatInterval = Number(heartbeatText);
const emit = (o: object): void => void process.stdout.write(`${JSON.stringify(o)}\n`);
const owned = (partitions: number[]): void =>
  emit({ ev: 'owned', partitions: [...partitions].sort((a, b) => a - b), t: Date.now() });

/**
 * Records read, reported before their offsets can be committed: a line per kafkajs batch before
 * its offsets are resolved, a line per @platformatic/kafka record as the stream hands it over
 * (writes to a pipe are synchronous on Linux). A commit thus never covers a record this process
 * read but did not report, and a crash cannot make a read record look lost.
 */
const report = (recs: [number, number][]): void => emit({ ev: 'msgs', t: Date.now(), recs });

async function startKafkajs(): Promise<() => Promise<void>> {
  const kafka = new Kafka({ clientId: 'churn-kafkajs', brokers: [bootstrap], logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({
    groupId: group,
    sessionTimeout,
    heartbeatInterval,
    maxWaitTimeInMs: 100,
  });
  consumer.on(consumer.events.GROUP_JOIN, (e) => owned(e.payload.memberAssignment[topic] ?? []));
  await consumer.connect();
  emit({ ev: 'ready', t: Date.now() });
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    autoCommitInterval: 500,
    eachBatch: async ({ batch, resolveOffset }) => {
      report(batch.messages.map((m) => [batch.partition, Number(m.offset)]));
      for (const message of batch.messages) resolveOffset(message.offset);
    },
  });
  return () => consumer.disconnect();
}

/** CHURN_TRACE=DIR: every request (but Fetch) the client sends, its answer's error codes, and its group events, on stderr. */
function tracePlatformatic(consumer: PlatformaticConsumer<string, string, string, string>): void {
  const line = (text: string): void => void process.stderr.write(`${Date.now()} ${text}\n`);
  const errors = (value: unknown, found: string[] = []): string[] => {
    if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        if (k === 'errorCode' && typeof v === 'number' && v !== 0) found.push(String(v));
        else if (typeof v === 'object') errors(v, found);
      }
    }
    return found;
  };
  type Ctx = { apiKey: number; correlationId: number; result?: unknown; error?: Error };
  tracingChannel('plt:kafka:connections:api').subscribe({
    start: (c) => {
      if ((c as Ctx).apiKey !== 1) line(`send api=${(c as Ctx).apiKey} corr=${(c as Ctx).correlationId}`);
    },
    asyncStart: (c) => {
      const ctx = c as Ctx;
      if (ctx.apiKey === 1 && !ctx.error) return; // fetch answers: too many
      const codes = ctx.error ? codesOf(ctx.error) : errors(ctx.result).join(',') || 'ok';
      line(`recv api=${ctx.apiKey} corr=${ctx.correlationId} ${codes}`);
    },
    end: () => {},
    asyncEnd: () => {},
    error: () => {},
  });
  for (const event of [
    'consumer:group:join',
    'consumer:group:rebalance',
    'consumer:rejoin',
    'consumer:heartbeat:error',
  ])
    consumer.on(event as 'consumer:group:join', (payload: unknown) =>
      line(
        `${event} ${JSON.stringify(payload, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`,
      ),
    );
}

async function startPlatformatic(): Promise<() => Promise<void>> {
  const consumer = new PlatformaticConsumer({
    groupId: group,
    clientId: 'churn-platformatic',
    bootstrapBrokers: [bootstrap],
    deserializers: stringDeserializers,
    sessionTimeout,
    rebalanceTimeout: 30_000,
    heartbeatInterval,
    maxWaitTime: 100,
  });
  if (process.env.CHURN_TRACE) tracePlatformatic(consumer);
  emit({ ev: 'ready', t: Date.now() });
  consumer.on('consumer:group:join', () =>
    owned((consumer.assignments ?? []).filter((a) => a.topic === topic).flatMap((a) => a.partitions)),
  );
  // @platformatic/kafka 1.35 destroys the stream when an automatic commit still fails after its
  // retries with a "rejoin" error, and the consumer stays in the group with its partitions; an
  // application has to start consuming again. That happens under churn: a commit that reaches the
  // coordinator while the group waits for the leader's assignment gets REBALANCE_IN_PROGRESS (as
  // from Kafka), the client answers it with a JoinGroup of its own on top of the rejoin it is
  // already doing, and when it is the leader, that JoinGroup starts yet another rebalance (Kafka's
  // rule for a leader's JoinGroup in a stable group), which fails the retried commit again. The
  // member reports each restart ("restart" on stdout) and reads on from the group's commits.
  let stream: Awaited<ReturnType<typeof consumer.consume>> | null = null;
  let closing = false;
  const consume = async (): Promise<void> => {
    const current = await consumer.consume({
      topics: [topic],
      mode: 'committed',
      fallbackMode: 'earliest',
      autocommit: 500,
    });
    stream = current;
    current.on('data', (message: { partition: number; offset: bigint }) =>
      report([[message.partition, Number(message.offset)]]),
    );
    if (process.env.CHURN_TRACE)
      current.on('autocommit', (err: (Error & { errors?: { apiId?: string }[] }) | null) => {
        if (err) process.stderr.write(`${Date.now()} autocommit: ${codesOf(err)}\n`);
      });
    current.on('error', (err: Error & { errors?: { apiId?: string }[] }) => {
      process.stderr.write(`stream at ${Date.now()}: ${err.message} (${codesOf(err)})\n`);
      if (closing) return;
      emit({ ev: 'restart', t: Date.now() });
      // Consuming again can fail while the client is still rejoining: try again shortly.
      const again = (): void => {
        if (closing) return;
        consume().catch((e: Error) => {
          process.stderr.write(`consume: ${e.message}\n`);
          setTimeout(again, 500);
        });
      };
      if (current.closed) again();
      else current.once('close', again);
    });
  };
  await consume();
  return async () => {
    closing = true;
    await stream?.close();
    await consumer.close();
  };
}

/** The protocol error names in one of the client's errors. */
function codesOf(err: Error & { errors?: { apiId?: string }[] }): string {
  return err.errors?.map((e) => e.apiId ?? '?').join(',') ?? err.message;
}

const close = kind === 'kafkajs' ? await startKafkajs() : await startPlatformatic();
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() !== 'close') return;
  void close().then(
    () => {
      emit({ ev: 'closed', t: Date.now() });
      process.exit(0);
    },
    (err: Error) => {
      process.stderr.write(`close: ${err.message}\n`);
      process.exit(1);
    },
  );
});
