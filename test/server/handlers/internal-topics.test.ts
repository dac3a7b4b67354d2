import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBatch } from '../../../engine/index.js';
import { OFFSETS_TOPIC } from '../../../server/group/offset-store.js';
import { ErrorCode } from '../../../server/protocol/error-codes.js';
import { startBroker, type RunningBroker } from '../../helpers/broker-fixture.js';
import { ProtocolClient } from '../../helpers/protocol-client.js';

/**
 * __consumer_offsets belongs to the broker: clients may read it, but a record produced to it once
 * kept the broker from ever starting again, and a forged commit moved other groups' offsets.
 */
describe('internal topics', () => {
  let kiln: RunningBroker;
  let client: ProtocolClient;
  const endOffsets = () =>
    Array.from({ length: 4 }, (_, p) => kiln.broker.logManager!.getLog(OFFSETS_TOPIC, p)!.logEndOffset);
  beforeAll(async () => {
    kiln = await startBroker({ 'offsets.topic.num.partitions': '4' });
    client = await ProtocolClient.connect(kiln.bootstrap);
    await client.request(10, 2, { key: 'any-group', keyType: 0 }); // the first group makes __consumer_offsets
  });
  afterAll(async () => {
    client.close();
    await kiln.stop();
  });

  it('a produce to __consumer_offsets is refused with INVALID_TOPIC_EXCEPTION and writes nothing', async () => {
    const before = endOffsets();
    const response = await client.request(0, 8, {
      transactionalId: null,
      acks: -1,
      timeoutMs: 5000,
      topicData: [
        {
          name: OFFSETS_TOPIC,
          partitionData: [{ index: 0, records: buildBatch({ records: [{ key: 'k', value: 'v' }] }) }],
        },
      ],
    });
    const partition = (response.responses as { partitionResponses: Record<string, unknown>[] }[])[0]!
      .partitionResponses[0]!;
    expect(partition.errorCode).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
    expect(endOffsets()).toEqual(before);
  });

  it('DeleteRecords on __consumer_offsets is refused with INVALID_TOPIC_EXCEPTION', async () => {
    const response = await client.request(21, 1, {
      topics: [{ name: OFFSETS_TOPIC, partitions: [{ partitionIndex: 0, offset: -1 }] }],
      timeoutMs: 5000,
    });
    const partition = (response.topics as { partitions: Record<string, unknown>[] }[])[0]!.partitions[0]!;
    expect(partition.errorCode).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
  });

  it('AlterConfigs and IncrementalAlterConfigs on __consumer_offsets are refused with INVALID_REQUEST', async () => {
    const altered = await client.request(33, 1, {
      resources: [
        {
          resourceType: 2,
          resourceName: OFFSETS_TOPIC,
          configs: [{ name: 'cleanup.policy', value: 'delete' }],
        },
      ],
      validateOnly: false,
    });
    const incremental = await client.request(44, 1, {
      resources: [
        {
          resourceType: 2,
          resourceName: OFFSETS_TOPIC,
          configs: [{ name: 'retention.ms', configOperation: 0, value: '1' }],
        },
      ],
      validateOnly: false,
    });
    for (const response of [altered, incremental]) {
      const resource = (response.responses as Record<string, unknown>[])[0]!;
      expect(resource.errorCode).toBe(ErrorCode.INVALID_REQUEST);
      expect(resource.errorMessage).toMatch(/internal topic/);
    }
    const config = kiln.broker.logManager!.getLog(OFFSETS_TOPIC, 0)!.config;
    expect([config.cleanupPolicy, config.retentionMs]).not.toContain('delete');
    expect(config.retentionMs).not.toBe(1);
  });
});
