// `kiln topics` and `kiln configs` against a real broker.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type RunningBroker } from '../helpers/broker-fixture.js';
import { kiln } from './run-command.js';

let broker: RunningBroker;
let bs: string[];

beforeAll(async () => {
  broker = await startBroker();
  bs = ['--bootstrap-server', broker.bootstrap];
});
afterAll(async () => {
  await broker.stop();
});

describe('kiln topics', () => {
  it('creates, lists, describes, alters and deletes a topic', async () => {
    const created = await kiln(
      'topics',
      ...bs,
      '--create',
      '--topic',
      'orders',
      '--partitions',
      '3',
      '--config',
      'retention.ms=60000',
    );
    expect(created).toMatchObject({ code: 0, stdout: 'Created topic orders.\n' });

    const list = await kiln('topics', ...bs, '--list', '--json');
    expect(JSON.parse(list.stdout)).toContain('orders');

    const described = await kiln('topics', ...bs, '--describe', '--topic', 'orders');
    expect(described.code).toBe(0);
    expect(described.stdout).toContain('PartitionCount: 3');
    expect(described.stdout).toContain('Configs: retention.ms=60000');
    expect(described.stdout).toMatch(/Partition\s+Leader\s+Replicas\s+Isr/);

    const altered = await kiln(
      'topics',
      ...bs,
      '--alter',
      '--topic',
      'orders',
      '--partitions',
      '5',
      '--config',
      'cleanup.policy=compact',
    );
    expect(altered.code).toBe(0);
    const json = JSON.parse(
      (await kiln('topics', ...bs, '--describe', '--topic', 'orders', '--json')).stdout,
    ) as {
      partitionCount: number;
      configs: Record<string, string>;
      partitions: { partition: number; leader: number; replicas: number[]; isr: number[] }[];
    }[];
    expect(json[0]).toMatchObject({
      partitionCount: 5,
      configs: { 'retention.ms': '60000', 'cleanup.policy': 'compact' },
    });
    expect(json[0]!.partitions.map((p) => p.partition)).toEqual([0, 1, 2, 3, 4]);
    expect(json[0]!.partitions[0]!.replicas).toEqual([json[0]!.partitions[0]!.leader]);

    expect((await kiln('topics', ...bs, '--delete', '--topic', 'orders')).code).toBe(0);
    expect(JSON.parse((await kiln('topics', ...bs, '--list', '--json')).stdout)).not.toContain('orders');
  });

  it('names the Kafka error and exits 1 when the broker refuses', async () => {
    await kiln('topics', ...bs, '--create', '--topic', 'twice');
    const again = await kiln('topics', ...bs, '--create', '--topic', 'twice');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('TOPIC_ALREADY_EXISTS');
    const missing = await kiln('topics', ...bs, '--describe', '--topic', 'no-such-topic');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('UNKNOWN_TOPIC_OR_PARTITION');
  });

  it('rejects bad usage with exit 2', async () => {
    expect((await kiln('topics', ...bs)).code).toBe(2);
    expect((await kiln('topics', '--list')).code).toBe(2);
    expect((await kiln('topics', ...bs, '--create')).code).toBe(2);
  });
});

describe('kiln configs', () => {
  it('describes and alters topic configs with IncrementalAlterConfigs', async () => {
    await kiln('topics', ...bs, '--create', '--topic', 'conf', '--config', 'retention.ms=1000');
    const entity = ['--entity-type', 'topics', '--entity-name', 'conf'];
    const before = await kiln('configs', ...bs, '--describe', ...entity);
    expect(before.stdout).toMatch(/retention\.ms\s+1000\s+DYNAMIC_TOPIC_CONFIG/);

    const altered = await kiln(
      'configs',
      ...bs,
      '--alter',
      ...entity,
      '--add-config',
      'segment.ms=100000,retention.bytes=5000',
      '--delete-config',
      'retention.ms',
    );
    expect(altered.code).toBe(0);
    const after = JSON.parse((await kiln('configs', ...bs, '--describe', ...entity, '--json')).stdout) as {
      name: string;
      value: string;
    }[];
    expect(Object.fromEntries(after.map((c) => [c.name, c.value]))).toEqual({
      'segment.ms': '100000',
      'retention.bytes': '5000',
    });

    const all = JSON.parse(
      (await kiln('configs', ...bs, '--describe', ...entity, '--all', '--json')).stdout,
    ) as {
      name: string;
      source: string;
    }[];
    expect(all.find((c) => c.name === 'retention.ms')?.source).toBe('DEFAULT_CONFIG');
  });

  it('describes broker configs and reports a bad value by its Kafka error', async () => {
    const brokerConfigs = await kiln(
      'configs',
      ...bs,
      '--describe',
      '--entity-type',
      'brokers',
      '--entity-name',
      '0',
      '--all',
      '--json',
    );
    expect(brokerConfigs.code).toBe(0);
    expect((JSON.parse(brokerConfigs.stdout) as unknown[]).length).toBeGreaterThan(0);
    await kiln('topics', ...bs, '--create', '--topic', 'badconf');
    const bad = await kiln(
      'configs',
      ...bs,
      '--alter',
      '--entity-type',
      'topics',
      '--entity-name',
      'badconf',
      '--add-config',
      'retention.ms=soon',
    );
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/INVALID_CONFIG|INVALID_REQUEST/);
  });
});
