/**
 * The TCP listener: accepts connections and keeps track of them, so that a stop can refuse new
 * connections, let the requests already received finish, and then close everything. It also
 * closes connections idle for connections.max.idle.ms (nothing received, nothing in flight).
 */
import net from 'node:net';
import { Connection, type ConnectionOptions, type FrameHandler } from './connection.js';
import { FramePool } from './frame-pool.js';

export interface ListenerOptions extends ConnectionOptions {
  /** Connections with nothing received or in flight for this long are closed; -1 or 0: never. */
  connectionsMaxIdleMs?: number;
  /** A frame must arrive whole within this long of its first bytes (kiln.request.read.timeout.ms). */
  requestReadTimeoutMs?: number;
}

export class Listener {
  private readonly server: net.Server;
  private readonly connections = new Set<Connection>();
  private readonly idleSweep: NodeJS.Timeout | undefined;

  constructor(
    private readonly handler: FrameHandler,
    private readonly options: ListenerOptions,
  ) {
    const idleMs = options.connectionsMaxIdleMs ?? -1;
    const readMs = options.requestReadTimeoutMs ?? -1;
    const limits = [idleMs, readMs].filter((ms) => ms > 0);
    if (limits.length > 0) {
      // Checked a few times per limit: a connection goes at most a quarter late.
      const every = Math.max(10, Math.min(Math.min(...limits) / 4, 30_000));
      this.idleSweep = setInterval(() => this.sweep(idleMs, readMs), every);
      this.idleSweep.unref();
    }
    // One pool for every connection: a few producers share the same handful of buffers.
    // Accepted paused, so each connection can re-wrap its socket to read into its own buffers.
    const connectionOptions = { framePool: new FramePool(), ownReadBuffers: true, ...options };
    this.server = net.createServer({ pauseOnConnect: connectionOptions.ownReadBuffers }, (socket) => {
      const connection = new Connection(socket, this.handler, connectionOptions);
      this.connections.add(connection);
      connection.socket.on('close', () => this.connections.delete(connection));
    });
  }

  /** Starts listening; resolves with the port actually bound (useful with port 0). */
  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ host, port }, () => {
        this.server.off('error', reject);
        // After start an accept error (say, out of file descriptors) is logged, not fatal.
        this.server.on('error', (err) => this.options.log?.(`listener error: ${err.message}`));
        resolve((this.server.address() as net.AddressInfo).port);
      });
    });
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** Closes connections idle longer than `idleMs`, and those whose request arrives slower than `readMs`. */
  private sweep(idleMs: number, readMs: number): void {
    const now = Date.now();
    for (const connection of this.connections) {
      if (readMs > 0 && connection.readTooSlow(now, readMs)) {
        this.options.debug?.(`closing ${connection.remote}: a request took more than ${readMs} ms to arrive`);
        connection.close();
      } else if (
        idleMs > 0 &&
        connection.inFlight === 0 &&
        !connection.reading &&
        now - connection.lastActive > idleMs
      ) {
        this.options.debug?.(`closing ${connection.remote}: idle for more than ${idleMs} ms`);
        connection.close();
      }
    }
  }

  /** Stops accepting, waits (up to `timeoutMs`) for in-flight requests to be answered, closes all. */
  async close(timeoutMs = 5000): Promise<void> {
    if (this.idleSweep) clearInterval(this.idleSweep);
    const stopped = new Promise<void>((resolve) => this.server.close(() => resolve()));
    const drained = Promise.all([...this.connections].map((c) => c.drain()));
    await Promise.race([drained, new Promise((resolve) => setTimeout(resolve, timeoutMs).unref())]);
    for (const connection of this.connections) connection.close();
    await stopped;
  }
}
