import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { ephemeralRangeStart, freePort } from '../../../tools/cluster/free-port.js';

function bind(port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

describe('freePort', () => {
  // The chaos run restarted a killed broker on its port and found it taken (EADDRINUSE): the
  // port came from listen(0), the ephemeral range, where a client's connect() had since taken it.
  it('a restarted broker port is never one that outgoing connections take their local port from', async () => {
    const start = ephemeralRangeStart();
    for (let i = 0; i < 20; i++) {
      const port = await freePort();
      expect(port).toBeGreaterThanOrEqual(1024);
      expect(port).toBeLessThan(start);
    }
  });

  it('gives a port nobody listens on, which a server can then bind', async () => {
    const port = await freePort();
    const server = await bind(port);
    await new Promise((resolve) => server.close(resolve));
  });

  it('the ephemeral range start is read from the system where it says', () => {
    const start = ephemeralRangeStart();
    expect(Number.isInteger(start)).toBe(true);
    expect(start).toBeGreaterThan(1024);
    expect(start).toBeLessThanOrEqual(65535);
  });
});
