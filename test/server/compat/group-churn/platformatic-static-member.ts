/**
 * One @platformatic/kafka 1.35 consumer with a group.instance.id, in a process of its own so a
 * test can kill it (SIGKILL: no LeaveGroup, as a crashed or restarted process) and start it again.
 *
 * Usage: node --import tsx platformatic-static-member.ts BOOTSTRAP GROUP TOPIC INSTANCE_ID SESSION_MS
 *
 * Prints one JSON object per line:
 *   {"ev":"join","partitions":[p,...],"leader":bool,"t":unix_ms}   a join (and sync) completed
 *   {"ev":"rejoin","t":unix_ms}         a heartbeat was told to rejoin (a rebalance started)
 *   {"ev":"msgs","values":["p/value",...]}                  records read since the last such line
 */
import { Consumer, stringDeserializers } from '@platformatic/kafka';

const [bootstrap, group, topic, instance, sessionMs] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
];
const emit = (o: object): void => void process.stdout.write(`${JSON.stringify(o)}\n`);

const consumer = new Consumer({
  groupId: group,
  groupInstanceId: instance,
  clientId: instance,
  bootstrapBrokers: [bootstrap],
  deserializers: stringDeserializers,
  sessionTimeout: Number(sessionMs),
  rebalanceTimeout: 30_000,
  heartbeatInterval: 500,
});
consumer.on('consumer:group:join', (event: { isLeader?: boolean }) => {
  const partitions = (consumer.assignments ?? [])
    .filter((a) => a.topic === topic)
    .flatMap((a) => a.partitions);
  emit({
    ev: 'join',
    partitions: partitions.sort((a, b) => a - b),
    leader: Boolean(event.isLeader),
    t: Date.now(),
  });
});
consumer.on('consumer:rejoin', () => emit({ ev: 'rejoin', t: Date.now() }));

const stream = await consumer.consume({
  topics: [topic],
  mode: 'committed',
  fallbackMode: 'earliest',
  autocommit: 200,
});
let values: string[] = [];
stream.on('data', (message: { partition: number; value: string }) => {
  values.push(`${message.partition}/${message.value}`);
});
stream.on('error', (err: Error) => process.stderr.write(`stream: ${err.message}\n`));
setInterval(() => {
  if (values.length === 0) return;
  emit({ ev: 'msgs', values });
  values = [];
}, 100);
