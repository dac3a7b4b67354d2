import net from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Connection, type FrameHandler } from '../../../server/network/connection.js';
import { MemoryBudget } from '../../../server/network/memory-budget.js';

/**
 * kiln.queued.max.response.bytes at the network level: heap response bytes handed to sockets and
 * not yet sent count against one budget shared by all connections; a connection that holds some of
 * them stops being read while the budget is spent, and the memory comes back when it leaves.
 */
const MB = 1024 * 1024;
const RESPONSE_BYTES = 4 * MB;

/** A request frame (size prefix included) carrying a 4-byte id. */
function request(id: number): Buffer {
  const out = Buffer.alloc(8);
  out.writeInt32BE(4, 0);
  out.writeInt32BE(id, 4);
  return out;
}

const servers: net.Server[] = [];
const sockets: net.Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  for (const server of servers.splice(0)) await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('response memory budget', () => {
  it('a connection that does not read its responses stops being read once the shared response budget is spent, others are served, and the memory comes back when it leaves', async () => {
    const budget = new MemoryBudget(8 * MB);
    const handled = new Map<string, number>();
    const connections: Connection[] = [];
    // Every response is 4 MB of heap (a size prefix, then the body).
    const handler: FrameHandler = (_frame, connection) => {
      handled.set(connection.remote, (handled.get(connection.remote) ?? 0) + 1);
      const prefix = Buffer.alloc(4);
      prefix.writeInt32BE(RESPONSE_BYTES - 4);
      return { buffers: [prefix, Buffer.alloc(RESPONSE_BYTES - 4, 1)] };
    };
    const server = net.createServer((socket) =>
      connections.push(new Connection(socket, handler, { maxFrameBytes: 1024, responseMemory: budget })),
    );
    servers.push(server);
    await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, () => resolve()));
    const { port } = server.address() as net.AddressInfo;
    const open = async (): Promise<net.Socket> => {
      const socket = net.connect({ host: '127.0.0.1', port });
      socket.on('error', () => {});
      sockets.push(socket);
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      return socket;
    };

    // The hostile client asks for 12 responses (48 MB, below the per-connection 64 MB of unsent
    // bytes) one request at a time and never reads.
    const hostile = await open();
    hostile.pause();
    const hostileRemote = `127.0.0.1:${hostile.localPort}`;
    for (let i = 0; i < 12; i++) {
      hostile.write(request(i));
      // Handled, or the budget is spent (from then on it should not be read).
      await vi.waitFor(() => expect((handled.get(hostileRemote) ?? 0) > i || budget.exhausted).toBe(true), {
        timeout: 5000,
        interval: 5,
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    const hostileHandled = handled.get(hostileRemote) ?? 0;
    // The budget (2 responses) plus what the kernel's socket buffers took off its hands.
    expect(hostileHandled).toBeGreaterThan(0);
    expect(hostileHandled).toBeLessThan(12);
    expect(budget.exhausted).toBe(true);

    // A client that reads its responses is served although the budget is spent.
    const normal = await open();
    let received = 0;
    const answered = new Promise<void>((resolve) =>
      normal.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received >= 3 * RESPONSE_BYTES) resolve();
      }),
    );
    for (let i = 0; i < 3; i++) normal.write(request(100 + i));
    await answered;
    expect(handled.get(`127.0.0.1:${normal.localPort}`)).toBe(3);

    // The hostile client leaves: everything it held comes back.
    hostile.destroy();
    await vi.waitFor(() => expect(budget.used).toBe(0), { timeout: 5000, interval: 20 });
    for (const connection of connections) connection.close();
  });
});
