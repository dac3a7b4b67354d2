import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZkClient } from '../../../../server/cluster/zookeeper/zk-client.js';
import { brokerZnode, clusterIdZnode, controllerZnode } from '../../../../server/cluster/zookeeper/znodes.js';
import { startBroker, type RunningBroker } from '../../../helpers/broker-fixture.js';
import { makeTempDir, removeTempDir } from '../../../helpers/temp-dir.js';
import { waitFor } from '../../../helpers/wait-for.js';
import { freePort, startZooKeeper, type RunningZooKeeper } from '../../../helpers/zookeeper.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
let zookeeper: RunningZooKeeper;
let observer: ZkClient;
let chroots = 0;

/** A zookeeper.connect of its own for one test (a fresh chroot: a cluster of its own). */
const cluster = (): { connect: string; chroot: string } => {
  const chroot = `/cluster-${++chroots}`;
  return { connect: `${zookeeper.connect}${chroot}`, chroot };
};

const started: RunningBroker[] = [];
async function broker(
  connect: string,
  id: number,
  more: Record<string, string> = {},
): Promise<RunningBroker> {
  const b = await startBroker({ 'zookeeper.connect': connect, 'broker.id': String(id), ...more });
  started.push(b);
  return b;
}

beforeAll(async () => {
  zookeeper = await startZooKeeper();
  observer = await ZkClient.connect(zookeeper.connect, {
    sessionTimeoutMs: 10_000,
    connectionTimeoutMs: 10_000,
  });
});

afterAll(async () => {
  for (const b of started) await b.stop().catch(() => {});
  observer?.close();
  await zookeeper?.stop();
});

describe('a broker with zookeeper.connect joins the cluster kept in ZooKeeper', () => {
  it("registers itself in Kafka's layout, shares the cluster id, and the first broker is the controller", async () => {
    const { connect, chroot } = cluster();
    const one = await broker(connect, 1, { 'broker.rack': 'r1' });
    const registration = await observer.get(`${chroot}/brokers/ids/1`);
    expect(registration!.ephemeralOwner).toBeDefined();
    expect(brokerZnode.decode(1, registration!.data)).toMatchObject({
      endpoints: [
        { listener: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: '127.0.0.1', port: one.broker.port },
      ],
      rack: 'r1',
    });
    for (const p of [
      '/brokers/topics',
      '/config/topics',
      '/config/changes',
      '/admin/delete_topics',
      '/isr_change_notification',
    ]) {
      expect(await observer.exists(`${chroot}${p}`), p).toBe(true);
    }
    const clusterId = clusterIdZnode.decode((await observer.get(`${chroot}/cluster/id`))!.data);
    expect(fs.readFileSync(path.join(one.dataDir, 'meta.properties'), 'utf8')).toContain(
      `cluster.id=${clusterId}`,
    );
    expect(controllerZnode.decode((await observer.get(`${chroot}/controller`))!.data).brokerId).toBe(1);

    const two = await broker(connect, 2);
    expect(fs.readFileSync(path.join(two.dataDir, 'meta.properties'), 'utf8')).toContain(
      `cluster.id=${clusterId}`,
    );
    expect((await observer.children(`${chroot}/brokers/ids`))!.sort()).toEqual(['1', '2']);
    await waitFor(() => one.broker.cluster!.liveBrokers().size === 2, { what: 'broker 1 to see broker 2' });
    expect(two.broker.cluster!.controllerId).toBe(1);

    // A clean stop leaves at once: the registration goes and broker 2 becomes the controller.
    await one.stop();
    started.splice(started.indexOf(one), 1);
    expect(await observer.exists(`${chroot}/brokers/ids/1`)).toBe(false);
    await waitFor(() => two.broker.cluster!.isController, { what: 'broker 2 to take over' });
    await waitFor(() => two.broker.cluster!.liveBrokers().size === 1, {
      what: 'broker 2 to see broker 1 gone',
    });
  });

  it('refuses to start with a broker id another live broker holds, and leaves no data behind', async () => {
    const { connect, chroot } = cluster();
    const first = await broker(connect, 7);
    const dataDir = path.join(makeTempDir('kiln-dup-'), 'data');
    try {
      await expect(
        startBroker({ 'zookeeper.connect': connect, 'broker.id': '7', 'log.dirs': dataDir }),
      ).rejects.toThrow(
        /broker\.id 7 is already registered in ZooKeeper \(PLAINTEXT:\/\/127\.0\.0\.1:\d+\) by another broker; give each broker its own broker\.id/,
      );
      expect(fs.existsSync(dataDir)).toBe(false);
      // The first broker keeps its registration.
      const node = await observer.get(`${chroot}/brokers/ids/7`);
      expect(brokerZnode.decode(7, node!.data).endpoints[0]!.port).toBe(first.broker.port);
    } finally {
      removeTempDir(path.dirname(dataDir));
    }
  });

  it("a broker restarted before its crashed run's session ended is told to wait for it (not to change its id)", async () => {
    const { connect, chroot } = cluster();
    const port = await freePort();
    // What a crashed run leaves: its registration, held by a session that has not expired yet.
    const stale = await ZkClient.connect(connect, { sessionTimeoutMs: 10_000, connectionTimeoutMs: 10_000 });
    try {
      await stale.ensurePath('/brokers/ids');
      const endpoint = { listener: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: '127.0.0.1', port };
      await stale.create(
        '/brokers/ids/5',
        brokerZnode.encode({ id: 5, endpoints: [endpoint], rack: null, timestamp: 1 }),
        'ephemeral',
      );
      await expect(
        startBroker({
          'zookeeper.connect': connect,
          'broker.id': '5',
          listeners: `PLAINTEXT://127.0.0.1:${port}`,
        }),
      ).rejects.toThrow(
        /most likely by this broker before it stopped uncleanly; .*zookeeper\.session\.timeout\.ms/,
      );
      expect(await observer.exists(`${chroot}/brokers/ids/5`)).toBe(true);
    } finally {
      stale.close();
    }
  });

  it("refuses data that belongs to another cluster, and a cluster.id that is not the cluster's", async () => {
    const a = cluster();
    const b = cluster();
    const dataDir = makeTempDir('kiln-other-cluster-');
    const one = await broker(a.connect, 1, { 'log.dirs': dataDir });
    await one.stop();
    started.splice(started.indexOf(one), 1);
    // Cluster b has its own id already (its first broker made it).
    await broker(b.connect, 2);
    await expect(
      startBroker({ 'zookeeper.connect': b.connect, 'broker.id': '1', 'log.dirs': dataDir }),
    ).rejects.toThrow(
      /belongs to cluster .*, not .*: the data belongs to another cluster than the one at zookeeper\.connect=/,
    );
    expect(await observer.exists(`${b.chroot}/brokers/ids/1`)).toBe(false);
    await expect(
      startBroker({ 'zookeeper.connect': b.connect, 'broker.id': '3', 'cluster.id': 'not-this-one' }),
    ).rejects.toThrow(/cluster\.id not-this-one is not the id of the cluster at zookeeper\.connect=.*\(/);
    removeTempDir(dataDir);
  });

  it('a broker that already has data brings its cluster id to a new ZooKeeper', async () => {
    const dataDir = makeTempDir('kiln-was-single-');
    try {
      const single = await startBroker({ 'log.dirs': dataDir });
      await single.stop();
      const id = /cluster\.id=(.+)/.exec(fs.readFileSync(path.join(dataDir, 'meta.properties'), 'utf8'))![1]!;
      const { connect, chroot } = cluster();
      const joined = await broker(connect, 0, { 'log.dirs': dataDir });
      expect(clusterIdZnode.decode((await observer.get(`${chroot}/cluster/id`))!.data)).toBe(id);
      await joined.stop();
      started.splice(started.indexOf(joined), 1);
    } finally {
      removeTempDir(dataDir);
    }
  });

  it('exits non-zero with a clear message when ZooKeeper cannot be reached in zookeeper.connection.timeout.ms', async () => {
    const port = await freePort();
    const dataDir = makeTempDir('kiln-nozk-');
    const args = ['--import', 'tsx', 'server/main.ts'];
    for (const o of [
      'listeners=PLAINTEXT://127.0.0.1:0',
      `log.dirs=${dataDir}/data`,
      `zookeeper.connect=127.0.0.1:${port}`,
      'zookeeper.connection.timeout.ms=800',
    ]) {
      args.push('--override', o);
    }
    try {
      const result = await promisify(execFile)(process.execPath, args, { cwd: root, timeout: 30_000 }).then(
        () => ({ code: 0, stderr: '' }),
        (err: { code: number; stderr: string }) => err,
      );
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(
        `kiln: could not connect to ZooKeeper at 127.0.0.1:${port} (zookeeper.connect) within 800 ms (zookeeper.connection.timeout.ms)`,
      );
      expect(fs.existsSync(`${dataDir}/data`)).toBe(false);
    } finally {
      removeTempDir(dataDir);
    }
  });
});
