import { afterEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { buildBatch } from '../../engine/index.js';
import { ErrorCode } from '../../server/protocol/error-codes.js';
import { startBroker, type RunningBroker } from '../helpers/broker-fixture.js';
import { ProtocolClient } from '../helpers/protocol-client.js';
import { mountSmallFs, type SmallFs } from '../helpers/small-fs.js';
import { connect, freePort, readAll, request, startChildBroker } from './child-broker.js';
import { fetchRequest } from '../helpers/fetch-request.js';

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
    const response = await client!.request(1, 11, fetchRequest('full', 0, 0, { maxBytes: 1 << 24 }));
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

describe('a full disk under a child-process broker', () => {
  const cleanup: (() => void)[] = [];
  afterEach(() => {
    for (const step of cleanup.splice(0).reverse()) step();
  });

  const produceOne = async (bootstrap: string, value: string): Promise<number> => {
    const client = await connect(bootstrap);
    try {
      const response = await request(client, 0, 7, {
        transactionalId: null,
        acks: -1,
        timeoutMs: 5000,
        topicData: [
          { name: 'full', partitionData: [{ index: 0, records: buildBatch({ records: [{ value }] }) }] },
        ],
      });
      return (response.responses as { partitionResponses: { errorCode: number }[] }[])[0]!
        .partitionResponses[0]!.errorCode;
    } finally {
      client.close();
    }
  };

  it.each(['SIGTERM', 'SIGKILL'] as const)(
    'a broker stopped with %s and started on a disk filled to the last byte serves reads, then writes once space returns',
    { timeout: 60_000 },
    async (signal) => {
      const small = mountSmallFs(8 * 1024 * 1024);
      cleanup.push(() => small.remove());
      const dir = path.join(small.dir, 'data');
      const port = await freePort();
      const bootstrap = `127.0.0.1:${port}`;
      const properties = { 'offsets.topic.num.partitions': '1', 'log.segment.bytes': '1048576' };
      let broker = await startChildBroker(port, dir, properties);
      cleanup.push(() => broker.child.kill('SIGKILL'));
      const admin = await connect(bootstrap);
      await request(admin, 19, 4, {
        topics: [{ name: 'full', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
        timeoutMs: 5000,
        validateOnly: false,
      });
      admin.close();
      for (let i = 0; i < 20; i++) expect(await produceOne(bootstrap, `r${i}`)).toBe(ErrorCode.NONE);
      small.fill();
      broker.child.kill(signal);
      await broker.exited;
      small.fill(); // whatever the stop gave back (the lock file) is taken too
      expect(small.available()).toBe(0);
      broker = await startChildBroker(port, dir, properties);
      const reader = await connect(bootstrap);
      const values = (await readAll(reader, 'full')).map((record) => record.value);
      reader.close();
      expect(values).toEqual(Array.from({ length: 20 }, (_, i) => `r${i}`));
      // What still fits in the last page of the active segment is taken; then the disk says no.
      let answer: number = ErrorCode.NONE;
      for (let i = 0; i < 100 && answer === ErrorCode.NONE; i++)
        answer = await produceOne(bootstrap, 'x'.repeat(1000));
      expect(answer).toBe(ErrorCode.KAFKA_STORAGE_ERROR);
      small.free();
      expect(await produceOne(bootstrap, 'r20')).toBe(ErrorCode.NONE);
      broker.child.kill('SIGTERM');
      expect(await broker.exited).toBe(0);
    },
  );

  it(
    'a disk that fills while segments roll keeps every acknowledged record, across a kill too',
    { timeout: 60_000 },
    async () => {
      const small = mountSmallFs(8 * 1024 * 1024);
      cleanup.push(() => small.remove());
      const dir = path.join(small.dir, 'data');
      const port = await freePort();
      const bootstrap = `127.0.0.1:${port}`;
      // Segments of ~16 records: the disk runs out in rolls (new .log, .index, .timeindex, snapshots) too.
      const properties = { 'offsets.topic.num.partitions': '1', 'log.segment.bytes': '16384' };
      let broker = await startChildBroker(port, dir, properties);
      cleanup.push(() => broker.child.kill('SIGKILL'));
      const admin = await connect(bootstrap);
      await request(admin, 19, 4, {
        topics: [{ name: 'full', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
        timeoutMs: 5000,
        validateOnly: false,
      });
      admin.close();
      const acked: string[] = [];
      const answers = new Map<number, number>();
      small.fill(256 * 1024);
      for (let i = 0; i < 2000; i++) {
        const value = `r${i}-${'x'.repeat(1000)}`;
        const answer = await produceOne(bootstrap, value);
        answers.set(answer, (answers.get(answer) ?? 0) + 1);
        if (answer === ErrorCode.NONE) acked.push(value);
        if ((answers.get(ErrorCode.KAFKA_STORAGE_ERROR) ?? 0) >= 20) break;
      }
      expect(answers.get(ErrorCode.KAFKA_STORAGE_ERROR)).toBe(20);
      expect([...answers.keys()].sort()).toEqual([ErrorCode.NONE, ErrorCode.KAFKA_STORAGE_ERROR].sort());
      small.free();
      for (let i = 0; i < 50; i++) {
        const value = `after${i}`;
        expect(await produceOne(bootstrap, value)).toBe(ErrorCode.NONE);
        acked.push(value);
      }
      const segments = fs.readdirSync(path.join(dir, 'full-0')).filter((name) => name.endsWith('.log'));
      expect(segments.length).toBeGreaterThan(3);
      broker.child.kill('SIGKILL');
      await broker.exited;
      broker = await startChildBroker(port, dir, properties);
      const reader = await connect(bootstrap);
      const stored = (await readAll(reader, 'full')).map((record) => record.value);
      reader.close();
      expect(stored.filter((value) => acked.includes(value))).toEqual(acked);
      broker.child.kill('SIGTERM');
      expect(await broker.exited).toBe(0);
    },
  );
});
