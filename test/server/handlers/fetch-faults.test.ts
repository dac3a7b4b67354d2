import fs from 'node:fs';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBatch } from '../../../engine/index.js';
import { BATCH_LENGTH } from '../../../engine/record/record-batch.js';
import { Broker } from '../../../server/broker.js';
import { buildBrokerConfig } from '../../../server/config.js';
import { ErrorCode } from '../../../server/protocol/error-codes.js';
import { ProtocolClient } from '../../helpers/protocol-client.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';
import { fetchRequest } from '../../helpers/fetch-request.js';

/** A fetch of damaged data on the broker's disk answers an error and logs it; it never stalls. */
describe('Fetch of damaged segments', () => {
  let dir: string;
  let broker: Broker;
  let client: ProtocolClient;
  const lines: Record<string, unknown>[] = [];
  beforeAll(async () => {
    dir = makeTempDir('kiln-fetch-faults-');
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n'))
          if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    broker = new Broker(
      buildBrokerConfig({
        listeners: 'PLAINTEXT://127.0.0.1:0',
        'log.dirs': dir,
        'kiln.admin.listener': 'none',
      }),
      pino({ level: 'info' }, sink),
    );
    await broker.start();
    client = await ProtocolClient.connect(`127.0.0.1:${broker.port}`);
  });
  afterAll(async () => {
    client.close();
    await broker.stop();
    removeTempDir(dir);
  });

  const fetch = async (topic: string, fetchOffset: number) => {
    const response = await client.request(
      1,
      11,
      fetchRequest(topic, 0, fetchOffset, { maxWaitMs: 100, minBytes: 1 }),
    );
    return (response.responses as { partitions: Record<string, unknown>[] }[])[0]!.partitions[0]!;
  };

  it('a corrupted batch length in the active segment answers CORRUPT_MESSAGE and is logged', async () => {
    await client.request(19, 4, {
      topics: [{ name: 'damaged', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
      timeoutMs: 5000,
      validateOnly: false,
    });
    const log = broker.logManager!.getLog('damaged', 0)!;
    const batch = buildBatch({ records: [{ value: 'x'.repeat(100) }] });
    for (let i = 0; i < 10; i++) log.append(Buffer.from(batch));
    expect((await fetch('damaged', 0)).errorCode).toBe(ErrorCode.NONE);
    // Batch 4's length field is overwritten on disk: 2 bytes, shorter than any batch header.
    const path = `${log.dir}/00000000000000000000.log`;
    const fd = fs.openSync(path, 'r+');
    const field = Buffer.alloc(4);
    field.writeInt32BE(2);
    fs.writeSync(fd, field, 0, 4, 4 * batch.length + BATCH_LENGTH);
    fs.closeSync(fd);
    const damaged = await fetch('damaged', 4);
    expect(damaged.errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
    const logged = lines.find((line) => line.msg === 'fetch failed');
    expect(logged).toMatchObject({ topic: 'damaged', partition: 0, offset: 4 });
    expect(JSON.stringify(logged!.err)).toMatch(/corrupt segment/);
    // A consumer that keeps asking gets its error each time, the log one line a minute.
    for (let i = 0; i < 5; i++) expect((await fetch('damaged', 4)).errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect(lines.filter((line) => line.msg === 'fetch failed' && line.topic === 'damaged')).toHaveLength(1);
    // Offsets before the damage still read.
    expect((await fetch('damaged', 0)).errorCode).toBe(ErrorCode.NONE);
  });

  it('a corrupted batch length in a sealed segment answers CORRUPT_MESSAGE and is logged', async () => {
    await client.request(19, 4, {
      topics: [
        {
          name: 'sealed',
          numPartitions: 1,
          replicationFactor: 1,
          assignments: [],
          configs: [{ name: 'segment.bytes', value: '1024' }],
        },
      ],
      timeoutMs: 5000,
      validateOnly: false,
    });
    const log = broker.logManager!.getLog('sealed', 0)!;
    const batch = buildBatch({ records: [{ value: 'x'.repeat(100) }] });
    for (let i = 0; i < 20; i++) log.append(Buffer.from(batch));
    const [first, second] = log.segments();
    expect(second).toBeDefined(); // the first segment is sealed
    expect((await fetch('sealed', 2)).errorCode).toBe(ErrorCode.NONE);
    // Batch 2's length field now claims far more than the segment holds.
    const fd = fs.openSync(first!.path, 'r+');
    const field = Buffer.alloc(4);
    field.writeInt32BE(0x7fff0000);
    fs.writeSync(fd, field, 0, 4, 2 * batch.length + BATCH_LENGTH);
    fs.closeSync(fd);
    lines.length = 0;
    const damaged = await fetch('sealed', 2);
    expect(damaged.errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
    const logged = lines.find((line) => line.msg === 'fetch failed');
    expect(logged).toMatchObject({ topic: 'sealed', partition: 0, offset: 2 });
    expect(JSON.stringify(logged!.err)).toMatch(/corrupt segment/);
    // The next segment still reads.
    expect((await fetch('sealed', second!.baseOffset)).errorCode).toBe(ErrorCode.NONE);
  });
});
