// A proxy in front of ZooKeeper, on 127.0.0.1 and a free port, that fails chosen requests: a test
// arms it (`failNext`) with an op type (and, if it likes, a node's path), and the next matching
// request is
//   - lost (`lose: 'request'`, the default): the connection carrying it is dropped before it is
//     forwarded, so it fails with CONNECTION_LOSS and never took effect;
//   - applied, its reply lost (`lose: 'reply'`): it is forwarded, and the connection is dropped
//     when ZooKeeper's reply comes back instead of passing it on, so it took effect but the client
//     only sees CONNECTION_LOSS;
//   - or answered with an error (`replyError`): it is forwarded, and its reply is replaced by one
//     carrying that error code; the connection stays up.
// A dropped connection does not end the session: the client reconnects through the proxy at once,
// on the same session, and anything else in flight on that connection fails with CONNECTION_LOSS.
// Like tcp-proxy.ts it can also cut() the link altogether (and heal() it) to make a session expire.
//
// How ZooKeeper frames what a client sends: every packet is a 4-byte big-endian length and then
// that many bytes. The first packet of a connection is the session handshake (ConnectRequest, no
// header). Every later one is a request: its xid (4 bytes, the client's number for matching the
// reply; negative for pings, auth and set-watches), then its op type (4 bytes, OP below), then its
// body, which for an op on one node begins with the path (4-byte length, UTF-8) as sent — with the
// client's chroot in front. Replies are framed the same way: the handshake's answer first, then
// for each request its xid, the zxid (8 bytes) and an error code, then the body.
import net from 'node:net';

/** ZooKeeper's op types (the request header's second field). */
export const OP = {
  create: 1,
  delete: 2,
  exists: 3,
  getData: 4,
  setData: 5,
  getChildren: 8,
  /** What node-zookeeper-client sends for getChildren. */
  getChildren2: 12,
  check: 13,
  multi: 14,
} as const;

/** ZooKeeper error codes a reply can carry (its header's third field). */
export const ZK_ERROR = {
  /** A server-side failure: not one a client retries, unlike CONNECTION_LOSS. */
  systemError: -1,
} as const;

/** Op types whose body begins with the path of the node they are about. */
const ONE_NODE_OPS = new Set([1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 13]);

export interface Fault {
  /** The op type of the requests to fail (OP). */
  op: number;
  /** Only requests on this node, as on the wire (chroot included: `/my-chroot/controller`). */
  path?: string;
  /** How many matching requests to fail (default 1), one after the other. */
  count?: number;
  /** Lose the request itself (default) or, once it has been applied, its reply. */
  lose?: 'request' | 'reply';
  /** Instead of losing anything: the request is applied and its reply says this error (ZK_ERROR). */
  replyError?: number;
}

export interface ZooKeeperFaultProxy {
  port: number;
  /** host:port of the proxy (add a chroot for zookeeper.connect). */
  address: string;
  /** Arms a fault for the requests sent from now on (replacing one still armed). */
  failNext(fault: Fault): void;
  /** Requests the armed faults have failed so far (lost, reply lost, or answered with an error). */
  readonly failed: number;
  /** Client connections open through the proxy now. */
  readonly connections: number;
  /** Drops every connection and refuses new ones (accepted, then closed at once) until heal(). */
  cut(): void;
  heal(): void;
  close(): Promise<void>;
}

export async function startZooKeeperFaultProxy(
  targetPort: number,
  targetHost = '127.0.0.1',
): Promise<ZooKeeperFaultProxy> {
  let fault: Fault & { count: number } = { op: 0, count: 0 };
  let failed = 0;
  let isCut = false;
  const clients = new Set<net.Socket>();
  const sockets = new Set<net.Socket>();

  /** Whether this request (a whole frame) is one the armed fault is for; counts it down if so. */
  const take = (frame: Buffer): boolean => {
    if (fault.count <= 0 || frame.length < 12 || frame.readInt32BE(8) !== fault.op) return false;
    if (fault.path !== undefined && pathOf(frame) !== fault.path) return false;
    fault.count--;
    return true;
  };

  const server = net.createServer((client) => {
    if (isCut) {
      client.destroy();
      return;
    }
    const upstream = net.connect(targetPort, targetHost);
    clients.add(client);
    sockets.add(client);
    sockets.add(upstream);
    let closed = false;
    const drop = (): void => {
      closed = true;
      client.destroy();
      upstream.destroy();
      clients.delete(client);
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    /** What becomes of the replies to requests a fault took, by xid: lost, or this error instead. */
    const replies = new Map<number, 'lose' | number>();

    const fromClient = frames((frame, first) => {
      if (closed) return;
      if (!first && take(frame)) {
        if (fault.replyError === undefined && (fault.lose ?? 'request') === 'request') {
          failed++;
          drop();
          return;
        }
        replies.set(frame.readInt32BE(4), fault.replyError ?? 'lose');
      }
      upstream.write(frame);
    });
    const fromServer = frames((frame, first) => {
      if (closed) return;
      const fate = !first && frame.length >= 20 ? replies.get(frame.readInt32BE(4)) : undefined;
      if (fate === undefined) {
        client.write(frame);
        return;
      }
      replies.delete(frame.readInt32BE(4));
      failed++;
      if (fate === 'lose') {
        drop();
        return;
      }
      // The reply's header alone (xid, zxid), with the error: an error reply has no body.
      const reply = Buffer.alloc(20);
      frame.copy(reply, 0, 0, 20);
      reply.writeInt32BE(16, 0);
      reply.writeInt32BE(fate, 16);
      client.write(reply);
    });
    client.on('data', fromClient);
    upstream.on('data', fromServer);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;

  const dropAll = (): void => {
    for (const s of sockets) s.destroy();
    sockets.clear();
    clients.clear();
  };
  return {
    port,
    address: `127.0.0.1:${port}`,
    failNext(armed) {
      fault = { ...armed, count: armed.count ?? 1 };
    },
    get failed() {
      return failed;
    },
    get connections() {
      return clients.size;
    },
    cut() {
      isCut = true;
      dropAll();
    },
    heal() {
      isCut = false;
    },
    async close() {
      isCut = true;
      dropAll();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Splits a byte stream into whole length-prefixed frames; `first` is the connection's first frame. */
function frames(onFrame: (frame: Buffer, first: boolean) => void): (chunk: Buffer) => void {
  let pending: Buffer = Buffer.alloc(0);
  let first = true;
  return (chunk) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
      const end = 4 + pending.readInt32BE(0);
      const frame = pending.subarray(0, end);
      pending = pending.subarray(end);
      onFrame(frame, first);
      first = false;
    }
  };
}

/** The path a one-node request is about, or undefined for other requests. */
function pathOf(frame: Buffer): string | undefined {
  if (!ONE_NODE_OPS.has(frame.readInt32BE(8)) || frame.length < 16) return undefined;
  const length = frame.readInt32BE(12);
  if (length < 0 || 16 + length > frame.length) return undefined;
  return frame.toString('utf8', 16, 16 + length);
}
