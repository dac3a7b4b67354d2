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
 * "close" on stdin).
 */
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
  emit({ ev: 'ready', t: Date.now() });
  consumer.on('consumer:group:join', () =>
    owned((consumer.assignments ?? []).filter((a) => a.topic === topic).flatMap((a) => a.partitions)),
  );
  const stream = await consumer.consume({
    topics: [topic],
    mode: 'committed',
    fallbackMode: 'earliest',
    autocommit: 500,
  });
  stream.on('data', (message: { partition: number; offset: bigint }) =>
    report([[message.partition, Number(message.offset)]]),
  );
  stream.on('error', (err: Error) => process.stderr.write(`stream: ${err.message}\n`));
  return async () => {
    await stream.close();
    await consumer.close();
  };
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
