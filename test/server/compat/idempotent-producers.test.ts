import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Producer as PlatformaticProducer, stringSerializers } from '@platformatic/kafka';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { iterateBatches, readRecords } from '../../../engine/index.js';
import { startBroker, type RunningBroker } from '../../helpers/broker-fixture.js';

/**
 * The idempotent producers of @platformatic/kafka, kafkajs and librdkafka (kcat) on one topic, one
 * after another and all at once. Each producer needs its own producer id: when InitProducerId
 * echoed the id a client sent, every @platformatic producer got id 0 and a new one's first records
 * were acknowledged as duplicates and never written.
 */
const run = promisify(execFile);
const TOPIC = 'idempotent-mix';

describe('idempotent producers of every client on one topic', () => {
  let kiln: RunningBroker;
  beforeAll(async () => {
    kiln = await startBroker();
    const admin = new Kafka({ brokers: [kiln.bootstrap], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 1 }] });
    await admin.disconnect();
  });
  afterAll(async () => {
    await kiln.stop();
  });

  const values = (name: string, count: number): string[] =>
    Array.from({ length: count }, (_, i) => `${name}-${i}`);

  async function platformatic(name: string, count: number): Promise<void> {
    const producer = new PlatformaticProducer({
      clientId: name,
      bootstrapBrokers: [kiln.bootstrap],
      serializers: stringSerializers,
      idempotent: true,
    });
    try {
      for (const value of values(name, count)) await producer.send({ messages: [{ topic: TOPIC, value }] });
    } finally {
      await producer.close();
    }
  }

  async function kafkajs(name: string, count: number): Promise<void> {
    const kafka = new Kafka({ clientId: name, brokers: [kiln.bootstrap], logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      for (const value of values(name, count)) await producer.send({ topic: TOPIC, messages: [{ value }] });
    } finally {
      await producer.disconnect();
    }
  }

  async function kcat(name: string, count: number): Promise<void> {
    const child = run(
      'kcat',
      ['-b', kiln.bootstrap, '-P', '-t', TOPIC, '-X', 'enable.idempotence=true', '-X', 'linger.ms=1'],
      { timeout: 30_000 },
    );
    child.child.stdin!.end(values(name, count).join('\n') + '\n');
    const { stderr } = await child;
    expect(stderr).not.toMatch(/ERROR|failed/i);
  }

  async function stored(): Promise<string[]> {
    const log = kiln.broker.logManager!.getLog(TOPIC, 0)!;
    const out: string[] = [];
    let position = 0;
    while (position < log.logEndOffset) {
      const read = await log.read(position, 1 << 20);
      if (read.records.length === 0) break;
      for (const batch of iterateBatches(read.records)) {
        position = batch.lastOffset + 1;
        expect(batch.producerId).toBeGreaterThanOrEqual(0);
        for (const record of readRecords(batch)) out.push(record.value!.toString());
      }
    }
    return out;
  }

  it(
    'in turn and at once, every acknowledged record is stored exactly once',
    { timeout: 90_000 },
    async () => {
      const expected: string[] = [];
      const add = (name: string, count: number): [string, number] => {
        expected.push(...values(name, count));
        return [name, count];
      };
      // In turn: a second producer of each client starts after the others, as a restarted app would.
      await platformatic(...add('platformatic-a', 20));
      await kafkajs(...add('kafkajs-a', 20));
      await kcat(...add('kcat-a', 20));
      await platformatic(...add('platformatic-b', 20));
      await kafkajs(...add('kafkajs-b', 20));
      await kcat(...add('kcat-b', 20));
      // At once.
      await Promise.all([
        platformatic(...add('platformatic-c', 30)),
        platformatic(...add('platformatic-d', 30)),
        kafkajs(...add('kafkajs-c', 30)),
        kcat(...add('kcat-c', 30)),
      ]);
      const found = await stored();
      expect(found.length).toBe(expected.length);
      expect([...found].sort()).toEqual([...expected].sort());
      // Each producer's records are in the order it sent them.
      for (const name of ['platformatic-a', 'kafkajs-c', 'kcat-c', 'platformatic-d']) {
        const mine = found.filter((v) => v.startsWith(`${name}-`));
        expect(mine).toEqual(values(name, mine.length));
      }
    },
  );
});
