import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZkClient, ZkConnectError, ZkError } from '../../../../server/cluster/zookeeper/zk-client.js';
import { startTcpProxy } from '../../../helpers/tcp-proxy.js';
import { waitFor } from '../../../helpers/wait-for.js';
import { freePort, startZooKeeper, type RunningZooKeeper } from '../../../helpers/zookeeper.js';

let zookeeper: RunningZooKeeper;
const clients: ZkClient[] = [];
let chroots = 0;

/** A session rooted in a chroot of its own, so the tests do not see each other's nodes. */
async function session(
  options: { sessionTimeoutMs?: number; connect?: string; log?: (m: string) => void } = {},
) {
  const client = await ZkClient.connect(options.connect ?? `${zookeeper.connect}/zk-client-${++chroots}`, {
    sessionTimeoutMs: options.sessionTimeoutMs ?? 10_000,
    connectionTimeoutMs: 10_000,
    log: options.log,
  });
  clients.push(client);
  return client;
}

beforeAll(async () => {
  zookeeper = await startZooKeeper();
});

afterAll(async () => {
  for (const c of clients) c.close();
  await zookeeper?.stop();
});

describe('ZkClient against a real ZooKeeper', () => {
  it('creates, reads, sets with a version check, and deletes', async () => {
    const zk = await session();
    expect(await zk.get('/a')).toBeNull();
    expect(await zk.children('/a')).toBeNull();
    await zk.create('/a', Buffer.from('one'));
    const node = await zk.get('/a');
    expect(node).toMatchObject({ version: 0, ephemeralOwner: undefined });
    expect(node!.data.toString()).toBe('one');
    await expect(zk.create('/a', Buffer.from('again'))).rejects.toMatchObject({
      code: 'NODE_EXISTS',
      path: '/a',
    });
    expect(await zk.set('/a', Buffer.from('two'), 0)).toBe(1);
    // A write based on a stale read is refused.
    await expect(zk.set('/a', Buffer.from('three'), 0)).rejects.toMatchObject({ code: 'BAD_VERSION' });
    await expect(zk.create('/missing/child', Buffer.alloc(0))).rejects.toMatchObject({ code: 'NO_NODE' });
    await zk.ensurePath('/x/y/z');
    expect(await zk.children('/x/y')).toEqual(['z']);
    await zk.delete('/a', 1);
    expect(await zk.exists('/a')).toBe(false);
  });

  it('applies a multi all or nothing, naming the operation that failed', async () => {
    const zk = await session();
    await zk.create('/epoch', Buffer.from('0'));
    const failed = zk.multi([
      { op: 'create', path: '/made', data: Buffer.from('x') },
      { op: 'check', path: '/epoch', version: 5 },
    ]);
    await expect(failed).rejects.toBeInstanceOf(ZkError);
    await expect(failed).rejects.toMatchObject({ code: 'BAD_VERSION', path: '/epoch' });
    expect(await zk.exists('/made')).toBe(false);
    await zk.multi([
      { op: 'check', path: '/epoch', version: 0 },
      { op: 'create', path: '/made', data: Buffer.from('x'), mode: 'ephemeral' },
      { op: 'set', path: '/epoch', data: Buffer.from('1'), version: 0 },
    ]);
    expect((await zk.get('/made'))!.ephemeralOwner).toBe(zk.sessionId);
    expect((await zk.get('/epoch'))!.data.toString()).toBe('1');
  });

  it('fires a watch once when the node changes', async () => {
    const zk = await session();
    const other = await session({ connect: zk.connectString });
    await zk.create('/w', Buffer.from('1'));
    const events: string[] = [];
    await zk.get('/w', (event) => events.push(event.getName()));
    await other.set('/w', Buffer.from('2'), -1);
    await other.set('/w', Buffer.from('3'), -1);
    await waitFor(() => events.length > 0, { what: 'the watch' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(events).toEqual(['NODE_DATA_CHANGED']);
  });

  it("removes a session's ephemeral nodes when it closes", async () => {
    const zk = await session();
    const other = await session({ connect: zk.connectString });
    await zk.create('/mine', Buffer.alloc(0), 'ephemeral');
    expect(await other.exists('/mine')).toBe(true);
    zk.close();
    await waitFor(async () => !(await other.exists('/mine')), { what: 'the ephemeral node to go' });
  });

  it('gives up after zookeeper.connection.timeout.ms with a message naming zookeeper.connect', async () => {
    const port = await freePort();
    const started = Date.now();
    const attempt = ZkClient.connect(`127.0.0.1:${port}`, {
      sessionTimeoutMs: 6000,
      connectionTimeoutMs: 700,
    });
    await expect(attempt).rejects.toBeInstanceOf(ZkConnectError);
    await expect(attempt).rejects.toThrow(
      `could not connect to ZooKeeper at 127.0.0.1:${port} (zookeeper.connect) within 700 ms (zookeeper.connection.timeout.ms)`,
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(650);
  });

  it('after its session expires, tells its owner, opens a new session and runs the new-session callbacks', async () => {
    const proxy = await startTcpProxy(zookeeper.port);
    try {
      const root = `/zk-client-${++chroots}`;
      const observer = await session({ connect: `${zookeeper.connect}${root}` });
      const zk = await session({ connect: `${proxy.address}${root}`, sessionTimeoutMs: 1000 });
      const firstSession = zk.sessionId;
      await zk.create('/registered', Buffer.alloc(0), 'ephemeral');
      const seen: string[] = [];
      zk.onExpired(() => seen.push('expired'));
      zk.onNewSession(async () => {
        seen.push('new session');
        await zk.create('/registered', Buffer.alloc(0), 'ephemeral');
      });
      proxy.cut();
      // ZooKeeper ends the session it no longer hears from; its ephemeral node goes with it.
      await waitFor(async () => !(await observer.exists('/registered')), {
        timeoutMs: 15_000,
        what: 'expiry',
      });
      proxy.heal();
      await waitFor(() => seen.length === 2, { timeoutMs: 15_000, what: 'the new session' });
      expect(seen).toEqual(['expired', 'new session']);
      expect(zk.sessionId).not.toBe(firstSession);
      expect(zk.wasOwnSession(firstSession)).toBe(true);
      await waitFor(async () => (await observer.get('/registered'))?.ephemeralOwner === zk.sessionId, {
        what: 'the node of the new session',
      });
    } finally {
      await proxy.close();
    }
  });
});

describe('ZkClient on a connection that goes silent', () => {
  /** A session through a proxy, with one ephemeral node, and its observer on a direct link. */
  async function throughProxy(sessionTimeoutMs: number) {
    const proxy = await startTcpProxy(zookeeper.port);
    const root = `/zk-client-${++chroots}`;
    const logs: string[] = [];
    const zk = await session({
      connect: `${proxy.address}${root}`,
      sessionTimeoutMs,
      log: (m) => logs.push(m),
    });
    await zk.create('/registered', Buffer.alloc(0), 'ephemeral');
    return { proxy, zk, logs };
  }

  it('a connection whose pings go unanswered is dropped and the session goes on (node-zookeeper-client waited on it forever)', async () => {
    const { proxy, zk, logs } = await throughProxy(9000);
    try {
      const session = zk.sessionId;
      // The server hangs for this connection only: new connections get through.
      proxy.hold();
      proxy.release();
      const started = Date.now();
      expect(await zk.exists('/registered')).toBe(true);
      expect(Date.now() - started).toBeLessThan(9000);
      expect(zk.sessionId).toBe(session);
      expect(logs.some((m) => m.includes('went silent'))).toBe(true);
    } finally {
      await proxy.close();
    }
  });

  it('a handshake a server accepted and never answered is given up and another connection made (node-zookeeper-client hung in CONNECTING)', async () => {
    const { proxy, zk, logs } = await throughProxy(9000);
    try {
      const session = zk.sessionId;
      // As a ZooKeeper that restarts: the connection drops, the next one is accepted but never
      // answered; the server answers again a moment later (the held connection stays silent).
      proxy.hold();
      proxy.drop();
      await waitFor(() => !zk.isConnected, { what: 'the drop' });
      await new Promise((resolve) => setTimeout(resolve, 500));
      proxy.release();
      expect(await zk.exists('/registered')).toBe(true);
      expect(zk.sessionId).toBe(session);
      expect(logs.some((m) => m.includes('did not answer the handshake'))).toBe(true);
    } finally {
      await proxy.close();
    }
  });

  it('close() ends a client that is not connected: its socket does not keep the process alive', async () => {
    const { proxy, zk } = await throughProxy(9000);
    try {
      proxy.hold();
      proxy.drop();
      await waitFor(() => proxy.connections() === 1, { what: 'the held handshake' });
      zk.close();
      await waitFor(() => proxy.connections() === 0, { timeoutMs: 5000, what: 'the socket closed' });
    } finally {
      await proxy.close();
    }
  });
});

describe('ZkClient multi with version 0', () => {
  it('a version 0 in a multi means version 0, not any version (node-zookeeper-client read 0 as -1)', async () => {
    const zk = await session();
    await zk.create('/v', Buffer.from('a'));
    await zk.set('/v', Buffer.from('b'), 0);
    for (const op of [
      { op: 'check', path: '/v', version: 0 },
      { op: 'set', path: '/v', data: Buffer.from('c'), version: 0 },
      { op: 'delete', path: '/v', version: 0 },
    ] as const) {
      await expect(zk.multi([op]), op.op).rejects.toMatchObject({ code: 'BAD_VERSION', path: '/v' });
    }
    expect((await zk.get('/v'))!.data.toString()).toBe('b');
    await zk.create('/w', Buffer.from('a'));
    await zk.multi([
      { op: 'check', path: '/w', version: 0 },
      { op: 'set', path: '/w', data: Buffer.from('b'), version: 0 },
    ]);
    expect(await zk.get('/w')).toMatchObject({ version: 1 });
  });
});
