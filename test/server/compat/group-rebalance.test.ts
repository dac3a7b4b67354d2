import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type RunningBroker } from '../../helpers/broker-fixture.js';

/**
 * Three kafkajs consumers share a six-partition topic; one leaves half way. Its partitions move to
 * the other two, and every record is consumed.
 */
describe('a consumer group rebalancing', () => {
  let kiln: RunningBroker;
  beforeAll(async () => {
    kiln = await startBroker();
  });
  afterAll(async () => {
    await kiln.stop();
  });

  it(
    'moves a leaving member’s partitions to the others and loses no record',
    { timeout: 90_000 },
    async () => {
      const kafka = new Kafka({
        clientId: 'rebalance',
        brokers: [kiln.bootstrap],
        logLevel: logLevel.NOTHING,
      });
      const admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic: 'six', numPartitions: 6 }] });
      await admin.disconnect();
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      const send = async (from: number, to: number): Promise<void> => {
        const messages = [];
        for (let i = from; i < to; i++) messages.push({ key: `k${i}`, value: String(i), partition: i % 6 });
        await producer.send({ topic: 'six', messages });
      };

      const seen = new Set<string>();
      const assigned = new Map<number, number[]>();
      const consumers: Consumer[] = [];
      for (let c = 0; c < 3; c++) {
        const consumer = kafka.consumer({
          groupId: 'six-group',
          sessionTimeout: 10_000,
          heartbeatInterval: 300,
          rebalanceTimeout: 10_000,
        });
        consumer.on(consumer.events.GROUP_JOIN, (event) => {
          assigned.set(c, (event.payload.memberAssignment['six'] as number[] | undefined) ?? []);
        });
        await consumer.connect();
        await consumer.subscribe({ topic: 'six', fromBeginning: true });
        await consumer.run({ eachMessage: async ({ message }) => void seen.add(message.value!.toString()) });
        consumers.push(consumer);
      }
      const waitFor = async (condition: () => boolean, what: string): Promise<void> => {
        const deadline = Date.now() + 60_000;
        while (!condition()) {
          if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      };
      await waitFor(
        () => assigned.size === 3 && [...assigned.values()].flat().length === 6,
        'three members with six partitions',
      );
      expect([...assigned.values()].map((p) => p.length).sort()).toEqual([2, 2, 2]);

      await send(0, 300);
      await waitFor(() => seen.size === 300, 'the first 300 records');
      const leaving = assigned.get(2)!;
      await consumers[2]!.disconnect();
      await waitFor(
        () => (assigned.get(0)?.length ?? 0) + (assigned.get(1)?.length ?? 0) === 6,
        'the two remaining members to take all six partitions',
      );
      const remaining = [...(assigned.get(0) ?? []), ...(assigned.get(1) ?? [])];
      for (const partition of leaving) expect(remaining).toContain(partition);
      await send(300, 600);
      await waitFor(() => seen.size === 600, 'all 600 records');
      await producer.disconnect();
      await Promise.all(consumers.slice(0, 2).map((c) => c.disconnect()));
    },
  );
});
