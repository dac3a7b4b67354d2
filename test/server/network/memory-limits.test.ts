import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { buildBatch } from '../../../engine/index.js';
import { ErrorCode } from '../../../server/protocol/error-codes.js';
import { FrameDecoder } from '../../../server/network/frame-decoder.js';
import { MemoryBudget } from '../../../server/network/memory-budget.js';
import { startBroker, type RunningBroker } from '../../helpers/broker-fixture.js';
import { ProtocolClient } from '../../helpers/protocol-client.js';

/** Memory and time a connection may take: queued.max.request.bytes, read timeout, idle close. */
describe('connection limits', () => {
  let kiln: RunningBroker | undefined;
  const sockets: net.Socket[] = [];
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    await kiln?.stop();
    kiln = undefined;
  });

  const raw = (): Promise<net.Socket> =>
    new Promise((resolve) => {
      const [host, port] = kiln!.bootstrap.split(':');
      const socket = net.connect(Number(port), host, () => resolve(socket));
      socket.on('error', () => {});
      sockets.push(socket);
    });
  const closed = (socket: net.Socket): Promise<void> =>
    new Promise((resolve) => (socket.destroyed ? resolve() : socket.once('close', () => resolve())));

  it(
    'a request that arrives slower than kiln.request.read.timeout.ms closes its connection',
    { timeout: 20_000 },
    async () => {
      kiln = await startBroker({ 'kiln.request.read.timeout.ms': '300' });
      const slow = await raw();
      const header = Buffer.alloc(4);
      header.writeInt32BE(100_000);
      slow.write(header);
      slow.write(Buffer.alloc(1000));
      await closed(slow);
      // Others are served meanwhile and after.
      const client = await ProtocolClient.connect(kiln.bootstrap);
      const metadata = await client.request(3, 4, { topics: null, allowAutoTopicCreation: false });
      expect(metadata.brokers).toHaveLength(1);
      client.close();
    },
  );

  it('a connection in the middle of a request is not closed as idle', { timeout: 20_000 }, async () => {
    kiln = await startBroker({ 'connections.max.idle.ms': '200', 'kiln.request.read.timeout.ms': '5000' });
    const sending = await raw();
    const header = Buffer.alloc(4);
    header.writeInt32BE(100_000);
    sending.write(header);
    sending.write(Buffer.alloc(1000));
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(sending.destroyed).toBe(false);
    // Only the read timeout ends it.
    await closed(sending);
  });

  it('connections idle longer than connections.max.idle.ms are closed', { timeout: 20_000 }, async () => {
    kiln = await startBroker({ 'connections.max.idle.ms': '200' });
    const client = await ProtocolClient.connect(kiln.bootstrap);
    await client.request(3, 4, { topics: null, allowAutoTopicCreation: false });
    await client.closed;
  });

  it(
    'a frame that does not fit in queued.max.request.bytes waits until memory returns, then is served',
    { timeout: 20_000 },
    async () => {
      kiln = await startBroker({
        'queued.max.request.bytes': String(1 << 20),
        'socket.request.max.bytes': String(1 << 20),
      });
      // A sender that holds most of the budget with a frame it does not finish.
      const holder = await raw();
      const header = Buffer.alloc(4);
      header.writeInt32BE(900_000);
      holder.write(header);
      holder.write(Buffer.alloc(10_000));
      await new Promise((resolve) => setTimeout(resolve, 100));
      // A produce of 600 KB arrives in several reads: it needs its frame's memory first.
      const client = await ProtocolClient.connect(kiln.bootstrap);
      await client.request(19, 4, {
        topics: [{ name: 'waits', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
        timeoutMs: 5000,
        validateOnly: false,
      });
      let answered = false;
      const produced = client
        .request(0, 8, {
          transactionalId: null,
          acks: 1,
          timeoutMs: 5000,
          topicData: [
            {
              name: 'waits',
              partitionData: [
                { index: 0, records: buildBatch({ records: [{ value: Buffer.alloc(600_000, 1) }] }) },
              ],
            },
          ],
        })
        .then((response) => {
          answered = true;
          return response;
        });
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(answered).toBe(false);
      holder.destroy();
      const response = await produced;
      const partition = (response.responses as { partitionResponses: Record<string, unknown>[] }[])[0]!
        .partitionResponses[0]!;
      expect(partition.errorCode).toBe(ErrorCode.NONE);
      client.close();
    },
  );
});

describe('FrameDecoder with a request memory budget', () => {
  const frame = (size: number, fill: number): Buffer => {
    const bytes = Buffer.alloc(4 + size, fill);
    bytes.writeInt32BE(size, 0);
    return bytes;
  };

  it('stops at a frame the budget cannot take, keeps what follows, and goes on when memory returns', () => {
    const memory = new MemoryBudget(100);
    const decoder = new FrameDecoder(1000, undefined, memory);
    const seen: [number, number, number][] = [];
    const onFrame = (f: Buffer, _pooled: boolean, reserved: number): void =>
      void seen.push([f.length, f[0]!, reserved]);
    memory.reserve(60); // held by others
    const first = frame(80, 1);
    const second = frame(10, 2);
    // The first frame arrives in two reads; its first read carries nothing else.
    decoder.push(first.subarray(0, 20), onFrame);
    expect(decoder.blocked).toBe(true);
    decoder.push(Buffer.concat([first.subarray(20), second]), onFrame);
    expect(seen).toEqual([]);
    memory.release(60);
    expect(decoder.retry(onFrame)).toBe(true);
    expect(seen).toEqual([
      [80, 1, 80],
      [10, 2, 0],
    ]);
    expect(memory.used).toBe(80);
  });

  it('a handler that closes the connection mid-chunk leaves no memory reserved for the next frame', () => {
    const memory = new MemoryBudget(1 << 20);
    const decoder = new FrameDecoder(1 << 20, undefined, memory);
    // An unknown API key fails at once and the connection closes (dispose) inside the decode loop;
    // the start of a large frame follows in the same read.
    const bad = frame(10, 9);
    const large = frame(900_000, 1).subarray(0, 5000);
    decoder.push(Buffer.concat([bad, large]), () => decoder.dispose());
    expect(memory.used).toBe(0);
    decoder.push(frame(900_000, 1).subarray(5000, 10_000), () => {});
    expect(memory.used).toBe(0);
  });

  it('gives back the memory of a half-read frame when disposed', () => {
    const memory = new MemoryBudget(1000);
    const decoder = new FrameDecoder(1000, undefined, memory);
    decoder.push(frame(500, 1).subarray(0, 100), () => {});
    expect(memory.used).toBe(500);
    decoder.dispose();
    expect(memory.used).toBe(0);
  });
});
