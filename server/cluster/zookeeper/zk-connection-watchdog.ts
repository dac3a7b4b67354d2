/**
 * Drops a ZooKeeper connection that has gone silent, as ZooKeeper's own client does.
 *
 * node-zookeeper-client (1.1.3) has no read timeout: once it has sent its handshake it waits for
 * the answer forever (a ZooKeeper that is restarting can accept a connection and never answer
 * it: seen in the fault-injection run, where such a broker lost its session without knowing and
 * stayed out of the cluster), and once connected it sends a ping every third of the session
 * timeout but never notices when none is answered. Each client opened here is watched: a
 * handshake unanswered for a third of the session timeout, or a connection that has read nothing
 * for two thirds of it, has its socket closed, and the library connects again (on the same
 * session, which ZooKeeper keeps for the whole session timeout; or it learns that it expired).
 *
 * `closeClient` ends a client for good: the library's close() only queues a close request, which
 * is never sent while it is not connected, so its socket (keeping the process alive) would stay
 * open; it is closed here after a moment if the library has not done so.
 *
 * The library's connection state is private: `connectionOf` reads it, and fails loudly at once if
 * a new version of the library no longer has the fields relied on.
 */
import type net from 'node:net';
import type { Client } from 'node-zookeeper-client';

/** The library's connection states (ConnectionManager's STATES) this module acts on. */
const CONNECTING = 1;
const CONNECTED = 2;
const CONNECTED_READ_ONLY = 3;
const CLOSED = -2;

/** How long close() may take to end the socket itself. */
const CLOSE_GRACE_MS = 1000;

/** What is read of node-zookeeper-client's ConnectionManager. */
interface LibConnection {
  state: number;
  socket?: net.Socket;
  sessionTimeout: number;
}

const watched = new WeakMap<Client, NodeJS.Timeout>();

/** Starts watching a client's connection (before or after it connects); until `closeClient`. */
export function watchConnection(client: Client, log?: (message: string) => void): void {
  const connection = connectionOf(client);
  let socket: net.Socket | undefined;
  let bytesRead = 0;
  let lastProgress = Date.now();
  const check = (): void => {
    const now = Date.now();
    const current = connection.socket;
    if (current !== socket || (current && current.bytesRead !== bytesRead)) {
      socket = current;
      bytesRead = current?.bytesRead ?? 0;
      lastProgress = now;
      return;
    }
    if (!current || current.destroyed) return;
    const silentMs = now - lastProgress;
    const { state, sessionTimeout } = connection;
    const handshaking = state === CONNECTING && current.readyState === 'open';
    const connected = state === CONNECTED || state === CONNECTED_READ_ONLY;
    if (
      (handshaking && silentMs >= sessionTimeout / 3) ||
      (connected && silentMs >= (sessionTimeout * 2) / 3)
    ) {
      log?.(
        `ZooKeeper ${handshaking ? 'did not answer the handshake' : 'went silent'} for ${silentMs} ms; ` +
          'connecting again',
      );
      lastProgress = now;
      current.destroy();
    }
  };
  const timer = setInterval(check, Math.max(50, Math.min(1000, connection.sessionTimeout / 12)));
  timer.unref();
  watched.set(client, timer);
}

/** Closes the client, and its socket if the library leaves it open. */
export function closeClient(client: Client): void {
  clearInterval(watched.get(client));
  watched.delete(client);
  const connection = connectionOf(client);
  client.close();
  setTimeout(() => {
    if (connection.state !== CLOSED) connection.socket?.destroy();
  }, CLOSE_GRACE_MS).unref();
}

function connectionOf(client: Client): LibConnection {
  const connection = (client as unknown as { connectionManager?: Partial<LibConnection> }).connectionManager;
  if (!connection || typeof connection.state !== 'number' || typeof connection.sessionTimeout !== 'number') {
    throw new Error('node-zookeeper-client changed: its connection state cannot be watched');
  }
  return connection as LibConnection;
}
