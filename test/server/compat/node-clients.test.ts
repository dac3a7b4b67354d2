import {
  Consumer as PlatformaticConsumer,
  Producer as PlatformaticProducer,
  Admin as PlatformaticAdmin,
  stringDeserializers,
  stringSerializers,
} from '@platformatic/kafka';
import { CompressionTypes, Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type RunningBroker } from '../../helpers/broker-fixture.js';

/** kafkajs 2.2.4 and @platformatic/kafka 1.35, unmodified, against a Kiln broker. */
describe('Node.js clients against Kiln', () => {
  let kiln: RunningBroker;
  beforeAll(async () => {
    kiln = await startBroker();
  });
  afterAll(async () => {
    await kiln.stop();
  });

  it('kafkajs: admin creates a topic, an idempotent gzip producer writes, a consumer group reads everything and commits', async () => {
    const kafka = new Kafka({ clientId: 'kiln-test', brokers: [kiln.bootstrap], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    expect(await admin.createTopics({ topics: [{ topic: 'kafkajs', numPartitions: 3 }] })).toBe(true);
    expect(await admin.listTopics()).toContain('kafkajs');
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const messages = Array.from({ length: 30 }, (_, i) => ({ key: `k${i}`, value: `v${i}` }));
    await producer.send({ topic: 'kafkajs', compression: CompressionTypes.GZIP, messages });
    await producer.disconnect();
    const offsets = await admin.fetchTopicOffsets('kafkajs');
    expect(offsets.reduce((sum, p) => sum + Number(p.high), 0)).toBe(30);

    const consumer = kafka.consumer({ groupId: 'kafkajs-group' });
    await consumer.connect();
    await consumer.subscribe({ topic: 'kafkajs', fromBeginning: true });
    const seen = new Set<string>();
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          eachMessage: async ({ message }) => {
            seen.add(message.value!.toString());
            if (seen.size === 30) resolve();
          },
        })
        .catch(reject);
    });
    await consumer.disconnect();
    expect(seen.size).toBe(30);
    const committed = await admin.fetchOffsets({ groupId: 'kafkajs-group', topics: ['kafkajs'] });
    expect(committed[0]!.partitions.reduce((sum, p) => sum + Number(p.offset), 0)).toBe(30);
    expect((await admin.listGroups()).groups.map((g) => g.groupId)).toContain('kafkajs-group');
    const described = await admin.describeGroups(['kafkajs-group']);
    expect(described.groups[0]).toMatchObject({
      groupId: 'kafkajs-group',
      state: 'Empty',
      protocolType: 'consumer',
    });
    await admin.deleteGroups(['kafkajs-group']);
    expect((await admin.listGroups()).groups.map((g) => g.groupId)).not.toContain('kafkajs-group');
    await admin.disconnect();
  });

  it('@platformatic/kafka: admin, an idempotent producer and a consumer group', async () => {
    const admin = new PlatformaticAdmin({ clientId: 'kiln-test', bootstrapBrokers: [kiln.bootstrap] });
    await admin.createTopics({ topics: ['platformatic'], partitions: 2, replicas: 1 });
    await admin.close();
    const producer = new PlatformaticProducer({
      clientId: 'kiln-test',
      bootstrapBrokers: [kiln.bootstrap],
      serializers: stringSerializers,
      idempotent: true,
    });
    await producer.send({
      messages: Array.from({ length: 20 }, (_, i) => ({
        topic: 'platformatic',
        key: `k${i}`,
        value: `v${i}`,
      })),
    });
    await producer.close();
    const consumer = new PlatformaticConsumer({
      groupId: 'platformatic-group',
      clientId: 'kiln-test',
      bootstrapBrokers: [kiln.bootstrap],
      deserializers: stringDeserializers,
    });
    const stream = await consumer.consume({
      topics: ['platformatic'],
      mode: 'earliest',
      autocommit: true,
      sessionTimeout: 10_000,
      heartbeatInterval: 500,
    });
    const seen = new Set<string>();
    for await (const message of stream) {
      seen.add(message.value);
      if (seen.size === 20) break;
    }
    await stream.close();
    await consumer.close();
    expect(seen.size).toBe(20);
  });
});
