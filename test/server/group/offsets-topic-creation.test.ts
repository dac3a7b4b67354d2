import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../server/protocol/error-codes.js';
import { startBroker, type RunningBroker } from '../../helpers/broker-fixture.js';
import { ProtocolClient } from '../../helpers/protocol-client.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';

/** __consumer_offsets is made by the first group that needs it, as Kafka makes it. */
const offsetsDirs = (dir: string): string[] =>
  fs.readdirSync(dir).filter((name) => name.startsWith('__consumer_offsets-'));

describe('__consumer_offsets creation', () => {
  let kiln: RunningBroker | undefined;
  let client: ProtocolClient | undefined;
  let dir = '';
  afterEach(async () => {
    client?.close();
    await kiln?.stop();
    kiln = undefined;
    client = undefined;
    removeTempDir(dir);
  });

  it('a fresh start makes no __consumer_offsets directory; the first FindCoordinator for a group makes all 50', async () => {
    dir = makeTempDir('kiln-offsets-topic-');
    kiln = await startBroker({ 'log.dirs': dir });
    expect(offsetsDirs(dir)).toEqual([]);
    client = await ProtocolClient.connect(kiln.bootstrap);
    const found = await client.request(10, 2, { key: 'first-group', keyType: 0 });
    expect(found.errorCode).toBe(ErrorCode.NONE);
    expect(offsetsDirs(dir)).toHaveLength(50);
    expect(kiln.broker.logManager!.getLog('__consumer_offsets', 49)).toBeDefined();
  });

  it('a restart with an existing __consumer_offsets loads the offsets committed before it', async () => {
    dir = makeTempDir('kiln-offsets-topic-');
    kiln = await startBroker({ 'log.dirs': dir });
    client = await ProtocolClient.connect(kiln.bootstrap);
    await client.request(19, 4, {
      topics: [{ name: 't', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
      timeoutMs: 5000,
      validateOnly: false,
    });
    expect(offsetsDirs(dir)).toEqual([]);
    const commit = await client.request(8, 2, {
      groupId: 'g',
      generationIdOrMemberEpoch: -1,
      memberId: '',
      retentionTimeMs: -1,
      topics: [
        { name: 't', partitions: [{ partitionIndex: 0, committedOffset: 42, committedMetadata: '' }] },
      ],
    });
    // An OffsetCommit with no FindCoordinator before it makes the topic too.
    const committed = commit.topics as { partitions: { errorCode: number }[] }[];
    expect(committed[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NONE);
    expect(offsetsDirs(dir)).toHaveLength(50);
    client.close();
    await kiln.stop();
    kiln = await startBroker({ 'log.dirs': dir });
    client = await ProtocolClient.connect(kiln.bootstrap);
    const fetched = await client.request(9, 1, {
      groupId: 'g',
      topics: [{ name: 't', partitionIndexes: [0] }],
    });
    const topics = fetched.topics as { partitions: { committedOffset: number }[] }[];
    expect(topics[0]!.partitions[0]!.committedOffset).toBe(42);
  });
});
