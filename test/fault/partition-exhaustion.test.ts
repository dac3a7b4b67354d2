import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { buildBatch } from '../../engine/index.js';
import { ErrorCode } from '../../server/protocol/error-codes.js';
import type { ProtocolClient } from '../helpers/protocol-client.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';
import { connect, freePort, request, startChildBroker, type ChildBroker } from './child-broker.js';
import { fetchRequest } from '../helpers/fetch-request.js';

/**
 * Many partitions under a low descriptor limit: a broker run with `prlimit --nofile` takes as many
 * partitions as its descriptors can hold, refuses more up front with INVALID_PARTITIONS (it ran
 * out of descriptors half way, crashed, and then failed at every start), serves them all, and
 * starts again with them.
 */
describe('partition exhaustion', () => {
  const LIMIT = 10_240;
  const PARTITIONS = 3000;
  let dir: string | undefined;
  let broker: ChildBroker | undefined;
  let client: ProtocolClient | undefined;
  afterEach(async () => {
    client?.close();
    if (broker && broker.child.exitCode === null) {
      broker.child.kill('SIGKILL');
      await broker.exited;
    }
    if (dir) removeTempDir(dir);
    [dir, broker, client] = [undefined, undefined, undefined];
  });

  const start = async (port: number): Promise<void> => {
    broker = await startChildBroker(port, dir!, { 'offsets.topic.num.partitions': '1' }, [
      'prlimit',
      `--nofile=${LIMIT}:${LIMIT}`,
      '--',
    ]);
    client = await connect(`127.0.0.1:${port}`);
  };
  const stop = async (): Promise<number | null> => {
    client!.close();
    broker!.child.kill('SIGTERM');
    return broker!.exited;
  };
  const createTopic = async (name: string, numPartitions: number): Promise<Record<string, unknown>> => {
    const response = await request(client!, 19, 4, {
      topics: [{ name, numPartitions, replicationFactor: 1, assignments: [], configs: [] }],
      timeoutMs: 60_000,
      validateOnly: false,
    });
    return (response.topics as Record<string, unknown>[])[0]!;
  };
  const growTopic = async (name: string, count: number): Promise<Record<string, unknown>> => {
    const response = await request(client!, 37, 1, {
      topics: [{ name, count, assignments: null }],
      timeoutMs: 60_000,
      validateOnly: false,
    });
    return (response.results as Record<string, unknown>[])[0]!;
  };
  const partitionCount = async (name: string): Promise<number> => {
    const response = await request(client!, 3, 9, {
      topics: [{ name }],
      allowAutoTopicCreation: false,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    });
    const topic = (response.topics as { errorCode: number; partitions: unknown[] }[])[0]!;
    expect(topic.errorCode).toBe(ErrorCode.NONE);
    return topic.partitions.length;
  };
  /** One record to every partition in one request: every .log file is used at once. */
  const produceEverywhere = async (name: string): Promise<number[]> => {
    const partitionData = Array.from({ length: PARTITIONS }, (_, index) => ({
      index,
      records: buildBatch({ records: [{ value: `p${index}` }] }),
    }));
    const response = await request(client!, 0, 8, {
      transactionalId: null,
      acks: 1,
      timeoutMs: 60_000,
      topicData: [{ name, partitionData }],
    });
    const partitions = (response.responses as { partitionResponses: { errorCode: number }[] }[])[0]!
      .partitionResponses;
    return [...new Set(partitions.map((p) => p.errorCode))];
  };
  const lastRecord = async (name: string, partition: number): Promise<[number, number]> => {
    const response = await request(client!, 1, 11, fetchRequest(name, partition, 0));
    const result = (
      response.responses as { partitions: { errorCode: number; highWatermark: bigint }[] }[]
    )[0]!.partitions[0]!;
    return [result.errorCode, Number(result.highWatermark)];
  };

  it(`${PARTITIONS} partitions under a limit of ${LIMIT} descriptors, then twice as many (idle partitions hold none): the broker serves and restarts with them all`, async () => {
    dir = makeTempDir('kiln-partitions-');
    const port = await freePort();
    await start(port);

    expect(await createTopic('many', PARTITIONS)).toMatchObject({ errorCode: ErrorCode.NONE });
    // Idle partitions hold no descriptors: twice as many still fit (each held two, and past the
    // limit the broker crashed and could not start again).
    expect(await growTopic('many', 2 * PARTITIONS)).toMatchObject({ errorCode: ErrorCode.NONE });
    // Past kiln.max.partitions.per.topic (the next Metadata request took 3 GB).
    const huge = await createTopic('huge', 2_147_483_647);
    expect([huge.errorCode, huge.errorMessage]).toEqual([
      ErrorCode.INVALID_PARTITIONS,
      expect.stringMatching(/kiln\.max\.partitions\.per\.topic/),
    ]);
    expect(fs.readdirSync(dir).filter((d) => /^huge-\d+$/.test(d))).toEqual([]);

    expect(await produceEverywhere('many')).toEqual([ErrorCode.NONE]);
    expect(await partitionCount('many')).toBe(2 * PARTITIONS);
    expect(await stop()).toBe(0);

    await start(port);
    expect(await partitionCount('many')).toBe(2 * PARTITIONS);
    expect(await lastRecord('many', PARTITIONS - 1)).toEqual([ErrorCode.NONE, 1]);
    expect(await lastRecord('many', 0)).toEqual([ErrorCode.NONE, 1]);
    expect(await produceEverywhere('many')).toEqual([ErrorCode.NONE]);
    expect(await stop()).toBe(0);
  }, 240_000);
});
