import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { PartitionLog, buildBatch } from '../../../engine/index.js';
import { ProduceApi } from '../../../server/protocol/apis/produce.js';
import { encodeMessage } from '../../../server/protocol/codec.js';
import { ErrorCode } from '../../../server/protocol/error-codes.js';
import { ProtocolWriter } from '../../../server/protocol/writer.js';
import { decodeRecords } from '../../helpers/log-fixtures.js';
import { startBroker, type RunningBroker } from '../../helpers/broker-fixture.js';
import { ProtocolClient } from '../../helpers/protocol-client.js';

/** Produce over the wire, for the cases the real clients do not show. */
describe('Produce', () => {
  let kiln: RunningBroker;
  let client: ProtocolClient;
  const produce = async (topic: string, records: Buffer, version = 7): Promise<Record<string, unknown>> => {
    const response = await client.request(0, version, {
      transactionalId: null,
      acks: 1,
      timeoutMs: 5000,
      topicData: [{ name: topic, partitionData: [{ index: 0, records }] }],
    });
    return (response.responses as { partitionResponses: Record<string, unknown>[] }[])[0]!
      .partitionResponses[0]!;
  };
  beforeAll(async () => {
    kiln = await startBroker();
    client = await ProtocolClient.connect(kiln.bootstrap);
  });
  afterAll(async () => {
    client.close();
    await kiln.stop();
  });

  it('creates an unknown topic when auto.create.topics.enable is on, then takes the retry', async () => {
    const batch = (): Buffer => buildBatch({ records: [{ key: 'k', value: 'v' }] });
    expect((await produce('made-by-produce', batch())).errorCode).toBe(ErrorCode.LEADER_NOT_AVAILABLE);
    const retry = await produce('made-by-produce', batch());
    expect([retry.errorCode, retry.baseOffset]).toEqual([ErrorCode.NONE, 0]);
  });

  it('answers MESSAGE_TOO_LARGE for a batch over the topic max.message.bytes, as Kafka does', async () => {
    const created = await client.request(19, 4, {
      topics: [
        {
          name: 'small-messages',
          numPartitions: 1,
          replicationFactor: 1,
          assignments: [],
          configs: [{ name: 'max.message.bytes', value: '1024' }],
        },
      ],
      timeoutMs: 5000,
      validateOnly: false,
    });
    expect((created.topics as { errorCode: number }[])[0]!.errorCode).toBe(ErrorCode.NONE);
    const big = buildBatch({ records: [{ key: 'k', value: 'x'.repeat(2000) }] });
    const response = await produce('small-messages', big);
    expect(response.errorCode).toBe(ErrorCode.MESSAGE_TOO_LARGE);
    const small = await produce('small-messages', buildBatch({ records: [{ key: 'k', value: 'ok' }] }));
    expect([small.errorCode, small.baseOffset]).toEqual([ErrorCode.NONE, 0]);
  });

  it('sends no response at all for acks=0', async () => {
    const other = await ProtocolClient.connect(kiln.bootstrap);
    const writer = new ProtocolWriter({ sizePrefix: true });
    writer.int16(0).int16(7).int32(99).string('acks0');
    const records = buildBatch({ records: [{ value: 'z' }] });
    const body = {
      transactionalId: null,
      acks: 0,
      timeoutMs: 1000,
      topicData: [{ name: 'made-by-produce', partitionData: [{ index: 0, records }] }],
    };
    encodeMessage(ProduceApi.request, 7, false, body, writer);
    for (const buffer of writer.toBuffers()) other.socket.write(buffer);
    // Had the Produce been answered, its response (correlation 99) would come first and this
    // request would see a response out of order.
    await other.request(3, 4, { topics: null, allowAutoTopicCreation: false });
    other.close();
    expect(kiln.broker.logManager!.getLog('made-by-produce', 0)!.logEndOffset).toBe(2);
  });

  it('pipelined requests to one partition that arrive in one read are written in one append, in order', async () => {
    await produce('pipelined', buildBatch({ records: [{ value: 'first' }] })); // creates the topic
    await produce('pipelined', buildBatch({ records: [{ value: 'first' }] }));
    const appendMany = vi.spyOn(PartitionLog.prototype, 'appendMany');
    try {
      client.socket.cork();
      const sent = Array.from({ length: 6 }, (_, i) =>
        produce('pipelined', buildBatch({ records: [{ value: `v${i}` }, { value: `w${i}` }] })),
      );
      client.socket.uncork();
      const responses = await Promise.all(sent);
      expect(responses.map((r) => [r.errorCode, r.baseOffset])).toEqual(
        Array.from({ length: 6 }, (_, i) => [ErrorCode.NONE, 1 + 2 * i]),
      );
      const sizes = appendMany.mock.calls.map((call) => call[0].length);
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(6);
      expect(Math.max(...sizes)).toBeGreaterThan(1);
    } finally {
      appendMany.mockRestore();
    }
    const log = kiln.broker.logManager!.getLog('pipelined', 0)!;
    const read = await log.read(1, 1 << 20);
    expect(decodeRecords(read.records).map((r) => r.value)).toEqual(
      Array.from({ length: 6 }, (_, i) => [`v${i}`, `w${i}`]).flat(),
    );
  });

  it('a partition whose produce is refused is named in the broker log, once, with the error', async () => {
    const info = vi.spyOn(kiln.broker.log, 'info');
    try {
      const batch = (): Buffer => buildBatch({ records: [{ key: 'k', value: 'v' }] });
      await produce('made-by-produce', batch());
      const refused = await client.request(0, 7, {
        transactionalId: null,
        acks: 1,
        timeoutMs: 5000,
        topicData: [{ name: 'made-by-produce', partitionData: [{ index: 7, records: batch() }] }],
      });
      const partitions = (refused.responses as { partitionResponses: { errorCode: number }[] }[])[0]!;
      expect(partitions.partitionResponses[0]!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
      await client.request(0, 7, {
        transactionalId: null,
        acks: 1,
        timeoutMs: 5000,
        topicData: [{ name: 'made-by-produce', partitionData: [{ index: 7, records: batch() }] }],
      });
      const lines = info.mock.calls.map((call) => call[1]).filter((m) => String(m).startsWith('produce to'));
      expect(lines).toEqual(['produce to made-by-produce-7 refused: UNKNOWN_TOPIC_OR_PARTITION']);
    } finally {
      info.mockRestore();
    }
  });
});
