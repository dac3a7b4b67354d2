/**
 * The admin requests of the reassignment run, through the tools' client (tools/client): a
 * partition's size on one broker (DescribeLogDirs, key 35), the replication throttles
 * (IncrementalAlterConfigs on each broker and on the topic), starting a move
 * (AlterPartitionReassignments, key 45) and following it (ListPartitionReassignments, key 46).
 * Moves are the controller's (Metadata's controllerId names it); a NOT_CONTROLLER answer, as when
 * the controller changed, sends the request again to the one Metadata names then.
 */
import { AlterPartitionReassignmentsApi } from '../../server/protocol/apis/alter-partition-reassignments.js';
import { DescribeLogDirsApi } from '../../server/protocol/apis/describe-log-dirs.js';
import { ListPartitionReassignmentsApi } from '../../server/protocol/apis/list-partition-reassignments.js';
import { ErrorCode } from '../../server/protocol/error-codes.js';
import { errorName, type Connection, type KafkaClient } from '../../tools/client/kafka-client.js';
import type { ThrottleConfigs } from './reassign-plan.js';

const RESOURCE_TOPIC = 2;
const RESOURCE_BROKER = 4;
/** How many times a NOT_CONTROLLER answer is retried, half a second apart. */
const CONTROLLER_ATTEMPTS = 10;

/** The size in bytes of `topic`-`partition` on broker `brokerId`, or null if it has no replica. */
export async function partitionSize(
  client: KafkaClient,
  brokerId: number,
  topic: string,
  partition: number,
): Promise<number | null> {
  await client.metadata([]);
  const conn = await client.node(brokerId);
  const answer = await conn.request(DescribeLogDirsApi, { topics: [{ topic, partitions: [partition] }] });
  if (answer.errorCode !== ErrorCode.NONE)
    throw new Error(`DescribeLogDirs on broker ${brokerId}: ${errorName(answer.errorCode)}`);
  let size: number | null = null;
  for (const dir of answer.results) {
    for (const t of dir.topics) {
      if (t.name !== topic) continue;
      for (const p of t.partitions)
        if (p.partitionIndex === partition && !p.isFutureKey) size = (size ?? 0) + p.partitionSize;
    }
  }
  return size;
}

/** Thrown when a broker refuses the throttle configs (a Kiln without replication throttles). */
export class ThrottleRefusedError extends Error {}

/**
 * Sets the throttle as kafka-reassign-partitions --throttle does: both rates on every broker
 * involved, then the topic's leader and follower lists.
 */
export async function setThrottles(
  client: KafkaClient,
  topic: string,
  throttle: ThrottleConfigs,
): Promise<void> {
  const brokerSet = new Map(Object.entries(throttle.brokerConfigs));
  const topicSet = new Map(Object.entries(throttle.topicConfigs));
  const refused = (what: string, names: Iterable<string>, err: unknown): ThrottleRefusedError =>
    new ThrottleRefusedError(
      `the throttle was not set: ${what} refused ${[...names].join(', ')} (${(err as Error).message})`,
    );
  for (const id of throttle.brokers) {
    try {
      await client.alterConfigs(RESOURCE_BROKER, String(id), brokerSet, []);
    } catch (err) {
      throw refused(`broker ${id}`, brokerSet.keys(), err);
    }
  }
  try {
    await client.alterConfigs(RESOURCE_TOPIC, topic, topicSet, []);
  } catch (err) {
    throw refused(`topic ${topic}`, topicSet.keys(), err);
  }
}

/** The controller's connection, asked of Metadata each time (it may have moved). */
async function controller(client: KafkaClient): Promise<Connection> {
  const meta = await client.metadata([]);
  if (meta.controllerId < 0) throw new Error('no controller (Metadata names none)');
  return client.node(meta.controllerId);
}

async function withController<T extends { errorCode: number; errorMessage: string | null }>(
  client: KafkaClient,
  what: string,
  send: (conn: Connection) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const answer = await send(await controller(client));
    if (answer.errorCode === ErrorCode.NOT_CONTROLLER && attempt < CONTROLLER_ATTEMPTS) {
      await new Promise((r) => setTimeout(r, 500));
      continue;
    }
    if (answer.errorCode !== ErrorCode.NONE)
      throw new Error(
        `${what}: ${errorName(answer.errorCode)}${answer.errorMessage ? ` (${answer.errorMessage})` : ''}`,
      );
    return answer;
  }
}

/** Asks the controller to move the partition to `replicas`; resolves once the move is accepted. */
export async function startMove(
  client: KafkaClient,
  topic: string,
  partition: number,
  replicas: number[],
): Promise<void> {
  const what = `AlterPartitionReassignments ${topic}-${partition} to [${replicas.join(',')}]`;
  const answer = await withController(client, what, (conn) =>
    conn.request(AlterPartitionReassignmentsApi, {
      timeoutMs: 30_000,
      topics: [{ name: topic, partitions: [{ partitionIndex: partition, replicas }] }],
    }),
  );
  const result = answer.responses
    .find((t) => t.name === topic)
    ?.partitions.find((p) => p.partitionIndex === partition);
  if (!result) throw new Error(`${what}: the answer does not name the partition`);
  if (result.errorCode !== ErrorCode.NONE)
    throw new Error(
      `${what}: ${errorName(result.errorCode)}${result.errorMessage ? ` (${result.errorMessage})` : ''}`,
    );
}

/** Whether ListPartitionReassignments lists the partition as moving. */
export async function isMoving(client: KafkaClient, topic: string, partition: number): Promise<boolean> {
  const answer = await withController(client, `ListPartitionReassignments ${topic}-${partition}`, (conn) =>
    conn.request(ListPartitionReassignmentsApi, {
      timeoutMs: 10_000,
      topics: [{ name: topic, partitionIndexes: [partition] }],
    }),
  );
  return answer.topics.some(
    (t) => t.name === topic && t.partitions.some((p) => p.partitionIndex === partition),
  );
}

/**
 * Polls until the partition is no longer listed as moving; resolves with the time of the first
 * poll that did not list it (performance.now()) and the number of polls.
 */
export async function waitForMoveEnd(
  client: KafkaClient,
  topic: string,
  partition: number,
  options: { pollMs: number; timeoutMs: number },
): Promise<{ endedAt: number; polls: number }> {
  const deadline = performance.now() + options.timeoutMs;
  for (let polls = 1; ; polls++) {
    if (!(await isMoving(client, topic, partition))) return { endedAt: performance.now(), polls };
    if (performance.now() > deadline)
      throw new Error(
        `the move of ${topic}-${partition} did not end in ${(options.timeoutMs / 1000).toFixed(0)} s`,
      );
    await new Promise((r) => setTimeout(r, options.pollMs));
  }
}

/** Waits until Metadata shows the partition on `replicas` with all of them in sync; returns them. */
export async function waitForReplicas(
  client: KafkaClient,
  topic: string,
  partition: number,
  replicas: readonly number[],
  timeoutMs: number,
): Promise<{ replicas: number[]; isr: number[]; leader: number }> {
  const deadline = performance.now() + timeoutMs;
  const wanted = [...replicas].sort().join(',');
  let last = 'no metadata yet';
  for (;;) {
    try {
      const p = (await client.topic(topic)).partitions.find((m) => m.partition === partition);
      if (p) {
        last = `replicas [${p.replicas.join(',')}], isr [${p.isr.join(',')}], leader ${p.leader}`;
        const done =
          p.errorCode === ErrorCode.NONE &&
          p.leader >= 0 &&
          p.replicas.join(',') === replicas.join(',') &&
          [...p.isr].sort().join(',') === wanted;
        if (done) return { replicas: p.replicas, isr: p.isr, leader: p.leader };
      }
    } catch (err) {
      last = (err as Error).message;
    }
    if (performance.now() > deadline)
      throw new Error(
        `${topic}-${partition} did not reach replicas [${replicas.join(',')}] all in sync in ${timeoutMs} ms (${last})`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
}
