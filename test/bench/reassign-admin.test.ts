// The reassignment run's admin requests against a real single-node broker in this process:
// partition sizes from DescribeLogDirs, the throttle set or refused with a readable reason, and
// what a broker that cannot move a partition answers. (The run itself, moves included, is
// reassign-run.test.ts.)
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ThrottleRefusedError,
  isMoving,
  partitionSize,
  setThrottles,
  startMove,
  waitForMoveEnd,
  waitForReplicas,
} from '../../bench/e2e/reassign-admin.js';
import { throttleConfigs } from '../../bench/e2e/reassign-plan.js';
import { KafkaClient } from '../../tools/client/kafka-client.js';
import { startBroker, type RunningBroker } from '../helpers/broker-fixture.js';

const TOPIC = 'sizes';
let broker: RunningBroker;
let client: KafkaClient;

beforeAll(async () => {
  broker = await startBroker({ 'broker.id': '1' });
  const kafka = new Kafka({
    clientId: 'reassign-admin',
    brokers: [broker.bootstrap],
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  const producer = kafka.producer();
  try {
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 2 }], waitForLeaders: true });
    await producer.connect();
    const value = Buffer.alloc(1000, 7);
    await producer.send({
      topic: TOPIC,
      acks: -1,
      messages: Array.from({ length: 100 }, () => ({ value, partition: 0 })),
    });
  } finally {
    await producer.disconnect();
    await admin.disconnect();
  }
  client = await KafkaClient.connect(broker.bootstrap, 'reassign-admin-test');
});

afterAll(async () => {
  client?.close();
  await broker?.stop();
});

describe('partitionSize', () => {
  it("is the replica's size on disk, as the broker's log has it; null for a partition it lacks", async () => {
    const size = await partitionSize(client, 1, TOPIC, 0);
    expect(size).toBe(broker.broker.logManager?.getLog(TOPIC, 0)?.size);
    expect(size).toBeGreaterThan(100 * 1000);
    expect(await partitionSize(client, 1, TOPIC, 1)).toBe(0);
    expect(await partitionSize(client, 1, TOPIC, 9)).toBeNull();
    expect(await partitionSize(client, 1, 'no-such-topic', 0)).toBeNull();
  });
});

describe('setThrottles', () => {
  it("sets both rates on the broker and the topic's lists, as the broker then describes them", async () => {
    await setThrottles(client, TOPIC, throttleConfigs(0, [1], [1], 5e6));
    const brokerConfigs = new Map((await client.describeConfigs(4, '1')).map((c) => [c.name, c.value]));
    expect(brokerConfigs.get('leader.replication.throttled.rate')).toBe('5000000');
    expect(brokerConfigs.get('follower.replication.throttled.rate')).toBe('5000000');
    const topicConfigs = new Map((await client.describeConfigs(2, TOPIC)).map((c) => [c.name, c.value]));
    expect(topicConfigs.get('leader.replication.throttled.replicas')).toBe('0:1');
    expect(topicConfigs.get('follower.replication.throttled.replicas')).toBe('');
  });

  it('says which broker or topic refused which configs, and why', async () => {
    // A single node takes dynamic configs for its own id only.
    const other = setThrottles(client, TOPIC, throttleConfigs(0, [1], [2], 5e6));
    await expect(other).rejects.toThrow(ThrottleRefusedError);
    await expect(other).rejects.toThrow(
      /^the throttle was not set: broker 2 refused leader\.replication\.throttled\.rate, follower\.replication\.throttled\.rate \(IncrementalAlterConfigs 2: [A-Z_]+/,
    );
    const bad = throttleConfigs(0, [1], [1], 5e6);
    bad.topicConfigs['leader.replication.throttled.replicas'] = '0:one';
    await expect(setThrottles(client, TOPIC, bad)).rejects.toThrow(
      /^the throttle was not set: topic sizes refused leader\.replication\.throttled\.replicas, follower\.replication\.throttled\.replicas \(IncrementalAlterConfigs sizes: INVALID_CONFIG/,
    );
  });
});

describe('moves on a broker that cannot make them', () => {
  it('a refused move names the request and the error; nothing is listed as moving', async () => {
    await expect(startMove(client, TOPIC, 0, [3, 2])).rejects.toThrow(
      /^AlterPartitionReassignments sizes-0 to \[3,2\]: [A-Z_]+/,
    );
    expect(await isMoving(client, TOPIC, 0)).toBe(false);
    const ended = await waitForMoveEnd(client, TOPIC, 0, { pollMs: 10, timeoutMs: 1000 });
    expect(ended.polls).toBe(1);
  });

  it('waitForReplicas returns the replicas in sync, and names what it saw when they do not come', async () => {
    expect(await waitForReplicas(client, TOPIC, 0, [1], 5000)).toEqual({
      replicas: [1],
      isr: [1],
      leader: 1,
    });
    await expect(waitForReplicas(client, TOPIC, 0, [3, 2], 300)).rejects.toThrow(
      'sizes-0 did not reach replicas [3,2] all in sync in 300 ms (replicas [1], isr [1], leader 1)',
    );
  });
});
