import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Producer as PlatformaticProducer, stringSerializers } from '@platformatic/kafka';
import { Kafka, logLevel } from 'kafkajs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Broker } from '../../../server/broker.js';
import { ErrorCode } from '../../../server/protocol/error-codes.js';
import { ProtocolClient } from '../../helpers/protocol-client.js';
import { buildBrokerConfig } from '../../../server/config.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';

/**
 * Transactions are not supported: each real client's transactional producer must fail at its
 * start with a readable error (not retry until a timeout), and the broker must say why in a warning
 * naming the client and the transactional id. A hang fails the test by its timeout.
 */
const run = promisify(execFile);
const script = fileURLToPath(new URL('./python/confluent_transactional.py', import.meta.url));

describe('transactional producers are refused at once', () => {
  let broker: Broker;
  let bootstrap: string;
  const dir = makeTempDir('kiln-tx-');
  const warnings: Record<string, unknown>[] = [];
  beforeAll(async () => {
    const config = buildBrokerConfig({
      listeners: 'PLAINTEXT://127.0.0.1:0',
      'log.dirs': dir,
      'kiln.admin.listener': 'none',
    });
    const log = pino(
      { level: 'warn' },
      { write: (line: string) => void warnings.push(JSON.parse(line) as Record<string, unknown>) },
    );
    broker = new Broker(config, log);
    await broker.start();
    bootstrap = `127.0.0.1:${broker.port}`;
  });
  afterAll(async () => {
    await broker.stop();
    removeTempDir(dir);
  });

  const refusals = (transactionalId: string): Record<string, unknown>[] =>
    warnings.filter((w) => w.transactionalId === transactionalId);

  it('kafkajs: transaction() of a transactional producer rejects with "Transactional Id authorization failed"', async () => {
    const kafka = new Kafka({
      clientId: 'kafkajs-tx-client',
      brokers: [bootstrap],
      logLevel: logLevel.NOTHING,
    });
    const producer = kafka.producer({
      transactionalId: 'kafkajs-tx',
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
    await expect(producer.transaction()).rejects.toThrow(/transactional id authorization failed/i);
    await producer.disconnect();
    expect(refusals('kafkajs-tx')).toMatchObject([{ clientId: 'kafkajs-tx-client' }]);
    expect(String(refusals('kafkajs-tx')[0]!.msg)).toMatch(/transactions are not supported/);
  });

  it('confluent-kafka-python: init_transactions fails fatally with TRANSACTIONAL_ID_AUTHORIZATION_FAILED', async () => {
    const { stdout } = await run('/usr/bin/python3', [script, bootstrap, 'confluent-tx'], {
      timeout: 60_000,
    });
    const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
    expect(result.error).toBe('TRANSACTIONAL_ID_AUTHORIZATION_FAILED');
    expect(result.fatal).toBe(true);
    expect(String(result.text)).toMatch(/Transactional Id authorization failed/i);
    expect(refusals('confluent-tx')).toMatchObject([{ clientId: 'confluent-tx-client' }]);
  });

  it('@platformatic/kafka: beginTransaction() rejects with the refusal', async () => {
    const producer = new PlatformaticProducer({
      clientId: 'platformatic-tx-client',
      bootstrapBrokers: [bootstrap],
      serializers: stringSerializers,
      idempotent: true,
      transactionalId: 'platformatic-tx',
      retries: 0,
    });
    let error: unknown;
    try {
      await producer.beginTransaction();
    } catch (err) {
      error = err;
    }
    await producer.close();
    const text = JSON.stringify(error, Object.getOwnPropertyNames(error)) + String(error);
    expect(text).toMatch(/TRANSACTIONAL_ID_AUTHORIZATION_FAILED|Transactional Id authorization failed/i);
    expect(refusals('platformatic-tx')).toMatchObject([{ clientId: 'platformatic-tx-client' }]);
  });

  it('a transactional id asking again within the minute is refused each time but warned about once', async () => {
    const client = await ProtocolClient.connect(bootstrap);
    const init = (transactionalId: string) =>
      client.request(
        22,
        4,
        { transactionalId, transactionTimeoutMs: 60000, producerId: -1, producerEpoch: -1 },
        'raw-client',
      );
    for (let i = 0; i < 3; i++)
      expect((await init('again-tx')).errorCode).toBe(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    expect((await init('other-tx')).errorCode).toBe(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    client.close();
    expect(refusals('again-tx')).toMatchObject([{ clientId: 'raw-client', level: 40 }]);
    expect(refusals('other-tx')).toHaveLength(1);
  });

  it('a client naming ever new transactional ids is refused each time, with at most 50 warning lines a minute', async () => {
    const client = await ProtocolClient.connect(bootstrap);
    for (let i = 0; i < 200; i++) {
      const response = await client.request(22, 4, {
        transactionalId: `flood-tx-${i}`,
        transactionTimeoutMs: 60000,
        producerId: -1,
        producerEpoch: -1,
      });
      expect(response.errorCode).toBe(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    }
    client.close();
    const flood = warnings.filter((w) => String(w.transactionalId).startsWith('flood-tx-'));
    // Before, each new id wrote a line: 200 of them.
    expect(flood.length).toBeGreaterThan(0);
    expect(flood.length).toBeLessThanOrEqual(50);
  });
});
