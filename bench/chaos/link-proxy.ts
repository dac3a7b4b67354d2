/**
 * A TCP proxy on 127.0.0.1 and a free port in front of one server (a broker's listener, or
 * ZooKeeper for one broker), whose links the chaos run cuts and heals.
 *
 * With `identify`, the proxy reads a connection's first bytes to name its peer before it connects
 * upstream (for a broker: `broker-<id>` from the Kafka client id, else `client`, see
 * kafka-client-id.ts). Two ways to cut:
 *   - block(peer): the connections from that peer are dropped, and new ones from it are closed as
 *     soon as they name themselves, until unblock(peer). Other peers pass as before.
 *   - cutAll(mode): every link. 'drop' closes them all and closes new ones at once; 'blackhole'
 *     keeps them open but passes nothing either way, and holds new ones silent, as a network
 *     partition does (nobody learns of it until a timeout). healAll() then closes the held
 *     connections, so their clients connect again.
 */
import net from 'node:net';

export type CutMode = 'drop' | 'blackhole';

export interface LinkProxyOptions {
  targetPort: number;
  targetHost?: string;
  /** The peer a connection's first bytes name; undefined while more bytes are needed. */
  identify?: (head: Buffer) => string | undefined;
}

/** What a connection that never names itself (more than this many bytes without) is called. */
const UNKNOWN_PEER = 'unknown';
const MAX_HEAD_BYTES = 64 * 1024;

interface Link {
  client: net.Socket;
  upstream: net.Socket | undefined;
  /** Undefined until named. */
  peer: string | undefined;
  /** Held silent by a blackhole cut: nothing passes, and a close upstream is not passed on. */
  frozen: boolean;
  /** When it was accepted (performance.now()). */
  openedAt: number;
  /** Bytes the server has sent on it so far. */
  fromServer: number;
}

/** One open connection through the proxy, as diagnose() shows it. */
export interface LinkState {
  peer: string;
  ageMs: number;
  /** Bytes the server has sent on it so far (0: it never answered). */
  fromServer: number;
  frozen: boolean;
}

export class LinkProxy {
  private readonly links = new Set<Link>();
  private readonly blocked = new Set<string>();
  private cut: CutMode | null = null;

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
    private readonly options: LinkProxyOptions,
  ) {
    server.on('connection', (client) => this.accept(client));
  }

  static async start(options: LinkProxyOptions): Promise<LinkProxy> {
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return new LinkProxy(server, (server.address() as net.AddressInfo).port, options);
  }

  /** 127.0.0.1:<port>. */
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Drops the links from `peer` and refuses new ones until unblock(peer). */
  block(peer: string): void {
    this.blocked.add(peer);
    for (const link of this.links) if (link.peer === peer) this.end(link);
  }

  unblock(peer: string): void {
    this.blocked.delete(peer);
  }

  /** Cuts every link (see the header for the two modes). */
  cutAll(mode: CutMode): void {
    this.cut = mode;
    for (const link of this.links) {
      if (mode === 'drop') this.end(link);
      else this.freeze(link);
    }
  }

  /** Ends cutAll: held connections are closed, new ones pass again. */
  healAll(): void {
    this.cut = null;
    for (const link of this.links) if (link.frozen) this.end(link);
  }

  /** Open connections through the proxy (from `peer` only, if given). */
  connections(peer?: string): number {
    let n = 0;
    for (const link of this.links) if (peer === undefined || link.peer === peer) n++;
    return n;
  }

  /** The open connections, oldest first. */
  openLinks(): LinkState[] {
    const now = performance.now();
    return [...this.links].map((l) => ({
      peer: l.peer ?? 'unnamed',
      ageMs: Math.round(now - l.openedAt),
      fromServer: l.fromServer,
      frozen: l.frozen,
    }));
  }

  async close(): Promise<void> {
    this.cut = 'drop';
    for (const link of this.links) this.end(link);
    await new Promise((resolve) => this.server.close(resolve));
  }

  private accept(client: net.Socket): void {
    const link: Link = {
      client,
      upstream: undefined,
      peer: undefined,
      frozen: false,
      openedAt: performance.now(),
      fromServer: 0,
    };
    this.links.add(link);
    client.on('error', () => this.end(link));
    client.once('close', () => this.end(link));
    if (this.cut === 'drop') return this.end(link);
    if (this.cut === 'blackhole') return this.freeze(link);
    const identify = this.options.identify;
    if (!identify) {
      link.peer = 'any';
      return this.connect(link, Buffer.alloc(0));
    }
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      const peer = identify(head) ?? (head.length > MAX_HEAD_BYTES ? UNKNOWN_PEER : undefined);
      if (peer === undefined) return;
      client.off('data', onData);
      client.pause();
      link.peer = peer;
      if (this.blocked.has(peer) || this.cut === 'drop') this.end(link);
      else if (this.cut === 'blackhole') this.freeze(link);
      else this.connect(link, head);
    };
    client.on('data', onData);
  }

  private connect(link: Link, head: Buffer): void {
    const upstream = net.connect({
      port: this.options.targetPort,
      host: this.options.targetHost ?? '127.0.0.1',
      noDelay: true,
    });
    link.upstream = upstream;
    link.client.setNoDelay(true);
    upstream.on('error', () => this.upstreamClosed(link));
    upstream.once('close', () => this.upstreamClosed(link));
    upstream.on('data', (chunk: Buffer) => (link.fromServer += chunk.length));
    if (head.length > 0) upstream.write(head);
    link.client.pipe(upstream);
    upstream.pipe(link.client);
  }

  private upstreamClosed(link: Link): void {
    // In a partition the client would not hear of it: it is closed when the cut heals.
    if (!link.frozen) this.end(link);
  }

  private freeze(link: Link): void {
    if (link.frozen || !this.links.has(link)) return;
    link.frozen = true;
    if (link.upstream) {
      link.client.unpipe(link.upstream);
      link.upstream.unpipe(link.client);
      link.upstream.pause();
    }
    // A connection still naming itself stops being read too.
    link.client.removeAllListeners('data');
    link.client.pause();
  }

  private end(link: Link): void {
    if (!this.links.delete(link)) return;
    link.client.destroy();
    link.upstream?.destroy();
  }
}
