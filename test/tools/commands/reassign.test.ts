// `kiln reassign` (kafka-reassign-partitions): its arguments and input files (no broker needed),
// then the whole cycle in a real three-broker cluster: a proposal, a move from brokers [1,2] to
// [2,3] followed until completed, a throttled move listed, verified in progress and cancelled,
// and plans that do not fit the cluster.
import { describe, expect, it } from 'vitest';
import { kiln, type CommandResult } from '../run-command.js';
import { useThreeBrokerCluster } from '../three-broker-cluster.js';

/** Exit 0, or a failure that shows what the command printed. */
const expectOk = (r: CommandResult): void => expect(r.code, r.stdout + r.stderr).toBe(0);

// Small replica fetches, so a throttled move cannot copy a whole partition in one go.
const cluster = useThreeBrokerCluster({ 'replica.fetch.max.bytes': '65536' });
const nowhere = ['--bootstrap-server', '127.0.0.1:1'];
const planJson = (partitions: object[]) => JSON.stringify({ version: 1, partitions });
/** stderr without the warnings Node prints for the in-process brokers (their ZooKeeper watchers). */
const ownLines = (stderr: string): string =>
  stderr
    .split('\n')
    .filter((line) => !line.startsWith('(node:') && !line.startsWith('(Use `node --trace-warnings'))
    .join('\n');

describe('kiln reassign arguments', () => {
  it('bad usage exits 2 with a message', async () => {
    const plan = cluster.file('args-plan.json', planJson([{ topic: 't', partition: 0, replicas: [1] }]));
    const cases: [string[], string][] = [
      [[], 'give exactly one action: --generate, --execute, --verify, --cancel, --list'],
      [['--list', '--verify'], 'give exactly one action'],
      [
        ['--verify', '--reassignment-json-file', plan, '--throttle', '10'],
        '--throttle does not go with --verify',
      ],
      [['--list', '--broker-list', '1'], '--broker-list does not go with --list'],
      [['--generate', '--topics-to-move-json-file', plan], '--generate needs --broker-list'],
      [['--execute'], '--execute needs --reassignment-json-file'],
      [
        ['--generate', '--topics-to-move-json-file', plan, '--broker-list', '1,x'],
        "--broker-list takes broker ids separated by commas, got 'x'",
      ],
      [
        ['--generate', '--topics-to-move-json-file', plan, '--broker-list', '1,2,1'],
        '--broker-list names broker 1 twice',
      ],
      [
        ['--execute', '--reassignment-json-file', plan, '--throttle', '0'],
        '--throttle must be a whole number from 1',
      ],
      [
        ['--execute', '--reassignment-json-file', plan, '--timeout', 'soon'],
        '--timeout must be a whole number from 0',
      ],
      [['--verify', '--reassignment-json-file', plan, '--timeout', '5'], '--timeout goes with --wait'],
    ];
    for (const [args, message] of cases) {
      const result = await kiln('reassign', ...nowhere, ...args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toContain(message);
    }
    const noBroker = await kiln('reassign', '--list');
    expect(noBroker.code).toBe(2);
    expect(noBroker.stderr).toContain('--bootstrap-server host:port is required');
  });

  it('a bad file exits 1 with what is wrong in it, before any broker is asked', async () => {
    const cases: [string, string][] = [
      ['{"version":1,"partitions":[', 'not valid JSON'],
      [planJson([]), 'the "partitions" list is empty'],
      [
        planJson([{ topic: 't', partition: 0, replicas: [1, 1] }]),
        'broker 1 appears more than once in replicas [1,1]',
      ],
      [planJson([{ topic: 't', partition: 0, replicas: [] }]), 'the replica list is empty'],
      [
        planJson([{ topic: 't', partition: 0, replicas: [1, 2], log_dirs: ['any'] }]),
        '1 log_dirs for 2 replicas',
      ],
    ];
    for (const [text, message] of cases) {
      const file = cluster.file('bad-plan.json', text);
      for (const action of ['--execute', '--verify', '--cancel']) {
        const result = await kiln('reassign', ...nowhere, action, '--reassignment-json-file', file);
        expect(result.code, `${action} ${text}`).toBe(1);
        expect(result.stderr, `${action} ${text}`).toContain(message);
      }
    }
    const missing = await kiln(
      'reassign',
      ...nowhere,
      '--execute',
      '--reassignment-json-file',
      '/nonexistent/plan.json',
    );
    expect(missing).toMatchObject({
      code: 1,
      stderr: 'kiln reassign: cannot read reassignment plan /nonexistent/plan.json (ENOENT)\n',
    });
    const topics = cluster.file('bad-topics.json', '{"version":1,"topics":[]}');
    const generate = await kiln(
      'reassign',
      ...nowhere,
      '--generate',
      '--topics-to-move-json-file',
      topics,
      '--broker-list',
      '1',
    );
    expect(generate.code).toBe(1);
    expect(generate.stderr).toContain('the "topics" list is empty');
  });
});

describe('kiln reassign in a cluster', () => {
  it('proposes a placement on the listed brokers, then moves a topic from [1,2] to [2,3] until completed', async () => {
    expectOk(
      await kiln('topics', ...cluster.bs, '--create', '--topic', 'moving', '--replica-assignment', '1:2,2:1'),
    );
    await cluster.waitUntil(
      'moving',
      'moving in sync',
      (ps) => ps.size === 2 && [...ps.values()].every((p) => p.isr.length === 2),
    );
    const lines = Array.from({ length: 200 }, (_, i) => `record-${i}`);
    expectOk(
      await kiln(
        'produce',
        ...cluster.bs,
        '--topic',
        'moving',
        '--file',
        cluster.file('moving.txt', lines.join('\n') + '\n'),
      ),
    );

    const topicsFile = cluster.file(
      'move-topics.json',
      JSON.stringify({ version: 1, topics: [{ topic: 'moving' }] }),
    );
    const generated = await kiln(
      'reassign',
      ...cluster.bs,
      '--generate',
      '--topics-to-move-json-file',
      topicsFile,
      '--broker-list',
      '2,3',
    );
    expect(generated.code, generated.stdout + generated.stderr).toBe(0);
    const [head, current, , proposedHead, proposedJson] = generated.stdout.split('\n');
    expect(head).toBe('Current partition replica assignment');
    expect(JSON.parse(current!)).toEqual({
      version: 1,
      partitions: [
        { topic: 'moving', partition: 0, replicas: [1, 2], log_dirs: ['any', 'any'] },
        { topic: 'moving', partition: 1, replicas: [2, 1], log_dirs: ['any', 'any'] },
      ],
    });
    expect(proposedHead).toBe('Proposed partition reassignment configuration');
    const proposed = JSON.parse(proposedJson!) as { partitions: { replicas: number[] }[] };
    expect(proposed.partitions.map((p) => [...p.replicas].sort().join())).toEqual(['2,3', '2,3']);
    // Each of the two brokers is the preferred leader of one partition.
    expect(proposed.partitions.map((p) => p.replicas[0]).sort()).toEqual([2, 3]);

    const planFile = cluster.file('move-plan.json', proposedJson!);
    // A throttle high enough not to slow the test: --verify removes it at the end.
    const executed = await kiln(
      'reassign',
      ...cluster.bs,
      '--execute',
      '--reassignment-json-file',
      planFile,
      '--throttle',
      '100000000',
    );
    expect(ownLines(executed.stderr)).toBe('');
    expect(executed.code, executed.stdout + executed.stderr).toBe(0);
    expect(executed.stdout).toContain(
      `Current partition replica assignment\n\n${current}\n\nSave this to use as the --reassignment-json-file option during rollback\n`,
    );
    expect(executed.stdout).toContain('Successfully started partition reassignments for moving-0,moving-1\n');

    const verified = await kiln(
      'reassign',
      ...cluster.bs,
      '--verify',
      '--reassignment-json-file',
      planFile,
      '--wait',
      '--timeout',
      '60000',
    );
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
    expect(verified.stdout).toContain(
      'Reassignment of partition moving-0 is completed.\nReassignment of partition moving-1 is completed.\n' +
        'Removed the replication throttle rates from brokers 1,2,3.\n' +
        'Removed the throttled replica lists from topic moving.\n',
    );
    const now = await cluster.partitions('moving');
    for (const p of proposed.partitions.keys()) {
      expect(now.get(p)!.replicas).toEqual(proposed.partitions[p]!.replicas);
      expect(now.get(p)!.isr).toEqual([2, 3]);
    }
    // Every record is still there, on the new replicas (the new leaders' high watermarks).
    expect((await cluster.highWatermark('moving', 0)) + (await cluster.highWatermark('moving', 1))).toBe(
      lines.length,
    );
    expect((await kiln('reassign', ...cluster.bs, '--list')).stdout).toBe(
      'No partition reassignments found.\n',
    );
  }, 150_000);

  it('a throttled move is listed, verified in progress, blocks another --execute, and is cancelled', async () => {
    expectOk(
      await kiln('topics', ...cluster.bs, '--create', '--topic', 'slow', '--replica-assignment', '1:2'),
    );
    await cluster.waitUntil('slow', 'slow in sync', (ps) => ps.get(0)?.isr.length === 2);
    const big = Array.from({ length: 400 }, (_, i) => `${i}`.padEnd(1000, 'x'));
    expectOk(
      await kiln(
        'produce',
        ...cluster.bs,
        '--topic',
        'slow',
        '--file',
        cluster.file('slow.txt', big.join('\n') + '\n'),
      ),
    );

    const planFile = cluster.file(
      'slow-plan.json',
      planJson([{ topic: 'slow', partition: 0, replicas: [2, 3] }]),
    );
    const executed = await kiln(
      'reassign',
      ...cluster.bs,
      '--execute',
      '--reassignment-json-file',
      planFile,
      '--throttle',
      '1024',
    );
    expect(ownLines(executed.stderr)).toBe('');
    expect(executed.code, executed.stdout + executed.stderr).toBe(0);
    expect(executed.stdout).toContain('The replication throttle was set to 1024 B/s on brokers 1,2,3.\n');
    expect(executed.stdout).toContain('Throttled replicas of topic slow: leader 0:1,0:2; follower 0:3.\n');
    const topicConfigs = await kiln('configs', ...cluster.bs, '--describe', '--topic', 'slow');
    expect(topicConfigs.stdout).toContain('follower.replication.throttled.replicas=0:3');

    const listed = await kiln('reassign', ...cluster.bs, '--list');
    expect(listed.stdout).toBe(
      'Current partition reassignments:\nslow-0: replicas: 2,3,1. adding: 3. removing: 1.\n',
    );
    const verified = await kiln('reassign', ...cluster.bs, '--verify', '--reassignment-json-file', planFile);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
    expect(verified.stdout).toContain('Reassignment of partition slow-0 is still in progress.\n');
    expect(verified.stdout).toMatch(
      / {2}slow-0: leader [12] has \d+\.\d KiB up to offset 400; replica 3 (has \d+(\.\d)? K?i?B \(\d+%\)|has not started)\n/,
    );
    // The throttle stays while the move runs.
    expect(verified.stdout).not.toContain('Removed');

    const another = await kiln('reassign', ...cluster.bs, '--execute', '--reassignment-json-file', planFile);
    expect(another.code, another.stdout + another.stderr).toBe(1);
    expect(another.stderr).toContain(
      'Cannot execute: partition reassignments are in progress (slow-0). Add --additional',
    );

    const cancelled = await kiln('reassign', ...cluster.bs, '--cancel', '--reassignment-json-file', planFile);
    expect(ownLines(cancelled.stderr)).toBe('');
    expect(cancelled).toMatchObject({ code: 0 });
    expect(cancelled.stdout).toBe(
      'Successfully cancelled partition reassignment for: slow-0\n' +
        'Removed the replication throttle rates from brokers 1,2,3.\n' +
        'Removed the throttled replica lists from topic slow.\n',
    );
    await cluster.waitUntil(
      'slow',
      'slow back on brokers 1 and 2',
      (ps) => [...ps.get(0)!.replicas].sort().join() === '1,2',
    );
    expect((await kiln('configs', ...cluster.bs, '--describe', '--topic', 'slow')).stdout).not.toContain(
      'throttled',
    );
    const brokerConfigs = await kiln(
      'configs',
      ...cluster.bs,
      '--describe',
      '--entity-type',
      'brokers',
      '--entity-name',
      '3',
    );
    expect(brokerConfigs.stdout).not.toContain('throttled.rate');

    const again = await kiln('reassign', ...cluster.bs, '--cancel', '--reassignment-json-file', planFile);
    expect(again).toMatchObject({
      code: 0,
      stdout: 'No reassignment of partition slow-0 was in progress (NO_REASSIGNMENT_IN_PROGRESS).\n',
    });
    const after = await kiln('reassign', ...cluster.bs, '--verify', '--reassignment-json-file', planFile);
    expect(after.code, after.stdout + after.stderr).toBe(0);
    expect(after.stdout).toMatch(
      /Reassignment of partition slow-0 failed: replicas are \[(2,1|1,2)\], expected \[2,3\]\.\n/,
    );
  }, 150_000);

  it('a plan naming a topic, partition or broker the cluster does not have exits 1 and moves nothing', async () => {
    const planFile = cluster.file(
      'unfit.json',
      planJson([
        { topic: 'moving', partition: 7, replicas: [1] },
        { topic: 'moving', partition: 0, replicas: [2, 9] },
        { topic: 'ghost', partition: 0, replicas: [1] },
      ]),
    );
    const result = await kiln('reassign', ...cluster.bs, '--execute', '--reassignment-json-file', planFile);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'kiln reassign: the plan does not fit the cluster:\n' +
        '  moving-7: no such partition (moving has 2)\n' +
        '  moving-0: no broker 9 in the cluster (its brokers: 1,2,3)\n' +
        '  ghost-0: topic ghost does not exist\n',
    );
    expect(result.stdout).toBe('');
    const topicsFile = cluster.file('ghost-topics.json', JSON.stringify({ topics: [{ topic: 'ghost' }] }));
    const generated = await kiln(
      'reassign',
      ...cluster.bs,
      '--generate',
      '--topics-to-move-json-file',
      topicsFile,
      '--broker-list',
      '1,2',
    );
    expect(generated).toMatchObject({
      code: 1,
      stderr: 'kiln reassign: topic ghost does not exist (nothing to move for it)\n',
    });
  }, 60_000);
});
