import fs from 'node:fs';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { buildBatch, defaultOpenFileBudget, iterateBatches, readRecords } from '../../../engine/index.js';
import { Broker } from '../../../server/broker.js';
import { buildBrokerConfig } from '../../../server/config.js';
import { ErrorCode } from '../../../server/protocol/error-codes.js';
import { ProtocolClient } from '../../helpers/protocol-client.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';
import { fetchRequest } from '../../helpers/fetch-request.js';

/**
 * Every partition used to hold its .log descriptors open from start to stop, idle or not: a broker
 * with thousands of partitions ran out of descriptors. The .log files now open on demand under the
 * process-wide OpenFileBudget; a file it closed opens again when a fetch needs it.
 */
const PARTITIONS = 40;
const BUDGET = 8;

describe('Fetch across many partitions under the open-file budget', () => {
  let dir = '';
  let broker: Broker | undefined;
  let client: ProtocolClient | undefined;
  const limitBefore = defaultOpenFileBudget.limit;
  afterEach(async () => {
    client?.close();
    await broker?.stop();
    defaultOpenFileBudget.setLimit(limitBefore);
    removeTempDir(dir);
  });

  /** Descriptors of this process that point at .log files of the broker's data directory. */
  const openLogFds = (): number =>
    fs.readdirSync('/proc/self/fd').filter((fd) => {
      try {
        const target = fs.readlinkSync(`/proc/self/fd/${fd}`);
        return target.startsWith(dir) && target.endsWith('.log');
      } catch {
        return false;
      }
    }).length;

  const start = async (): Promise<ProtocolClient> => {
    broker = new Broker(
      buildBrokerConfig({
        listeners: 'PLAINTEXT://127.0.0.1:0',
        'log.dirs': dir,
        'offsets.topic.num.partitions': '1',
        'kiln.admin.listener': 'none',
      }),
      pino({ level: 'silent' }),
    );
    await broker.start();
    client = await ProtocolClient.connect(`127.0.0.1:${broker.port}`);
    return client;
  };

  const fetchValue = async (c: ProtocolClient, partition: number): Promise<string | undefined> => {
    const response = await c.request(1, 11, fetchRequest('many', partition, 0));
    const answer = (response.responses as { partitions: Record<string, unknown>[] }[])[0]!.partitions[0]!;
    expect(answer.errorCode).toBe(ErrorCode.NONE);
    for (const batch of iterateBatches((answer.records as Buffer | null) ?? Buffer.alloc(0)))
      for (const record of readRecords(batch)) return record.value?.toString();
    return undefined;
  };

  it('a broker with many partitions holds at most the budget of .log descriptors, and closed ones read again', async () => {
    dir = makeTempDir('kiln-fetch-fds-');
    let c = await start();
    await c.request(19, 4, {
      topics: [
        { name: 'many', numPartitions: PARTITIONS, replicationFactor: 1, assignments: [], configs: [] },
      ],
      timeoutMs: 5000,
      validateOnly: false,
    });
    for (let p = 0; p < PARTITIONS; p++) {
      const answer = await c.request(0, 7, {
        transactionalId: null,
        acks: -1,
        timeoutMs: 5000,
        topicData: [
          {
            name: 'many',
            partitionData: [{ index: p, records: buildBatch({ records: [{ value: `p${p}` }] }) }],
          },
        ],
      });
      const partitions = (answer.responses as { partitionResponses: { errorCode: number }[] }[])[0]!;
      expect(partitions.partitionResponses[0]!.errorCode).toBe(ErrorCode.NONE);
    }
    c.close();
    await broker!.stop();
    broker = undefined;

    // Started again over the same data with a small budget: loading opens no .log descriptor for
    // good, and fetching every partition in turn never holds more than the budget.
    defaultOpenFileBudget.setLimit(BUDGET);
    c = await start();
    expect(openLogFds()).toBeLessThanOrEqual(BUDGET);
    for (let round = 0; round < 2; round++) {
      for (let p = 0; p < PARTITIONS; p++) {
        expect(await fetchValue(c, p)).toBe(`p${p}`);
        expect(openLogFds()).toBeLessThanOrEqual(BUDGET);
      }
    }
    // The first partitions' files were closed by the budget and read again on the second round.
    expect(defaultOpenFileBudget.size).toBeLessThanOrEqual(BUDGET);
  });
});
