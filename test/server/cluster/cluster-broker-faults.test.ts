// A cluster broker's start and stop when things go wrong: a stop while ZooKeeper is unreachable
// must not wait for it longer than about a session timeout, and a start that fails after joining
// ZooKeeper must end the session it opened (else the process, kept alive by it, never exits).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ZkClient } from '../../../server/cluster/zookeeper/zk-client.js';
import { startBroker, type RunningBroker } from '../../helpers/broker-fixture.js';
import { startTcpProxy } from '../../helpers/tcp-proxy.js';
import { waitFor } from '../../helpers/wait-for.js';
import { startZooKeeperFaultProxy } from '../../helpers/zookeeper-fault-proxy.js';
import { startZooKeeper, type RunningZooKeeper } from '../../helpers/zookeeper.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
let zookeeper: RunningZooKeeper;
/** A session at ZooKeeper's root: tests name their chroot in every path. */
let observer: ZkClient;
const cleanup: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  zookeeper = await startZooKeeper();
  observer = await ZkClient.connect(zookeeper.connect, {
    sessionTimeoutMs: 10_000,
    connectionTimeoutMs: 10_000,
  });
});

afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await Promise.resolve(c()).catch(() => {});
});

afterAll(async () => {
  observer?.close();
  await zookeeper?.stop();
});

async function broker(properties: Record<string, string>): Promise<RunningBroker> {
  const b = await startBroker(properties);
  cleanup.push(() => b.stop());
  return b;
}

/** Resolves with `value` after `ms` (a deadline to race a promise that may never settle). */
function after<T>(ms: number, value: T): Promise<T> {
  return new Promise((resolve) => setTimeout(() => resolve(value), ms).unref());
}

describe('stopping a cluster broker', () => {
  it("the controller's stop() while ZooKeeper is unreachable returns within about one session timeout", async () => {
    const chroot = '/stop-unreachable';
    const sessionTimeoutMs = 6000;
    const proxy = await startTcpProxy(zookeeper.port);
    cleanup.push(() => proxy.close());
    const b = await startBroker({
      'zookeeper.connect': `${proxy.address}${chroot}`,
      'broker.id': '1',
      'zookeeper.session.timeout.ms': String(sessionTimeoutMs),
    });
    expect(b.broker.cluster!.isController).toBe(true);

    proxy.cut();
    const start = Date.now();
    const stopping = b.stop().then(() => 'stopped' as const);
    try {
      const outcome = await Promise.race([
        stopping,
        after(sessionTimeoutMs + 15_000, 'still stopping' as const),
      ]);
      expect(outcome).toBe('stopped');
      expect(Date.now() - start).toBeLessThan(sessionTimeoutMs + 5_000);
    } finally {
      // Let a stop that hangs on ZooKeeper finish, so nothing outlives the test.
      proxy.heal();
      await stopping;
    }
    // Its session ends at ZooKeeper (it expires: the close could not be sent), and with it
    // /controller and the registration.
    await waitFor(
      async () =>
        !(await observer.exists(`${chroot}/controller`)) &&
        !(await observer.exists(`${chroot}/brokers/ids/1`)),
      { timeoutMs: 30_000, intervalMs: 100, what: "the stopped broker's session to end" },
    );
  });
});

describe('a cluster broker whose start fails after joining ZooKeeper', () => {
  it('closes its ZooKeeper session', async () => {
    const chroot = '/start-fails-session';
    const running = await broker({ 'zookeeper.connect': `${zookeeper.connect}${chroot}`, 'broker.id': '1' });
    const proxy = await startZooKeeperFaultProxy(zookeeper.port);
    cleanup.push(() => proxy.close());
    // The same broker again, on the same (locked) data directory: it joins, then cannot open its logs.
    await expect(
      startBroker({
        'zookeeper.connect': `${proxy.address}${chroot}`,
        'broker.id': '1',
        'log.dirs': running.dataDir,
        // Long: a session left open would hold its connection for the whole test.
        'zookeeper.session.timeout.ms': '30000',
      }),
    ).rejects.toThrow(/in use by another process/);
    await waitFor(() => proxy.connections === 0, {
      timeoutMs: 10_000,
      what: "the failed broker's ZooKeeper connection to close",
    });
    // The running broker keeps its registration.
    const node = await observer.get(`${chroot}/brokers/ids/1`);
    expect(node!.ephemeralOwner).toBe(running.broker.cluster!.zk.sessionId);
  });

  it('exits (server/main.ts), saying why', async () => {
    const chroot = '/start-fails-process';
    const running = await broker({ 'zookeeper.connect': `${zookeeper.connect}${chroot}`, 'broker.id': '1' });
    const args = ['--import', 'tsx', 'server/main.ts'];
    for (const o of [
      'listeners=PLAINTEXT://127.0.0.1:0',
      `log.dirs=${running.dataDir}`,
      `zookeeper.connect=${zookeeper.connect}${chroot}`,
      'broker.id=1',
    ]) {
      args.push('--override', o);
    }
    const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let stderr = '';
      child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.stdout!.resume();
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      const outcome = await Promise.race([exited, after(40_000, 'still running' as const)]);
      expect(outcome, stderr).toBe(1);
      expect(stderr).toMatch(/^kiln: .*in use by another process/m);
      const node = await observer.get(`${chroot}/brokers/ids/1`);
      expect(node!.ephemeralOwner).toBe(running.broker.cluster!.zk.sessionId);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});
