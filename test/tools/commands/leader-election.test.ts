// `kiln leader-election`: its arguments and partition file (no broker needed), what it prints for
// the controller's answers, and elections in a real three-broker cluster: a preferred election
// after a leader moved, then one that is not needed, an unknown partition, and a JSON file.
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../server/protocol/error-codes.js';
import { electionReport, parseElectionPartitions } from '../../../tools/commands/leader-election.js';
import { kiln, type CommandResult } from '../run-command.js';
import { useThreeBrokerCluster } from '../three-broker-cluster.js';

/** Exit 0, or a failure that shows what the command printed. */
const expectOk = (r: CommandResult): void => expect(r.code, r.stdout + r.stderr).toBe(0);

const cluster = useThreeBrokerCluster();
const nowhere = ['--bootstrap-server', '127.0.0.1:1'];

describe('kiln leader-election arguments', () => {
  it('bad usage exits 2 with a message', async () => {
    const cases: [string[], string][] = [
      [['--all-topic-partitions'], '--election-type PREFERRED|UNCLEAN is required'],
      [
        ['--election-type', 'fastest', '--all-topic-partitions'],
        "--election-type must be PREFERRED or UNCLEAN, got 'fastest'",
      ],
      [['--election-type', 'preferred'], 'name the partitions'],
      [
        ['--election-type', 'preferred', '--all-topic-partitions', '--topic', 't', '--partition', '0'],
        '--all-topic-partitions and --topic do not go together',
      ],
      [['--election-type', 'preferred', '--topic', 't'], '--topic needs --partition'],
      [
        ['--election-type', 'preferred', '--path-to-json-file', 'f', '--partition', '0'],
        '--partition goes with --topic',
      ],
      [
        ['--election-type', 'preferred', '--topic', 't', '--partition', 'first'],
        "--partition must be a partition index (0, 1, ...), got 'first'",
      ],
      [
        ['--election-type', 'preferred', '--topic', 't', '--partition', '0', '--bootstrap-server', 'nohost'],
        'bad broker address',
      ],
    ];
    for (const [args, message] of cases) {
      const result = await kiln(
        'leader-election',
        ...(args.includes('--bootstrap-server') ? [] : nowhere),
        ...args,
      );
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toContain(message);
    }
  });

  it('a bad partition file exits 1 naming the problem, before any broker is asked', async () => {
    const missing = await kiln(
      'leader-election',
      ...nowhere,
      '--election-type',
      'PREFERRED',
      '--path-to-json-file',
      '/nonexistent/x.json',
    );
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('cannot read partition list /nonexistent/x.json (ENOENT)');
    const bad = cluster.file('bad.json', '{"partitions": [{"topic": "t"}]}');
    const result = await kiln(
      'leader-election',
      ...nowhere,
      '--election-type',
      'PREFERRED',
      '--path-to-json-file',
      bad,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('partitions[0].partition: expected a whole number from 0');
  });

  it('parses the partition file; a partition twice or an empty list is refused', () => {
    expect(parseElectionPartitions({ partitions: [{ topic: 'a', partition: 1 }] }, 'f')).toEqual([
      { topic: 'a', partition: 1 },
    ]);
    expect(() => parseElectionPartitions({ partitions: [] }, 'f')).toThrow('the "partitions" list is empty');
    expect(() => parseElectionPartitions({}, 'f')).toThrow('no "partitions" list');
    expect(() =>
      parseElectionPartitions(
        {
          partitions: [
            { topic: 'a', partition: 1 },
            { topic: 'a', partition: 1 },
          ],
        },
        'f',
      ),
    ).toThrow('partition a-1 listed more than once');
  });
});

describe('electionReport', () => {
  it('lists the elected, those already led by the right replica, and the errors (exit 1 only for errors)', () => {
    const r = (partition: number, errorCode: number, errorMessage: string | null = null) => ({
      topic: 't',
      partition,
      errorCode,
      errorMessage,
    });
    const ok = electionReport('PREFERRED', [
      r(1, ErrorCode.NONE),
      r(0, ErrorCode.NONE),
      r(2, ErrorCode.ELECTION_NOT_NEEDED),
    ]);
    expect(ok).toEqual({
      out: [
        'Successfully completed leader election (PREFERRED) for partitions t-0, t-1',
        'Valid replica already elected for partitions t-2',
      ],
      err: [],
      code: 0,
    });
    const bad = electionReport('UNCLEAN', [
      r(3, ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE, 'no live replica'),
    ]);
    expect(bad.code).toBe(1);
    expect(bad.err).toEqual([
      'Error completing leader election (UNCLEAN) for partition t-3: ELIGIBLE_LEADERS_NOT_AVAILABLE (no live replica)',
      '1 replica(s) could not be elected',
    ]);
    expect(electionReport('PREFERRED', []).out).toEqual(['No partition needed a leader election.']);
  });
});

describe('kiln leader-election in a cluster', () => {
  it('moves leadership back to the preferred replica after it moved away', async () => {
    const created = await kiln(
      'topics',
      ...cluster.bs,
      '--create',
      '--topic',
      'elect',
      '--replica-assignment',
      '1:2,2:3',
    );
    expectOk(created);
    await cluster.waitUntil(
      'elect',
      'elect in sync',
      (ps) => ps.size === 2 && [...ps.values()].every((p) => p.isr.length === 2),
    );
    // Broker 1 goes and comes back: broker 2 leads elect-0 meanwhile, and keeps leading.
    await cluster.stop(1);
    await cluster.waitUntil('elect', 'broker 2 leading elect-0', (ps) => ps.get(0)?.leader === 2);
    await cluster.start(1);
    await cluster.waitUntil('elect', 'broker 1 back in sync', (ps) => ps.get(0)?.isr.join() === '1,2');
    expect((await cluster.partitions('elect')).get(0)!.leader).toBe(2);

    const elected = await kiln(
      'leader-election',
      ...cluster.bs,
      '--election-type',
      'preferred',
      '--topic',
      'elect',
      '--partition',
      '0',
    );
    expect(elected).toMatchObject({ code: 0, stderr: '' });
    expect(elected.stdout).toBe(
      'Successfully completed leader election (PREFERRED) for partitions elect-0\n',
    );
    await cluster.waitUntil('elect', 'broker 1 leading elect-0 again', (ps) => ps.get(0)?.leader === 1);

    const again = await kiln(
      'leader-election',
      ...cluster.bs,
      '--election-type',
      'PREFERRED',
      '--topic',
      'elect',
      '--partition',
      '0',
    );
    expect(again).toMatchObject({
      code: 0,
      stdout: 'Valid replica already elected for partitions elect-0\n',
    });

    const all = await kiln(
      'leader-election',
      ...cluster.bs,
      '--election-type',
      'PREFERRED',
      '--all-topic-partitions',
    );
    expectOk(all);
    expect(all.stderr).toBe('');
  }, 120_000);

  it('names the Kafka error of a partition that does not exist, and takes a JSON file', async () => {
    const file = cluster.file(
      'elect.json',
      JSON.stringify({
        partitions: [
          { topic: 'elect', partition: 1 },
          { topic: 'elect', partition: 9 },
        ],
      }),
    );
    const result = await kiln(
      'leader-election',
      ...cluster.bs,
      '--election-type',
      'preferred',
      '--path-to-json-file',
      file,
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('Valid replica already elected for partitions elect-1\n');
    expect(result.stderr).toContain(
      'Error completing leader election (PREFERRED) for partition elect-9: UNKNOWN_TOPIC_OR_PARTITION',
    );
    // An unclean election where the leader is in sync is not needed either.
    const unclean = await kiln(
      'leader-election',
      ...cluster.bs,
      '--election-type',
      'unclean',
      '--topic',
      'elect',
      '--partition',
      '1',
    );
    expectOk(unclean);
    expect(unclean.stdout).toBe('Valid replica already elected for partitions elect-1\n');
  }, 60_000);
});
