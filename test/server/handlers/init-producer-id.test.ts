import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBatch } from '../../../engine/index.js';
import { ErrorCode } from '../../../server/protocol/error-codes.js';
import { startBroker, type RunningBroker } from '../../helpers/broker-fixture.js';
import { PRODUCER_IDS_FILE } from '../../../server/cluster/producer-ids.js';
import { ProtocolClient } from '../../helpers/protocol-client.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';

/** InitProducerId over the wire: ids for idempotent producers. */
describe('InitProducerId', () => {
  let kiln: RunningBroker;
  let client: ProtocolClient;
  beforeAll(async () => {
    kiln = await startBroker();
    client = await ProtocolClient.connect(kiln.bootstrap);
  });
  afterAll(async () => {
    client.close();
    await kiln.stop();
  });

  const init = (producerId: number, producerEpoch: number) =>
    client.request(22, 4, { transactionalId: null, transactionTimeoutMs: 60000, producerId, producerEpoch });

  const produce = async (topic: string, producerId: number, producerEpoch: number, value: string) => {
    const records = buildBatch({ records: [{ value }], producerId, producerEpoch, baseSequence: 0 });
    const response = await client.request(0, 8, {
      transactionalId: null,
      acks: -1,
      timeoutMs: 5000,
      topicData: [{ name: topic, partitionData: [{ index: 0, records }] }],
    });
    return (response.responses as { partitionResponses: Record<string, unknown>[] }[])[0]!
      .partitionResponses[0]!;
  };

  it('two producers that both send id 0 epoch 0 get different ids and lose no record', async () => {
    await client.request(19, 4, {
      topics: [
        { name: 'two-idempotent', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] },
      ],
      timeoutMs: 5000,
      validateOnly: false,
    });
    const first = await init(0, 0);
    const second = await init(0, 0);
    expect([first.errorCode, first.producerEpoch]).toEqual([ErrorCode.NONE, 0]);
    expect([second.errorCode, second.producerEpoch]).toEqual([ErrorCode.NONE, 0]);
    expect(second.producerId).not.toBe(first.producerId);
    const a = await produce('two-idempotent', first.producerId as number, 0, 'a');
    const b = await produce('two-idempotent', second.producerId as number, 0, 'b');
    expect([a.errorCode, a.baseOffset]).toEqual([ErrorCode.NONE, 0]);
    // Under one shared id, this first record of the second producer was acknowledged at offset 0
    // as a duplicate and never written.
    expect([b.errorCode, b.baseOffset]).toEqual([ErrorCode.NONE, 1]);
    expect(kiln.broker.logManager!.getLog('two-idempotent', 0)!.logEndOffset).toBe(2);
  });

  it('a producer sending back its own id and epoch gets a fresh id with epoch 0, as Kafka does', async () => {
    const first = await init(-1, -1);
    const again = await init(first.producerId as number, first.producerEpoch as number);
    expect(again.errorCode).toBe(ErrorCode.NONE);
    expect(again.producerId).not.toBe(first.producerId);
    expect(again.producerEpoch).toBe(0);
  });

  it('refuses a transactional id', async () => {
    const response = await client.request(22, 4, {
      transactionalId: 'tx',
      transactionTimeoutMs: 60000,
      producerId: -1,
      producerEpoch: -1,
    });
    expect(response.errorCode).toBe(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  });
  it('a damaged producer id file neither stops the start nor lets an id be handed out twice', async () => {
    const dir = makeTempDir('kiln-producer-ids-');
    fs.writeFileSync(path.join(dir, PRODUCER_IDS_FILE), '{"nextBlo');
    const other = await startBroker({ 'log.dirs': dir });
    const otherClient = await ProtocolClient.connect(other.bootstrap);
    try {
      const response = await otherClient.request(22, 4, {
        transactionalId: null,
        transactionTimeoutMs: 60000,
        producerId: -1,
        producerEpoch: -1,
      });
      expect(response.errorCode).toBe(ErrorCode.NONE);
      // Above any id a file counting from 0 could have handed out.
      expect(response.producerId as number).toBeGreaterThan(1_000_000_000_000);
    } finally {
      otherClient.close();
      await other.stop();
      removeTempDir(dir);
    }
  });
});
