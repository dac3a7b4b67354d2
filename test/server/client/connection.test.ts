// Connection setup failures of the tools' client become one BrokerConnectionError naming the
// broker and the reason, instead of a hang or a stack trace.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Connection } from '../../../server/client/connection.js';
import { BrokerConnectionError } from '../../../server/client/errors.js';

let server: net.Server | undefined;
const sockets = new Set<net.Socket>();
afterEach(async () => {
  // close() waits for open sockets: end them first.
  for (const socket of sockets) socket.destroy();
  sockets.clear();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** A TCP server on 127.0.0.1 that does `onConnection` with each socket; resolves with its port. */
async function listen(onConnection: (socket: net.Socket) => void): Promise<number> {
  const s = net.createServer((socket) => {
    sockets.add(socket);
    onConnection(socket);
  });
  server = s;
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  return (s.address() as net.AddressInfo).port;
}

describe('Connection.open', () => {
  it('gives up on a peer that accepts but never answers ApiVersions (ETIMEDOUT)', async () => {
    const port = await listen(() => {});
    const opened = Connection.open('127.0.0.1', port, 'test', 200);
    await expect(opened).rejects.toThrow(BrokerConnectionError);
    await expect(opened).rejects.toThrow(`cannot reach broker 127.0.0.1:${port} (ETIMEDOUT)`);
  });

  it('names a peer that hangs up during the handshake', async () => {
    const port = await listen((socket) => socket.destroy());
    const opened = Connection.open('127.0.0.1', port, 'test', 5_000);
    await expect(opened).rejects.toThrow(BrokerConnectionError);
    await expect(opened).rejects.toThrow(
      new RegExp(`^cannot reach broker 127\\.0\\.0\\.1:${port} \\(\\w+\\)$`),
    );
  });

  it('names a refused connection by its code', async () => {
    const port = await listen(() => {});
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = undefined;
    await expect(Connection.open('127.0.0.1', port, 'test')).rejects.toThrow(
      `cannot reach broker 127.0.0.1:${port} (ECONNREFUSED)`,
    );
  });
});
