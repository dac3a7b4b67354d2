// A TCP proxy in front of a server, on 127.0.0.1 and a free port, whose link a test can cut and
// heal: cut() drops every connection through it and refuses new ones (accepted, then closed at
// once) until heal(). Used to part a client from ZooKeeper for longer than its session timeout.
import net from 'node:net';

export interface TcpProxy {
  port: number;
  /** host:port of the proxy. */
  address: string;
  cut(): void;
  heal(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  let cut = false;
  const links = new Set<net.Socket>();
  const server = net.createServer((client) => {
    if (cut) {
      client.destroy();
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
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    address: `127.0.0.1:${port}`,
    cut() {
      cut = true;
      for (const s of links) s.destroy();
      links.clear();
    },
    heal() {
      cut = false;
    },
    async close() {
      cut = true;
      for (const s of links) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
