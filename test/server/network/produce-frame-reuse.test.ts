// Produce frames are read straight into pooled buffers and the buffers reused once each request
// is answered. These tests pin what must never follow from that: a stored batch or a group
// member's metadata changing because the memory it came in was handed to a later request.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBatch } from '../../../engine/index.js';
import { startBroker, type RunningBroker } from '../../helpers/broker-fixture.js';
import { ProtocolClient } from '../../helpers/protocol-client.js';
import { seededRandom } from '../../helpers/seeded-random.js';
import { waitFor } from '../../helpers/wait-for.js';

describe('reused produce frame buffers', () => {
  let kiln: RunningBroker;
  beforeAll(async () => {
    kiln = await startBroker({ 'num.partitions': '2' });
  });
  afterAll(async () => kiln.stop());

  const batchOf = (seed: number, bytes: number): Buffer => {
    const random = seededRandom(seed);
    const value = Buffer.alloc(bytes);
    for (let i = 0; i < bytes; i++) value[i] = Math.floor(random() * 256);
    return buildBatch({ records: [{ key: `k${seed}`, value }] });
  };

  it('pipelined large produces from two connections are stored byte for byte as sent', async () => {
    const clients = await Promise.all([
      ProtocolClient.connect(kiln.bootstrap),
      ProtocolClient.connect(kiln.bootstrap),
    ]);
    // Auto-created by the first Metadata, which answers LEADER_NOT_AVAILABLE; produced to once
    // both partitions have a leader.
    await waitFor(
      async () => {
        const metadata = await clients[0]!.request(3, 4, {
          topics: [{ name: 'reuse' }],
          allowAutoTopicCreation: true,
        });
        const topic = (metadata.topics as { errorCode: number; partitions: { errorCode: number }[] }[])[0]!;
        return (
          topic.errorCode === 0 &&
          topic.partitions.length === 2 &&
          topic.partitions.every((p) => p.errorCode === 0)
        );
      },
      { intervalMs: 20, what: "topic 'reuse' to have leaders" },
    );
    const sent: Buffer[][] = [[], []];
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < 40; i++) {
      const partition = i % 2;
      // Sizes across the pool's classes: 20 KiB to 700 KiB.
      const batch = batchOf(i, 20_000 + ((i * 97_531) % 700_000));
      sent[partition]!.push(batch);
      pending.push(
        clients[partition]!.request(0, 7, {
          transactionalId: null,
          acks: 1,
          timeoutMs: 5000,
          topicData: [{ name: 'reuse', partitionData: [{ index: partition, records: batch }] }],
        }),
      );
    }
    const responses = (await Promise.all(pending)) as {
      responses: { partitionResponses: { errorCode: number }[] }[];
    }[];
    for (const r of responses) expect(r.responses[0]!.partitionResponses[0]!.errorCode).toBe(0);

    for (const partition of [0, 1]) {
      const log = kiln.broker.logManager!.getLog('reuse', partition)!;
      const stored: Buffer[] = [];
      let offset = 0;
      while (offset < log.logEndOffset) {
        const read = await log.read(offset, 1 << 20, { upTo: log.logEndOffset, minOneBatch: true });
        const records = Buffer.from(read!.records);
        stored.push(records);
        // One record per batch: the next batch starts at the next offset.
        offset += countBatches(records);
      }
      const got = Buffer.concat(stored);
      const want = sent[partition]!;
      let pos = 0;
      want.forEach((batch, i) => {
        const size = got.readInt32BE(pos + 8) + 12;
        // Bytes after the base offset (which the broker assigns) must match what was sent.
        expect(
          got.subarray(pos + 8, pos + size).equals(batch.subarray(8)),
          `partition ${partition} batch ${i}`,
        ).toBe(true);
        pos += size;
      });
      expect(pos).toBe(got.length);
    }
    clients.forEach((c) => c.close());
  });

  it('a group member’s large metadata survives produces that reuse frame buffers', async () => {
    const client = await ProtocolClient.connect(kiln.bootstrap);
    const metadata = batchOf(99, 100_000); // any 100 KB of bytes: big enough to be pooled
    const copy = Buffer.from(metadata);
    const joined = await client.request(11, 3, {
      groupId: 'reuse-group',
      sessionTimeoutMs: 30_000,
      rebalanceTimeoutMs: 30_000,
      memberId: '',
      groupInstanceId: null,
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata }],
    });
    expect(joined.errorCode).toBe(0);
    // Stable (after SyncGroup) is when DescribeGroups shows members' metadata.
    const synced = await client.request(14, 1, {
      groupId: 'reuse-group',
      generationId: joined.generationId,
      memberId: joined.memberId,
      assignments: [{ memberId: joined.memberId, assignment: Buffer.alloc(0) }],
    });
    expect(synced.errorCode).toBe(0);
    const producer = await ProtocolClient.connect(kiln.bootstrap);
    for (let i = 0; i < 10; i++) {
      await producer.request(0, 7, {
        transactionalId: null,
        acks: 1,
        timeoutMs: 5000,
        topicData: [{ name: 'reuse', partitionData: [{ index: 0, records: batchOf(200 + i, 100_000) }] }],
      });
    }
    const described = await client.request(15, 4, {
      groups: ['reuse-group'],
      includeAuthorizedOperations: false,
    });
    const member = (described.groups as { members: { memberMetadata: Buffer }[] }[])[0]!.members[0]!;
    expect(Buffer.from(member.memberMetadata).equals(copy)).toBe(true);
    client.close();
    producer.close();
  });
});

function countBatches(records: Buffer): number {
  let count = 0;
  for (let pos = 0; pos + 12 <= records.length; pos += records.readInt32BE(pos + 8) + 12) count++;
  return count;
}
