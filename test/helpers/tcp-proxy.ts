// A TCP proxy in front of a server, on 127.0.0.1 and a free port, whose link a test can cut and
// heal: cut() drops every connection through it and refuses new ones (accepted, then closed at
// once) until heal(). Used to part a client from ZooKeeper for longer than its session timeout.
// hold() makes it a silent server instead: every connection, open or new, stays open and nothing
// passes either way (what a client sees from a server that hangs, or one still starting that
// accepted the connection and never answers); release() lets new connections through again (the
// held ones stay silent), and drop() closes every connection open now.
import net from 'node:net';

export interface TcpProxy {
  port: number;
  /** host:port of the proxy. */
  address: string;
  cut(): void;
  heal(): void;
  hold(): void;
  release(): void;
  drop(): void;
  /** Client connections open now (passing or held). */
  connections(): number;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  let cut = false;
  let holding = false;
  const links = new Set<net.Socket>();
  /** Client sockets held silent, and how to silence a passing one (by its client socket). */
  const held = new Set<net.Socket>();
  const silencers = new Map<net.Socket, () => void>();

  const holdSilently = (client: net.Socket): void => {
    held.add(client);
    client.on('error', () => held.delete(client)).on('close', () => held.delete(client));
    client.resume();
  };
  const server = net.createServer((client) => {
    if (cut) {
      client.destroy();
      return;
    }
    if (holding) {
      holdSilently(client);
      return;
    }
    const upstream = net.connect(targetPort, targetHost);
    links.add(client);
    links.add(upstream);
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
      links.delete(client);
      links.delete(upstream);
      silencers.delete(client);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
    silencers.set(client, () => {
      client.off('error', drop).off('close', drop);
      upstream
        .off('error', drop)
        .off('close', drop)
        .on('error', () => undefined);
      client.unpipe(upstream);
      upstream.unpipe(client);
      links.delete(client);
      links.delete(upstream);
      silencers.delete(client);
      upstream.destroy();
      holdSilently(client);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  const dropAll = (): void => {
    for (const s of [...links, ...held]) s.destroy();
    links.clear();
    held.clear();
    silencers.clear();
  };
  return {
    port,
    address: `127.0.0.1:${port}`,
    cut() {
      cut = true;
      dropAll();
    },
    heal() {
      cut = false;
    },
    hold() {
      holding = true;
      for (const silence of [...silencers.values()]) silence();
    },
    release() {
      holding = false;
    },
    drop: dropAll,
    connections: () => held.size + silencers.size,
    async close() {
      cut = true;
      dropAll();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
