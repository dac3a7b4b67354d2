import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZkClient } from '../../../../server/cluster/zookeeper/zk-client.js';
import {
  changedEntityPath,
  ConfigContentionError,
  configChanges,
  deleteConfigChange,
  entityPath,
  parseEntityPath,
  readEntityConfig,
  updateEntityConfig,
  writeEntityConfig,
} from '../../../../server/cluster/zookeeper/zk-configs.js';
import { PERSISTENT_PATHS } from '../../../../server/cluster/zookeeper/znodes.js';
import { startZooKeeper, type RunningZooKeeper } from '../../../helpers/zookeeper.js';

let zookeeper: RunningZooKeeper;
let zk: ZkClient;

beforeAll(async () => {
  zookeeper = await startZooKeeper();
  zk = await ZkClient.connect(`${zookeeper.connect}/configs-test`, {
    sessionTimeoutMs: 10_000,
    connectionTimeoutMs: 10_000,
  });
  for (const p of PERSISTENT_PATHS) await zk.ensurePath(p);
});

afterAll(async () => {
  zk?.close();
  await zookeeper?.stop();
});

const text = async (path: string): Promise<string | undefined> => (await zk.get(path))?.data.toString();

describe('entity configs kept in ZooKeeper', () => {
  it("names entities as Kafka's entity paths", () => {
    expect(entityPath({ kind: 'topic', topic: 'orders' })).toBe('topics/orders');
    expect(entityPath({ kind: 'broker', id: 2 })).toBe('brokers/2');
    expect(entityPath({ kind: 'broker', id: 'default' })).toBe('brokers/<default>');
    expect(parseEntityPath('topics/orders')).toEqual({ kind: 'topic', topic: 'orders' });
    expect(parseEntityPath('brokers/<default>')).toEqual({ kind: 'broker', id: 'default' });
    expect(parseEntityPath('brokers/12')).toEqual({ kind: 'broker', id: 12 });
    for (const other of ['clients/app', 'users/alice', 'brokers/x', 'topics/', 'topics', 'users/a/clients/b'])
      expect(parseEntityPath(other)).toBeUndefined();
  });

  it('writes the config and a v2 notification together, creating the node or replacing the version read', async () => {
    const entity = { kind: 'topic' as const, topic: 'orders' };
    expect(await readEntityConfig(zk, entity)).toEqual({ config: {}, version: -1 });
    await writeEntityConfig(zk, entity, { 'retention.ms': '1000' }, -1);
    expect(await text('/config/topics/orders')).toBe('{"version":1,"config":{"retention.ms":"1000"}}');
    const first = await readEntityConfig(zk, entity);
    expect(first).toEqual({ config: { 'retention.ms': '1000' }, version: 0 });
    await writeEntityConfig(zk, entity, { 'retention.ms': '2000' }, first.version);
    // A write naming a version that is no longer the node's changes nothing, notification included.
    const before = await configChanges(zk);
    await expect(writeEntityConfig(zk, entity, { 'retention.ms': '3' }, first.version)).rejects.toMatchObject(
      {
        code: 'BAD_VERSION',
      },
    );
    await expect(writeEntityConfig(zk, entity, {}, -1)).rejects.toMatchObject({ code: 'NODE_EXISTS' });
    expect(await configChanges(zk)).toEqual(before);
    expect((await readEntityConfig(zk, entity)).config).toEqual({ 'retention.ms': '2000' });

    expect(before.map((c) => c.name)).toEqual(['config_change_0000000000', 'config_change_0000000001']);
    expect(before.map((c) => c.sequence)).toEqual([0, 1]);
    expect(await text('/config/changes/config_change_0000000001')).toBe(
      '{"version":2,"entity_path":"topics/orders"}',
    );
    expect(await changedEntityPath(zk, 'config_change_0000000001')).toBe('topics/orders');
    await deleteConfigChange(zk, 'config_change_0000000000');
    await deleteConfigChange(zk, 'config_change_0000000000');
    expect(await changedEntityPath(zk, 'config_change_0000000000')).toBeNull();
    expect((await configChanges(zk)).map((c) => c.sequence)).toEqual([1]);
  });

  it("reads Kafka's v1 notifications too", async () => {
    await zk.create(
      '/config/changes/config_change_',
      Buffer.from('{"version":1,"entity_type":"topics","entity_name":"old"}'),
      'persistent_sequential',
    );
    const last = (await configChanges(zk)).at(-1)!;
    expect(await changedEntityPath(zk, last.name)).toBe('topics/old');
  });

  it('a read-modify-write decides again on what another writer wrote meanwhile', async () => {
    const entity = { kind: 'broker' as const, id: 'default' as const };
    const path = '/config/brokers/<default>';
    await writeEntityConfig(zk, entity, { 'log.retention.ms': '1000' }, -1);
    const seen: Record<string, string>[] = [];
    const wrote = await updateEntityConfig(zk, entity, (current) => {
      seen.push({ ...current });
      // The first time, another write goes out before ours (one session: ZooKeeper keeps the order).
      if (seen.length === 1)
        void zk.set(path, Buffer.from('{"version":1,"config":{"log.retention.ms":"5"}}'), -1);
      return { ...current, 'log.segment.bytes': '1048576' };
    });
    expect(wrote).toBe(true);
    expect(seen).toEqual([{ 'log.retention.ms': '1000' }, { 'log.retention.ms': '5' }]);
    expect(await text(path)).toBe(
      '{"version":1,"config":{"log.retention.ms":"5","log.segment.bytes":"1048576"}}',
    );
    expect(await updateEntityConfig(zk, entity, () => null)).toBe(false);
  });

  it('gives up after a few attempts when it never wins', async () => {
    const entity = { kind: 'broker' as const, id: 7 };
    await writeEntityConfig(zk, entity, {}, -1);
    let attempts = 0;
    const outcome = updateEntityConfig(
      zk,
      entity,
      () => {
        attempts++;
        void zk.set('/config/brokers/7', Buffer.from('{"version":1,"config":{}}'), -1);
        return { 'log.retention.ms': '1' };
      },
      3,
    );
    await expect(outcome).rejects.toBeInstanceOf(ConfigContentionError);
    expect(attempts).toBe(3);
  });
});
