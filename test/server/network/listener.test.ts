import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { Listener } from '../../../server/network/listener.js';

/** Sends one 4-byte frame and resolves with the first response frame's body. */
async function roundTrip(port: number): Promise<Buffer> {
  const socket = net.connect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  const answer = new Promise<Buffer>((resolve) =>
    socket.once('data', (chunk: Buffer) => resolve(chunk.subarray(4))),
  );
  socket.write(Buffer.from([0, 0, 0, 4, 1, 2, 3, 4]));
  const body = await answer;
  socket.destroy();
  return body;
}

describe('Listener', () => {
  for (const ownReadBuffers of [true, false]) {
    it(`answers requests and closes cleanly, reading ${ownReadBuffers ? 'into its own buffers' : "with 'data' events"}`, async () => {
      const listener = new Listener(
        (frame) => ({ buffers: [Buffer.from([0, 0, 0, frame.length]), Buffer.from(frame)] }),
        {
          maxFrameBytes: 1024,
          ownReadBuffers,
        },
      );
      const port = await listener.listen('127.0.0.1', 0);
      expect([...(await roundTrip(port))]).toEqual([1, 2, 3, 4]);
      await listener.close(1000);
      // Sockets emit 'close' a tick after they are destroyed.
      for (let i = 0; i < 50 && listener.connectionCount > 0; i++)
        await new Promise((r) => setTimeout(r, 10));
      expect(listener.connectionCount).toBe(0);
    });
  }
});
