import { afterEach, describe, expect, it } from 'vitest';
import path from 'node:path';
import { buildBatch } from '../../engine/index.js';
import { ErrorCode } from '../../server/protocol/error-codes.js';
import { startBroker, type RunningBroker } from '../helpers/broker-fixture.js';
import { ProtocolClient } from '../helpers/protocol-client.js';
import { mountSmallFs, type SmallFs } from '../helpers/small-fs.js';

/**
 * A broker whose disk fills up: produce answers KAFKA_STORAGE_ERROR while reads go on, produce
 * works again when space returns, and a broker stopped on a full disk starts on it.
 */
describe('a full disk', () => {
  let small: SmallFs | undefined;
  let kiln: RunningBroker | undefined;
  let client: ProtocolClient | undefined;
  afterEach(async () => {
    client?.close();
    await kiln?.stop().catch(() => {});
    small?.remove();
    [small, kiln, client] = [undefined, undefined, undefined];
  });

  const start = async (dir: string): Promise<void> => {
    kiln = await startBroker({
      'log.dirs': dir,
      'offsets.topic.num.partitions': '1',
      'log.segment.bytes': '1048576',
    });
    client = await ProtocolClient.connect(kiln.bootstrap);
  };
  const produce = async (count: number): Promise<Record<string, unknown>> => {
    const records = buildBatch({
      records: Array.from({ length: count }, (_, i) => ({ value: `v${i}-${'x'.repeat(1000)}` })),
    });
    const response = await client!.request(0, 8, {
      transactionalId: null,
      acks: -1,
      timeoutMs: 5000,
      topicData: [{ name: 'full', partitionData: [{ index: 0, records }] }],
    });
    return (response.responses as { partitionResponses: Record<string, unknown>[] }[])[0]!
      .partitionResponses[0]!;
  };
  const fetchCount = async (): Promise<[number, number]> => {
    const response = await client!.request(1, 11, {
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 1 << 24,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [{ topic: 'full', partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 24 }] }],
      forgottenTopicsData: [],
      rackId: '',
    });
    const partition = (response.responses as { partitions: Record<string, unknown>[] }[])[0]!.partitions[0]!;
    return [partition.errorCode as number, (partition.records as Buffer | null)?.length ?? 0];
  };
  const createTopic = async (): Promise<void> => {
    const response = await client!.request(19, 4, {
      topics: [{ name: 'full', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
      timeoutMs: 5000,
      validateOnly: false,
    });
    expect((response.topics as { errorCode: number }[])[0]!.errorCode).toBe(ErrorCode.NONE);
  };

  it('produce answers KAFKA_STORAGE_ERROR, fetch goes on, and produce works again when space returns', async () => {
    small = mountSmallFs(16 * 1024 * 1024);
    await start(path.join(small.dir, 'data'));
    await createTopic();
    expect((await produce(50)).errorCode).toBe(ErrorCode.NONE);
    small.fill();
    let refused: Record<string, unknown> | undefined;
    // The first writes may still fit in pages already allocated: produce until the disk says no.
    for (let i = 0; i < 200 && !refused; i++) {
      const result = await produce(50);
      if (result.errorCode !== ErrorCode.NONE) refused = result;
    }
    expect(refused?.errorCode).toBe(ErrorCode.KAFKA_STORAGE_ERROR);
    const [fetchError, bytes] = await fetchCount();
    expect(fetchError).toBe(ErrorCode.NONE);
    expect(bytes).toBeGreaterThan(50_000);
    small.free();
    expect((await produce(5)).errorCode).toBe(ErrorCode.NONE);
  });

  it('a broker stopped on a full disk starts on it, serves reads, and takes writes once space returns', async () => {
    small = mountSmallFs(16 * 1024 * 1024);
    const dir = path.join(small.dir, 'data');
    await start(dir);
    await createTopic();
    expect((await produce(50)).errorCode).toBe(ErrorCode.NONE);
    small.fill();
    client!.close();
    await kiln!.stop();
    kiln = undefined;
    await start(dir);
    const [fetchError, bytes] = await fetchCount();
    expect(fetchError).toBe(ErrorCode.NONE);
    expect(bytes).toBeGreaterThan(50_000);
    small.free();
    expect((await produce(5)).errorCode).toBe(ErrorCode.NONE);
  });
});
