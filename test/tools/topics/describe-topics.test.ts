// `kiln topics --describe` partition reports (--under-replicated-partitions and the others) in a
// real three-broker cluster, before and after a broker stops; and the flags they refuse.
import { describe, expect, it } from 'vitest';
import { kiln, type CommandResult } from '../run-command.js';
import { waitFor } from '../../helpers/wait-for.js';
import { useThreeBrokerCluster } from '../three-broker-cluster.js';

/** Exit 0, or a failure that shows what the command printed. */
const expectOk = (r: CommandResult): void => expect(r.code, r.stdout + r.stderr).toBe(0);

const cluster = useThreeBrokerCluster();

const partitionLines = (stdout: string): string[] =>
  stdout
    .split('\n')
    .filter((l) => l.startsWith('\tTopic: '))
    .map((l) => l.replace(/\tLeader: .*/, '').replace(/^\tTopic: (\S+)\tPartition: (\d+)$/, '$1-$2'));

describe('kiln topics --describe partition reports', () => {
  it('select the partitions they name, with no topic lines, before and after a broker stops', async () => {
    const create = (topic: string, assignment: string, ...more: string[]) =>
      kiln(
        'topics',
        ...cluster.bs,
        '--create',
        '--topic',
        topic,
        '--replica-assignment',
        assignment,
        ...more,
      );
    expectOk(await create('spread', '1:2,2:3,3:1', '--config', 'min.insync.replicas=2'));
    expectOk(await create('solo', '3'));
    await cluster.waitUntil(
      'spread',
      'spread in sync',
      (ps) => ps.size === 3 && [...ps.values()].every((p) => p.isr.length === 2),
    );
    await cluster.waitUntil('solo', 'solo led', (ps) => ps.get(0)?.leader === 3);
    // The topic's min.insync.replicas reaches every broker through ZooKeeper, a moment after creation.
    await waitFor(
      async () =>
        (await kiln('topics', ...cluster.bs, '--describe', '--topic', 'spread')).stdout.includes(
          'Configs: min.insync.replicas=2',
        ),
      { timeoutMs: 20_000, intervalMs: 100, what: "spread's min.insync.replicas in DescribeConfigs" },
    );
    const report = async (flag: string) => {
      const result = await kiln('topics', ...cluster.bs, '--describe', flag);
      expect(result.code, flag).toBe(0);
      expect(result.stdout, flag).not.toMatch(/^Topic: /m);
      return partitionLines(result.stdout);
    };

    expect(await report('--under-replicated-partitions')).toEqual([]);
    expect(await report('--unavailable-partitions')).toEqual([]);
    expect(await report('--under-min-isr-partitions')).toEqual([]);
    expect(await report('--at-min-isr-partitions')).toEqual(['solo-0', 'spread-0', 'spread-1', 'spread-2']);

    await cluster.stop(3);
    await cluster.waitUntil('spread', 'broker 3 out of the ISRs', (ps) =>
      [...ps.values()].every((p) => !p.isr.includes(3)),
    );

    expect(await report('--under-replicated-partitions')).toEqual(['spread-1', 'spread-2']);
    expect(await report('--under-min-isr-partitions')).toEqual(['spread-1', 'spread-2']);
    expect(await report('--at-min-isr-partitions')).toContain('spread-0');
    expect(await report('--at-min-isr-partitions')).not.toContain('spread-1');
    const unavailable = await kiln('topics', ...cluster.bs, '--describe', '--unavailable-partitions');
    expect(unavailable.stdout).toBe('\tTopic: solo\tPartition: 0\tLeader: none\tReplicas: 3\tIsr: 3\n');

    // --topic narrows a report; --json gives the same selection.
    const json = await kiln(
      'topics',
      ...cluster.bs,
      '--describe',
      '--topic',
      'spread',
      '--under-replicated-partitions',
      '--json',
    );
    const described = JSON.parse(json.stdout) as {
      name: string;
      partitions: { partition: number; isr: number[] }[];
    }[];
    expect(described.map((t) => t.name)).toEqual(['spread']);
    expect(described[0]!.partitions.map((p) => p.partition)).toEqual([1, 2]);
    expect(described[0]!.partitions.every((p) => p.isr.length === 1)).toBe(true);
    // The plain describe still prints every partition under its topic line.
    const all = await kiln('topics', ...cluster.bs, '--describe', '--topic', 'spread');
    expect(all.stdout).toMatch(/^Topic: spread\t/m);
    expect(partitionLines(all.stdout)).toEqual(['spread-0', 'spread-1', 'spread-2']);
  }, 120_000);

  it('take one report at a time, only with --describe, not with --topics-with-overrides', async () => {
    const nowhere = ['--bootstrap-server', '127.0.0.1:1'];
    const cases: [string[], string][] = [
      [
        ['--describe', '--under-replicated-partitions', '--unavailable-partitions'],
        'give one of --under-replicated-partitions, --unavailable-partitions',
      ],
      [['--list', '--at-min-isr-partitions'], '--at-min-isr-partitions goes with --describe'],
      [
        ['--describe', '--under-min-isr-partitions', '--topics-with-overrides'],
        '--under-min-isr-partitions and --topics-with-overrides do not go together',
      ],
    ];
    for (const [args, message] of cases) {
      const result = await kiln('topics', ...nowhere, ...args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toContain(message);
    }
  });
});
