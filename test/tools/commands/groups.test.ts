// `kiln groups` against a real broker, with Kafka's consumer-groups habits.
import { describe, expect, it } from 'vitest';
import { KafkaClient } from '../../../tools/client/kafka-client.js';
import { GroupMember } from '../../../tools/perf/group-member.js';
import { kiln } from '../run-command.js';
import { useCommandBroker } from './command-broker.js';

const cmd = useCommandBroker();

async function topicWith(topic: string, partitions: number, lines: string[]): Promise<void> {
  expect(
    (await kiln('topics', ...cmd.bs, '--create', '--topic', topic, '--partitions', String(partitions))).code,
  ).toBe(0);
  if (lines.length === 0) return;
  expect(
    (await kiln('produce', ...cmd.bs, '--topic', topic, '--file', cmd.inputFile(`${topic}.txt`, lines))).code,
  ).toBe(0);
}

/** Reads `count` records as group `group` (committing them), then leaves. */
async function consumeAs(group: string, topic: string, count: number): Promise<string> {
  const result = await kiln(
    'consume',
    ...cmd.bs,
    '--topic',
    topic,
    '--group',
    group,
    '--from-beginning',
    '--max-messages',
    String(count),
  );
  expect(result.code).toBe(0);
  return result.stdout;
}

type Described = {
  state: string;
  partitions: {
    topic: string;
    partition: number;
    committed: number | null;
    logEnd: number | null;
    lag: number | null;
    consumerId: string | null;
  }[];
};
const describeJson = async (group: string): Promise<Described> =>
  JSON.parse((await kiln('groups', ...cmd.bs, '--describe', '--group', group, '--json')).stdout) as Described;

/**
 * A real member of `group` on `topic` (JoinGroup, SyncGroup, heartbeats), until left. It joins
 * again when the group rebalances; `rejoined` settles once that join is done.
 */
async function activeMember(
  group: string,
  topic: string,
): Promise<{ leave: () => Promise<void>; id: string; rejoined: () => Promise<unknown> }> {
  const client = await KafkaClient.connect(cmd.broker.bootstrap, 'groups-test-member');
  const member = new GroupMember(client, group, topic, () => {});
  await member.join();
  let rejoin: Promise<unknown> = Promise.resolve();
  member.startHeartbeats(() => {
    rejoin = rejoin.then(() => member.join());
  });
  return {
    id: member.memberId,
    rejoined: () => rejoin,
    leave: async () => {
      member.stopHeartbeats();
      await rejoin;
      await member.leave();
      client.close();
    },
  };
}

describe('kiln groups', () => {
  it('shows lag after a partial consume, resets offsets (dry run, then --execute) and deletes', async () => {
    await topicWith('work', 1, ['a', 'b', 'c', 'd', 'e']);
    expect(await consumeAs('workers', 'work', 2)).toBe('a\nb\n');

    expect((await kiln('groups', ...cmd.bs, '--list')).stdout).toContain('workers');
    expect((await describeJson('workers')).partitions).toEqual([
      {
        topic: 'work',
        partition: 0,
        committed: 2,
        logEnd: 5,
        lag: 3,
        consumerId: null,
        host: null,
        clientId: null,
      },
    ]);
    const table = await kiln('groups', ...cmd.bs, '--describe', '--group', 'workers');
    expect(table.stdout).toContain("Consumer group 'workers' has no active members.");
    expect(table.stdout).toMatch(
      /GROUP\s+TOPIC\s+PARTITION\s+CURRENT-OFFSET\s+LOG-END-OFFSET\s+LAG\s+CONSUMER-ID\s+HOST\s+CLIENT-ID/,
    );
    expect(table.stdout).toMatch(/workers\s+work\s+0\s+2\s+5\s+3\s+-\s+-\s+-/);

    // The group resumes from its commit.
    const rest = await kiln(
      'consume',
      ...cmd.bs,
      '--topic',
      'work',
      '--group',
      'workers',
      '--max-messages',
      '1',
    );
    expect(rest.stdout).toBe('c\n');

    const reset = (...args: string[]) =>
      kiln('groups', ...cmd.bs, '--reset-offsets', '--group', 'workers', '--topic', 'work', ...args);
    const dryRun = await reset('--to-earliest');
    expect(dryRun.stdout).toMatch(/GROUP\s+TOPIC\s+PARTITION\s+NEW-OFFSET/);
    expect(dryRun.stdout).toMatch(/workers\s+work\s+0\s+0/);
    expect(dryRun.stderr).toContain('dry run');
    expect((await describeJson('workers')).partitions[0]?.committed).toBe(3);

    expect((await reset('--to-offset', '1', '--execute')).code).toBe(0);
    expect((await describeJson('workers')).partitions[0]).toMatchObject({ committed: 1, lag: 4 });
    expect(
      (await kiln('consume', ...cmd.bs, '--topic', 'work', '--group', 'workers', '--max-messages', '1'))
        .stdout,
    ).toBe('b\n');

    await reset('--to-latest', '--execute');
    expect((await describeJson('workers')).partitions[0]).toMatchObject({ committed: 5, lag: 0 });

    const deleted = await kiln('groups', ...cmd.bs, '--delete', '--group', 'workers');
    expect(deleted.code).toBe(0);
    expect(deleted.stdout).toContain("Deletion of requested consumer groups ('workers') was successful.");
    expect((await kiln('groups', ...cmd.bs, '--list')).stdout).not.toContain('workers');
  });

  it('an unknown group says it does not exist and exits 1 (it printed an empty Dead group)', async () => {
    const result = await kiln('groups', ...cmd.bs, '--describe', '--group', 'no-such-group');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("Consumer group 'no-such-group' does not exist.");
    expect(result.stdout).toBe('');
  });

  it('a stable group without commits lists its assigned partitions with - for offset and lag', async () => {
    await topicWith('fresh', 2, ['x', 'y', 'z']);
    const member = await activeMember('fresh-readers', 'fresh');
    try {
      const table = await kiln('groups', ...cmd.bs, '--describe', '--group', 'fresh-readers');
      expect(table.code).toBe(0);
      expect(table.stdout).not.toContain('no active members');
      const rows = table.stdout.split('\n').filter((line) => line.startsWith('fresh-readers'));
      expect(rows).toHaveLength(2);
      for (const [i, row] of rows.entries()) {
        const cells = row.split(/\s+/);
        expect(cells.slice(0, 3)).toEqual(['fresh-readers', 'fresh', String(i)]);
        expect(cells[3]).toBe('-'); // CURRENT-OFFSET
        expect(Number(cells[4])).toBeGreaterThanOrEqual(0); // LOG-END-OFFSET
        expect(cells[5]).toBe('-'); // LAG
        expect(cells[6]).toBe(member.id);
      }
      const members = await kiln(
        'groups',
        ...cmd.bs,
        '--describe',
        '--group',
        'fresh-readers',
        '--members',
        '--verbose',
      );
      expect(members.stdout).toMatch(
        new RegExp(`fresh-readers\\s+${member.id}\\s+\\S+\\s+groups-test-member\\s+2\\s+fresh\\(0,1\\)`),
      );
      const state = await kiln('groups', ...cmd.bs, '--describe', '--group', 'fresh-readers', '--state');
      expect(state.stdout).toMatch(/fresh-readers\s+127\.0\.0\.1:\d+ \(0\)\s+range\s+Stable\s+1/);
    } finally {
      await member.leave();
    }
  });

  it('a member that owns no partition is listed on a row of its own (it was left out)', async () => {
    await topicWith('narrow', 1, ['n']);
    const first = await activeMember('narrow-readers', 'narrow');
    let second: Awaited<ReturnType<typeof activeMember>> | undefined;
    try {
      // The second join waits for the first member to join again (its next heartbeat).
      second = await activeMember('narrow-readers', 'narrow');
      await first.rejoined();
      const table = await kiln('groups', ...cmd.bs, '--describe', '--group', 'narrow-readers');
      expect(table.code).toBe(0);
      const rows = table.stdout
        .split('\n')
        .filter((line) => line.startsWith('narrow-readers'))
        .map((line) => line.split(/\s+/));
      expect(rows).toHaveLength(2);
      const owned = rows.find((cells) => cells[1] === 'narrow')!;
      const idle = rows.find((cells) => cells[1] === '-')!;
      expect(owned.slice(2, 6)).toEqual(['0', '-', '1', '-']);
      expect(idle.slice(2, 6)).toEqual(['-', '-', '-', '-']);
      expect(new Set([owned[6], idle[6]])).toEqual(new Set([first.id, second.id]));
      expect(idle[8]).toBe('groups-test-member');
    } finally {
      await second?.leave();
      await first.leave();
    }
  });

  it('resets are refused while the group has members: it must be inactive', async () => {
    await topicWith('busy', 1, ['1', '2']);
    const member = await activeMember('busy-readers', 'busy');
    try {
      const refused = await kiln(
        'groups',
        ...cmd.bs,
        '--reset-offsets',
        '--group',
        'busy-readers',
        '--topic',
        'busy',
        '--to-earliest',
        '--execute',
      );
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(
        "Assignments can only be reset if the group 'busy-readers' is inactive, but the current state is Stable.",
      );
    } finally {
      await member.leave();
    }
    const allowed = await kiln(
      'groups',
      ...cmd.bs,
      '--reset-offsets',
      '--group',
      'busy-readers',
      '--topic',
      'busy',
      '--to-earliest',
      '--execute',
    );
    expect(allowed.code).toBe(0);
  });

  it('--shift-by, --to-datetime, --by-duration, --to-current, --all-topics and TOPIC:PARTITIONS', async () => {
    await topicWith('shift', 2, []);
    for (const partition of ['0', '1']) {
      const lines = cmd.inputFile(
        `shift-${partition}.txt`,
        Array.from({ length: 10 }, (_, i) => `r${i}`),
      );
      await kiln('produce', ...cmd.bs, '--topic', 'shift', '--partition', partition, '--file', lines);
    }
    // Commit 4 on each partition by resetting to an offset, then shift one of them back by 3.
    const run = (...args: string[]) =>
      kiln('groups', ...cmd.bs, '--reset-offsets', '--group', 'shifters', ...args);
    expect((await run('--topic', 'shift', '--to-offset', '4', '--execute')).code).toBe(0);
    expect((await run('--topic', 'shift:1', '--shift-by', '-3', '--execute')).code).toBe(0);
    let rows = (await describeJson('shifters')).partitions;
    expect(rows.map((r) => [r.partition, r.committed])).toEqual([
      [0, 4],
      [1, 1],
    ]);
    // Shifting past either end stops at the log's bounds.
    await run('--all-topics', '--shift-by', '-100', '--execute');
    rows = (await describeJson('shifters')).partitions;
    expect(rows.map((r) => r.committed)).toEqual([0, 0]);
    await run('--all-topics', '--shift-by', '1000', '--execute');
    rows = (await describeJson('shifters')).partitions;
    expect(rows.map((r) => r.committed)).toEqual(rows.map((r) => r.logEnd));
    // Every record was written just now: an hour ago finds the first, the future finds none (the
    // log end); a duration of an hour back is the same as an hour ago.
    const hourAgo = new Date(Date.now() - 3_600_000).toISOString();
    await run('--all-topics', '--to-datetime', hourAgo, '--execute');
    expect((await describeJson('shifters')).partitions.map((r) => r.committed)).toEqual([0, 0]);
    await run('--all-topics', '--to-datetime', '2999-01-01T00:00:00.000', '--execute');
    rows = (await describeJson('shifters')).partitions;
    expect(rows.map((r) => r.committed)).toEqual(rows.map((r) => r.logEnd));
    await run('--all-topics', '--by-duration', 'PT1H', '--execute');
    expect((await describeJson('shifters')).partitions.map((r) => r.committed)).toEqual([0, 0]);
    const current = await run('--all-topics', '--to-current');
    expect(current.stdout).toMatch(/shifters\s+shift\s+0\s+0/);
    expect(current.stdout).toMatch(/shifters\s+shift\s+1\s+0/);
  });

  it('--all-groups describes and deletes every group; a group with members cannot be deleted', async () => {
    await topicWith('many', 1, ['m']);
    await consumeAs('many-a', 'many', 1);
    await consumeAs('many-b', 'many', 1);
    const described = await kiln('groups', ...cmd.bs, '--describe', '--all-groups');
    expect(described.stdout).toMatch(/many-a\s+many\s+0\s+1\s+1\s+0/);
    expect(described.stdout).toMatch(/many-b\s+many\s+0\s+1\s+1\s+0/);
    const member = await activeMember('many-live', 'many');
    try {
      const deleted = await kiln('groups', ...cmd.bs, '--delete', '--all-groups');
      expect(deleted.code).toBe(1);
      expect(deleted.stdout).toContain("'many-a'");
      expect(deleted.stderr).toContain("Group 'many-live' could not be deleted due to: NON_EMPTY_GROUP");
    } finally {
      await member.leave();
    }
    const list = (await kiln('groups', ...cmd.bs, '--list')).stdout;
    expect(list).not.toContain('many-a');
    expect(list).toContain('many-live');
  });

  it('bad arguments are usage errors (exit 2) with a readable message', async () => {
    const cases: [string[], RegExp][] = [
      [['--describe'], /--group G or --all-groups/],
      [['--reset-offsets', '--group', 'g', '--topic', 't'], /exactly one of --to-earliest/],
      [['--reset-offsets', '--group', 'g', '--to-latest'], /--topic T or --all-topics/],
      [
        ['--reset-offsets', '--group', 'g', '--topic', 't', '--by-duration', '10 minutes'],
        /ISO-8601 duration/,
      ],
      [['--reset-offsets', '--group', 'g', '--topic', 't', '--to-datetime', 'yesterday'], /not a date-time/],
      [
        ['--reset-offsets', '--group', 'g', '--topic', 't', '--to-latest', '--dry-run', '--execute'],
        /not both/,
      ],
      [['--reset-offsets', '--group', 'g', '--topic', 't:x', '--to-latest'], /TOPIC:PARTITION/],
      [['--describe', '--group', 'g', '--to-earliest'], /--to-earliest goes with --reset-offsets/],
      [['--describe', '--group', 'g', '--execute'], /--execute goes with --reset-offsets/],
      [['--list', '--members'], /--members goes with --describe/],
      [['--delete', '--group', 'g', '--state'], /--state goes with --describe or --list/],
    ];
    for (const [args, message] of cases) {
      const result = await kiln('groups', ...cmd.bs, ...args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toMatch(message);
    }
  });

  it('--broker-list works as --bootstrap-server does', async () => {
    const result = await kiln('groups', '--broker-list', cmd.broker.bootstrap, '--list');
    expect(result.code).toBe(0);
  });
});
