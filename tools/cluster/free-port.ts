/**
 * A free TCP port on 127.0.0.1 that a server can be restarted on.
 *
 * Tests, benchmarks and the chaos run kill a broker or ZooKeeper and start it again on the same
 * port. A port the kernel hands out for `listen(0)` lies in the ephemeral range
 * (/proc/sys/net/ipv4/ip_local_port_range, 32768-60999 by default on Linux), the same range every
 * outgoing connection takes its local port from: while the server is down, any client's connect()
 * on the machine may take that port, and the restart then fails with EADDRINUSE. So the port is
 * picked at random below the ephemeral range, where connect() never goes, and checked by binding
 * it. It is free when this returns; whoever binds it first gets it.
 */
import fs from 'node:fs';
import net from 'node:net';

/** Lowest port tried: above the well-known and most registered service ports. */
const LOWEST = 10_000;
/** Where connect() takes local ports from when the system does not say (IANA's range, macOS). */
const DEFAULT_EPHEMERAL_LOW = 49_152;
const ATTEMPTS = 200;

/** The first port of the range outgoing connections take their local port from. */
export function ephemeralRangeStart(): number {
  try {
    const text = fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8');
    const low = Number(text.trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 0 ? low : DEFAULT_EPHEMERAL_LOW;
  } catch {
    return DEFAULT_EPHEMERAL_LOW;
  }
}

function tryBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => {
      server.close(() => resolve(true));
    });
  });
}

function kernelPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * A port below the ephemeral range that nobody listens on now. Falls back to one the kernel picks
 * when that range is too small to search (a system whose ephemeral range starts low).
 */
export async function freePort(): Promise<number> {
  const high = ephemeralRangeStart() - 1;
  if (high - LOWEST < 1000) return kernelPort();
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const port = LOWEST + Math.floor(Math.random() * (high - LOWEST + 1));
    if (await tryBind(port)) return port;
  }
  return kernelPort();
}
