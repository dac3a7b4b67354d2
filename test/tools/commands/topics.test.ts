// `kiln topics` against a real broker, with kafka-topics' flags and output.
import { describe, expect, it } from 'vitest';
import { kiln } from '../run-command.js';
import { useCommandBroker } from './command-broker.js';

const cmd = useCommandBroker();

describe('kiln topics', () => {
  it('creates, lists, describes, alters and deletes a topic', async () => {
    const created = await kiln(
      'topics',
      ...cmd.bs,
      '--create',
      '--topic',
      'orders',
      '--partitions',
      '3',
      '--config',
      'retention.ms=60000',
    );
    expect(created).toMatchObject({ code: 0, stdout: 'Created topic orders.\n' });

    const list = await kiln('topics', ...cmd.bs, '--list', '--json');
    expect(JSON.parse(list.stdout)).toContain('orders');

    const described = await kiln('topics', ...cmd.bs, '--describe', '--topic', 'orders');
    expect(described.code).toBe(0);
    expect(described.stdout).toContain('PartitionCount: 3');
    expect(described.stdout).toContain('Configs: retention.ms=60000');
    expect(described.stdout).toMatch(
      /^Topic: orders\tTopicId: \S+\tPartitionCount: 3\tReplicationFactor: 1\tConfigs: retention\.ms=60000$/m,
    );
    expect(described.stdout).toContain('\tTopic: orders\tPartition: 2\tLeader: 0\tReplicas: 0\tIsr: 0\n');

    const altered = await kiln(
      'topics',
      ...cmd.bs,
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
      (await kiln('topics', ...cmd.bs, '--describe', '--topic', 'orders', '--json')).stdout,
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

    expect((await kiln('topics', ...cmd.bs, '--delete', '--topic', 'orders')).code).toBe(0);
    expect(JSON.parse((await kiln('topics', ...cmd.bs, '--list', '--json')).stdout)).not.toContain('orders');
  });

  it('names the Kafka error and exits 1 when the broker refuses', async () => {
    await kiln('topics', ...cmd.bs, '--create', '--topic', 'twice');
    const again = await kiln('topics', ...cmd.bs, '--create', '--topic', 'twice');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('TOPIC_ALREADY_EXISTS');
    const missing = await kiln('topics', ...cmd.bs, '--describe', '--topic', 'no-such-topic');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('UNKNOWN_TOPIC_OR_PARTITION');
  });

  it('--if-not-exists and --if-exists make a repeated create and a missing topic quiet (exit 0)', async () => {
    expect((await kiln('topics', ...cmd.bs, '--create', '--topic', 'idem', '--if-not-exists')).code).toBe(0);
    expect(await kiln('topics', ...cmd.bs, '--create', '--topic', 'idem', '--if-not-exists')).toMatchObject({
      code: 0,
      stdout: '',
    });
    for (const action of [['--describe'], ['--delete'], ['--alter', '--partitions', '4']]) {
      const quiet = await kiln('topics', ...cmd.bs, ...action, '--topic', 'never-made', '--if-exists');
      expect(quiet, action.join(' ')).toMatchObject({ code: 0, stdout: '' });
      const loud = await kiln('topics', ...cmd.bs, ...action, '--topic', 'never-made');
      expect(loud.code, action.join(' ')).toBe(1);
      expect(loud.stderr).toContain("Topic 'never-made' does not exist as expected");
    }
  });

  it('--topic is a regular expression for list, describe, alter and delete, as in Kafka', async () => {
    for (const name of ['metrics.cpu', 'metrics.disk', 'other'])
      await kiln('topics', ...cmd.bs, '--create', '--topic', name);
    expect(
      JSON.parse((await kiln('topics', ...cmd.bs, '--list', '--topic', 'metrics\\..*', '--json')).stdout),
    ).toEqual(['metrics.cpu', 'metrics.disk']);
    const described = (await kiln('topics', ...cmd.bs, '--describe', '--topic', 'metrics.*')).stdout;
    expect(described).toContain('Topic: metrics.cpu\t');
    expect(described).toContain('Topic: metrics.disk\t');
    expect(described).not.toContain('Topic: other');
    expect(
      (await kiln('topics', ...cmd.bs, '--alter', '--topic', 'metrics.*', '--config', 'retention.ms=5000'))
        .code,
    ).toBe(0);
    const overrides = (await kiln('topics', ...cmd.bs, '--describe', '--topics-with-overrides')).stdout;
    expect(overrides).toMatch(/^Topic: metrics\.cpu\t.*Configs: retention\.ms=5000$/m);
    expect(overrides).not.toContain('Topic: other');
    expect(overrides).not.toContain('Partition: ');
    await kiln('topics', ...cmd.bs, '--alter', '--topic', 'metrics.cpu', '--delete-config', 'retention.ms');
    expect((await kiln('topics', ...cmd.bs, '--describe', '--topic', 'metrics.cpu')).stdout).toMatch(
      /Configs: $/m,
    );
    expect((await kiln('topics', ...cmd.bs, '--delete', '--topic', 'metrics\\..*')).stdout).toBe(
      'Deleted topic metrics.cpu.\nDeleted topic metrics.disk.\n',
    );
    expect(JSON.parse((await kiln('topics', ...cmd.bs, '--list', '--json')).stdout)).toContain('other');
  });

  it('--exclude-internal leaves __consumer_offsets out', async () => {
    await kiln('topics', ...cmd.bs, '--create', '--topic', 'visible');
    await kiln('consume', ...cmd.bs, '--topic', 'visible', '--group', 'g-internal', '--timeout-ms', '200');
    expect(JSON.parse((await kiln('topics', ...cmd.bs, '--list', '--json')).stdout)).toContain(
      '__consumer_offsets',
    );
    expect(
      JSON.parse((await kiln('topics', ...cmd.bs, '--list', '--exclude-internal', '--json')).stdout),
    ).not.toContain('__consumer_offsets');
  });

  it('--replica-assignment creates one partition per list, on the brokers named', async () => {
    expect(
      (await kiln('topics', ...cmd.bs, '--create', '--topic', 'placed', '--replica-assignment', '0,0,0'))
        .code,
    ).toBe(0);
    const json = JSON.parse(
      (await kiln('topics', ...cmd.bs, '--describe', '--topic', 'placed', '--json')).stdout,
    ) as {
      partitionCount: number;
    }[];
    expect(json[0]!.partitionCount).toBe(3);
    const elsewhere = await kiln(
      'topics',
      ...cmd.bs,
      '--create',
      '--topic',
      'nowhere',
      '--replica-assignment',
      '7',
    );
    expect(elsewhere.code).toBe(1);
    expect(elsewhere.stderr).toContain('INVALID_REPLICA_ASSIGNMENT');
  });

  it('rejects bad usage with exit 2', async () => {
    expect((await kiln('topics', ...cmd.bs, '--list', '--if-not-exists')).code).toBe(2);
    expect((await kiln('topics', ...cmd.bs, '--describe', '--topic', '(unclosed')).code).toBe(2);
    expect(
      (await kiln('topics', ...cmd.bs, '--create', '--topic', 't', '--replica-assignment', 'a:b')).code,
    ).toBe(2);
    expect((await kiln('topics', ...cmd.bs)).code).toBe(2);
    expect((await kiln('topics', '--list')).code).toBe(2);
    expect((await kiln('topics', ...cmd.bs, '--create')).code).toBe(2);
  });
});
