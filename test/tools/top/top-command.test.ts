// `kiln top --once` against a real broker under kcat's load: the frame's offsets and lag are the
// broker's, and the rates are measured while records arrive.
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GroupView, TopicView } from '../../../server/admin/api/admin-api-types.js';
import { startBroker, type RunningBroker } from '../../helpers/broker-fixture.js';
import { kiln } from '../run-command.js';

const run = promisify(execFile);

describe('kiln top', () => {
  let broker: RunningBroker;
  let admin: string;

  beforeAll(async () => {
    broker = await startBroker({
      'kiln.admin.listener': 'http://127.0.0.1:0',
      'auto.create.topics.enable': 'true',
    });
    admin = `127.0.0.1:${broker.broker.adminPort!}`;
    const records = Array.from({ length: 500 }, (_, i) => `record-${i}`).join('\n') + '\n';
    const producer = run('kcat', ['-b', broker.bootstrap, '-P', '-t', 'watched'], { timeout: 30_000 });
    producer.child.stdin!.end(records);
    await producer;
    // A group that read 200 of the 500 and committed: lag 300.
    await run(
      'kcat',
      [
        '-b',
        broker.bootstrap,
        '-G',
        'watchers',
        '-o',
        'beginning',
        '-c',
        '200',
        '-q',
        '-X',
        'enable.auto.commit=true',
        'watched',
      ],
      { timeout: 30_000 },
    );
  });
  afterAll(async () => {
    await broker.stop();
  });

  it('prints one frame with the topic, its partition and the group lag the API reports, and rates under load', async () => {
    // Records keep arriving during the interval.
    const load = spawn('kcat', ['-b', broker.bootstrap, '-P', '-t', 'watched']);
    const feed = setInterval(() => load.stdin.write('more\n'.repeat(200)), 20);
    let result;
    try {
      result = await kiln('top', '--admin-url', admin, '--interval', '1', '--once');
    } finally {
      clearInterval(feed);
      load.stdin.end();
      await new Promise((resolve) => load.once('exit', resolve));
    }
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    // The row under the throughput table's header.
    const topicRow = lines[lines.findIndex((l) => /^TOPIC\s+IN MB\/s/.test(l)) + 1];
    expect(topicRow).toMatch(/^watched\s/);
    const [, inMb, , messages] = topicRow!.split(/\s+/);
    expect(Number(inMb)).toBeGreaterThan(0);
    expect(Number(messages!.replace(/,/g, ''))).toBeGreaterThan(0);

    // After the load, a frame's offsets and lag are exactly the broker's.
    const settled = await kiln(
      'top',
      '--admin-url',
      admin,
      '--interval',
      '0.2',
      '--once',
      '--topic',
      'watched',
    );
    const view = (await (await fetch(`http://${admin}/api/topics/watched`)).json()) as TopicView;
    const group = (await (await fetch(`http://${admin}/api/groups/watchers`)).json()) as GroupView;
    const end = view.partitionViews[0]!.logEndOffset!;
    expect(end).toBeGreaterThan(500);
    const partitionRow = settled.stdout.split('\n').find((l) => /^watched\s+0\s+0\s+1\/1\s/.test(l));
    expect(partitionRow).toContain(end.toLocaleString('en-US'));
    expect(group.offsets[0]!.committed).toBe(200);
    const groupRow = settled.stdout.split('\n').find((l) => l.startsWith('watchers'));
    expect(groupRow).toMatch(new RegExp(`Empty\\s+0\\s+${(end - 200).toLocaleString('en-US')}\\s+0$`));
  });

  it('says which address it could not reach, and exits 1; bad options exit 2', async () => {
    const unreachable = await kiln('top', '--admin-url', 'http://127.0.0.1:9', '--once');
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(
      /cannot reach the admin listener at http:\/\/127\.0\.0\.1:9 .*kiln\.admin\.listener/,
    );
    const badInterval = await kiln('top', '--interval', 'soon');
    expect(badInterval.code).toBe(2);
    expect(badInterval.stderr).toContain('--interval wants a number of seconds');
    const badUrl = await kiln('top', '--admin-url', 'https://127.0.0.1:1', '--once');
    expect(badUrl.code).toBe(2);
    expect(badUrl.stderr).toContain('only http:// is served');
  });
});
