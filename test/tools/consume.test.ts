// `kiln consume` as kafka-console-consumer users expect it: it follows until Ctrl-C, starts where
// --offset says, prints Kafka's fields, and --group makes it a real member of the group (sharing
// partitions with other kiln consumers and with kafkajs).
import fs from 'node:fs';
import path from 'node:path';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type RunningBroker } from '../helpers/broker-fixture.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';
import { KafkaClient } from '../../tools/client/kafka-client.js';
import { decodeAssignment } from '../../server/group/consumer-protocol.js';
import { BUILD_TIMEOUT_MS, buildKiln, spawnKiln, waitFor, type KilnProcess } from './console-helpers.js';
import { kiln } from './run-command.js';

let broker: RunningBroker;
let bs: string[];
let dir: string;
let kafka: Kafka;

beforeAll(buildKiln, BUILD_TIMEOUT_MS);
beforeAll(async () => {
  broker = await startBroker();
  bs = ['--bootstrap-server', broker.bootstrap];
  dir = makeTempDir('kiln-consume-');
  fs.writeFileSync(path.join(dir, 'one.txt'), 'one\n');
  kafka = new Kafka({ clientId: 'kiln-test', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
});
afterAll(async () => {
  await broker.stop();
  removeTempDir(dir);
});

async function produce(topic: string, lines: string[], ...flags: string[]): Promise<void> {
  const file = path.join(dir, `${topic}-${Date.now()}.txt`);
  fs.writeFileSync(file, lines.join('\n') + '\n');
  const result = await kiln('produce', ...bs, '--topic', topic, '--file', file, ...flags);
  expect(result.code, result.stderr).toBe(0);
}

async function committed(group: string, topic: string): Promise<Map<number, number>> {
  const client = await KafkaClient.connect(broker.bootstrap);
  try {
    return (await client.committedOffsets(group)).get(topic) ?? new Map();
  } finally {
    client.close();
  }
}

/** The group's state and each member's partitions of `topic`. */
async function describeGroup(group: string, topic: string) {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [described] = (await admin.describeGroups([group])).groups;
    return {
      state: described!.state,
      protocol: described!.protocol,
      members: described!.members.map((m) => ({
        clientId: m.clientId,
        partitions: decodeAssignment(m.memberAssignment).get(topic) ?? [],
      })),
    };
  } finally {
    await admin.disconnect();
  }
}

/** Waits until `group` is stable with `count` members that each own at least one partition. */
async function waitForStableGroup(group: string, topic: string, count: number) {
  let last: unknown;
  await waitFor(`group ${group} stable with ${count} members (last: ${JSON.stringify(last)})`, async () => {
    const d = await describeGroup(group, topic);
    last = d;
    return (
      d.state === 'Stable' && d.members.length === count && d.members.every((m) => m.partitions.length > 0)
    );
  });
}

/** Ctrl-C, then the exit code. */
async function interrupt(consumer: KilnProcess): Promise<number | null> {
  consumer.child.kill('SIGINT');
  return consumer.exited;
}

/** "Partition:N<tab>value" lines as [partition, value]. */
function partitionLines(output: string): [number, string][] {
  return output
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [part, value] = line.split('\t');
      return [Number(part!.replace('Partition:', '')), value!];
    });
}

describe('kiln consume', () => {
  it('follows new records until Ctrl-C, then exits 0 and says how many it processed', async () => {
    await kiln('topics', ...bs, '--create', '--topic', 'follow');
    const consumer = spawnKiln(['consume', ...bs, '--topic', 'follow', '--from-beginning']);
    await produce('follow', ['a']);
    await waitFor('a', () => consumer.stdout() === 'a\n');
    await produce('follow', ['b']);
    await waitFor('b', () => consumer.stdout() === 'a\nb\n');
    expect(await interrupt(consumer)).toBe(0);
    expect(consumer.stderr()).toBe('Processed a total of 2 messages\n');
  });

  it('in a group, Ctrl-C commits where it got to and leaves the group', async () => {
    await kiln('topics', ...bs, '--create', '--topic', 'leave', '--partitions', '2');
    await produce('leave', ['k1:x', 'k2:y', 'k3:z', 'k4:w'], '--key-separator', ':');
    const consumer = spawnKiln([
      'consume',
      ...bs,
      '--topic',
      'leave',
      '--group',
      'leavers',
      '--from-beginning',
    ]);
    await waitFor('4 records', () => consumer.stdout().split('\n').filter(Boolean).length === 4);
    expect((await describeGroup('leavers', 'leave')).members).toHaveLength(1);
    expect(await interrupt(consumer)).toBe(0);
    const offsets = await committed('leavers', 'leave');
    expect([...offsets.values()].reduce((a, b) => a + b, 0)).toBe(4);
    expect(await describeGroup('leavers', 'leave')).toMatchObject({ state: 'Empty', members: [] });
  });

  it('a broker lost while following is one line on stderr and exit 1', async () => {
    const doomed = await startBroker();
    let stopped = false;
    try {
      const b = ['--bootstrap-server', doomed.bootstrap];
      await kiln('topics', ...b, '--create', '--topic', 'doomed');
      const consumer = spawnKiln(['consume', ...b, '--topic', 'doomed', '--group', 'g', '--from-beginning']);
      await kiln('produce', ...b, '--topic', 'doomed', '--file', path.join(dir, 'one.txt'));
      await waitFor('the record', () => consumer.stdout() === 'one\n');
      await doomed.stop();
      stopped = true;
      expect(await consumer.exited).toBe(1);
      // Closed or reset, depending on how the broker's sockets end: either way one line naming it.
      const address = doomed.bootstrap.replace(/\./g, '\\.');
      expect(consumer.stderr()).toMatch(
        new RegExp(
          `^kiln consume: (broker ${address} closed the connection|lost the connection to broker ${address} \\(E[A-Z]+\\))\n$`,
        ),
      );
    } finally {
      if (!stopped) await doomed.stop();
    }
  });

  it('starts at --offset earliest, latest or N', async () => {
    await kiln('topics', ...bs, '--create', '--topic', 'offsets');
    await produce('offsets', ['zero', 'one', 'two']);
    const run = (...flags: string[]) =>
      kiln('consume', ...bs, '--topic', 'offsets', '--timeout-ms', '300', ...flags);
    expect((await run('--offset', 'earliest')).stdout).toBe('zero\none\ntwo\n');
    expect((await run('--offset', 'latest')).stdout).toBe('');
    expect((await run('--partition', '0', '--offset', '1')).stdout).toBe('one\ntwo\n');
    expect((await run('--partition', '0', '--offset', 'earliest', '--max-messages', '1')).stdout).toBe(
      'zero\n',
    );
    // Past the end: out of range, so the latest offset, as Kafka's auto.offset.reset=latest does.
    const pastEnd = await run('--partition', '0', '--offset', '100');
    expect(pastEnd).toEqual({
      code: 0,
      stdout: '',
      stderr:
        'kiln consume: offset 100 of offsets-0 is out of range; now at 3\n' +
        'Processed a total of 0 messages\n',
    });
    const needsPartition = await run('--offset', '1');
    expect(needsPartition.code).toBe(2);
    expect(needsPartition.stderr).toContain('--offset N needs --partition');
    expect((await run('--offset', 'soon')).code).toBe(2);
    expect((await run('--offset', 'earliest', '--from-beginning')).code).toBe(2);
  });

  it('takes group.id and auto.offset.reset from --consumer-property', async () => {
    await kiln('topics', ...bs, '--create', '--topic', 'consumer-props');
    await produce('consumer-props', ['first', 'second']);
    const result = await kiln(
      'consume',
      ...bs,
      '--topic',
      'consumer-props',
      '--consumer-property',
      'group.id=props-group',
      '--consumer-property',
      'auto.offset.reset=earliest',
      '--max-messages',
      '2',
    );
    expect(result).toEqual({
      code: 0,
      stdout: 'first\nsecond\n',
      stderr: 'Processed a total of 2 messages\n',
    });
    expect(await committed('props-group', 'consumer-props')).toEqual(new Map([[0, 2]]));
  });

  it('stops after --timeout-ms without a record', async () => {
    await kiln('topics', ...bs, '--create', '--topic', 'quiet');
    const result = await kiln('consume', ...bs, '--topic', 'quiet', '--timeout-ms', '200');
    expect(result).toEqual({ code: 0, stdout: '', stderr: 'Processed a total of 0 messages\n' });
  });

  it('a topic that does not exist is created by the broker when it may, as for a Kafka consumer (it failed at once)', async () => {
    const consumer = spawnKiln(['consume', ...bs, '--topic', 'made-by-reading', '--from-beginning']);
    await waitFor('the topic', async () =>
      JSON.parse((await kiln('topics', ...bs, '--list', '--json')).stdout).includes('made-by-reading'),
    );
    await produce('made-by-reading', ['late']);
    await waitFor('the record', () => consumer.stdout() === 'late\n');
    expect(await interrupt(consumer)).toBe(0);
  });

  it('without auto-create, a missing topic is waited for, and --timeout-ms ends the wait', async () => {
    const strict = await startBroker({ 'auto.create.topics.enable': 'false' });
    try {
      const waited = await kiln(
        'consume',
        '--bootstrap-server',
        strict.bootstrap,
        '--topic',
        'absent',
        '--timeout-ms',
        '700',
      );
      expect(waited.code).toBe(0);
      expect(waited.stderr).toContain('topic absent does not exist yet; waiting for it');
      expect(waited.stderr).toContain('Processed a total of 0 messages');
      // Created while a consumer waits: it starts reading.
      const consumer = spawnKiln([
        'consume',
        '--bootstrap-server',
        strict.bootstrap,
        '--topic',
        'later',
        '--from-beginning',
      ]);
      await waitFor('the wait', () => consumer.stderr().includes('does not exist yet'));
      await kiln('topics', '--bootstrap-server', strict.bootstrap, '--create', '--topic', 'later');
      const file = path.join(dir, 'later.txt');
      fs.writeFileSync(file, 'hello\n');
      await kiln('produce', '--bootstrap-server', strict.bootstrap, '--topic', 'later', '--file', file);
      await waitFor('the record', () => consumer.stdout() === 'hello\n');
      expect(await interrupt(consumer)).toBe(0);
    } finally {
      await strict.stop();
    }
  });

  it("a closed stdout (| head) ends it with exit 1 and Kafka's message (it exited 0)", async () => {
    await kiln('topics', ...bs, '--create', '--topic', 'piped');
    // More than a pipe holds, so writing blocks and then fails once the reader is gone.
    await produce(
      'piped',
      Array.from({ length: 50_000 }, (_, i) => `line ${i} ${'x'.repeat(40)}`),
    );
    const consumer = spawnKiln(['consume', ...bs, '--topic', 'piped', '--from-beginning']);
    await waitFor('the first lines', () => consumer.stdout().length > 0);
    consumer.child.stdout.destroy();
    expect(await consumer.exited).toBe(1);
    expect(consumer.stderr()).toContain('Unable to write to standard out, closing consumer.');
    expect(consumer.stderr()).not.toMatch(/^\s+at /m);
  });

  it("prints Kafka's fields with --property print.*", async () => {
    await kiln('topics', ...bs, '--create', '--topic', 'fields');
    await produce(
      'fields',
      ['k:v', 'novalue-key:'],
      '--property',
      'parse.key=true',
      '--property',
      'key.separator=:',
    );
    const result = await kiln(
      'consume',
      '--broker-list',
      broker.bootstrap,
      '--topic',
      'fields',
      '--from-beginning',
      '--max-messages',
      '2',
      '--property',
      'print.timestamp=true',
      '--property',
      'print.partition=true',
      '--property',
      'print.offset=true',
      '--property',
      'print.key=true',
      '--property',
      'key.separator=|',
    );
    expect(result.stdout).toMatch(
      /^CreateTime:\d+\|Partition:0\|Offset:0\|k\|v\nCreateTime:\d+\|Partition:0\|Offset:1\|novalue-key\|\n$/,
    );
    const keysOnly = await kiln(
      'consume',
      ...bs,
      '--topic',
      'fields',
      '--from-beginning',
      '--max-messages',
      '2',
      '--property',
      'print.key=true',
      '--property',
      'print.value=false',
    );
    expect(keysOnly.stdout).toBe('k\nnovalue-key\n');
  });

  it('two consumers in one group split the partitions and together read every record once', async () => {
    await kiln('topics', ...bs, '--create', '--topic', 'split', '--partitions', '4');
    const args = [
      'consume',
      ...bs,
      '--topic',
      'split',
      '--group',
      'splitters',
      '--property',
      'print.partition=true',
    ];
    const first = spawnKiln(args);
    await waitForStableGroup('splitters', 'split', 1);
    const second = spawnKiln(args);
    await waitForStableGroup('splitters', 'split', 2);
    const { members, protocol } = await describeGroup('splitters', 'split');
    expect(protocol).toBe('range');
    expect(members.flatMap((m) => m.partitions).sort()).toEqual([0, 1, 2, 3]);
    // The range assignor: two consecutive partitions each.
    expect(members.map((m) => m.partitions.length)).toEqual([2, 2]);

    const lines = Array.from({ length: 40 }, (_, i) => `key-${i}:value-${i}`);
    await produce('split', lines, '--key-separator', ':');
    const read = () => [...partitionLines(first.stdout()), ...partitionLines(second.stdout())];
    await waitFor('40 records between the two', () => read().length >= 40);
    expect(await interrupt(first)).toBe(0);
    expect(await interrupt(second)).toBe(0);

    expect(
      read()
        .map(([, v]) => v)
        .sort(),
    ).toEqual(lines.map((l) => l.split(':')[1]).sort());
    const firstParts = new Set(partitionLines(first.stdout()).map(([p]) => p));
    const secondParts = new Set(partitionLines(second.stdout()).map(([p]) => p));
    expect([...firstParts].filter((p) => secondParts.has(p))).toEqual([]);
    const offsets = await committed('splitters', 'split');
    expect([...offsets.values()].reduce((a, b) => a + b, 0)).toBe(40);
  });

  it('shares a group with a kafkajs consumer', async () => {
    await kiln('topics', ...bs, '--create', '--topic', 'mixed', '--partitions', '2');
    const seenByKafkajs: { partition: number; value: string }[] = [];
    const consumer: Consumer = kafka.consumer({ groupId: 'mixed-group' });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: 'mixed', fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ partition, message }) => {
          seenByKafkajs.push({ partition, value: message.value!.toString() });
        },
      });
      await waitForStableGroup('mixed-group', 'mixed', 1);
      const cli = spawnKiln([
        'consume',
        ...bs,
        '--topic',
        'mixed',
        '--group',
        'mixed-group',
        '--from-beginning',
        '--property',
        'print.partition=true',
      ]);
      await waitForStableGroup('mixed-group', 'mixed', 2);
      const { members, protocol } = await describeGroup('mixed-group', 'mixed');
      // kafkajs offers only its round robin; kiln offers that too, under kafkajs's name.
      expect(protocol).toBe('RoundRobinAssigner');
      expect(members.map((m) => m.partitions.length)).toEqual([1, 1]);

      const lines = Array.from({ length: 20 }, (_, i) => `key-${i}:value-${i}`);
      await produce('mixed', lines, '--key-separator', ':');
      const byCli = () => partitionLines(cli.stdout());
      await waitFor('20 records between kafkajs and kiln', () => seenByKafkajs.length + byCli().length >= 20);
      expect(await interrupt(cli)).toBe(0);

      const all = [...seenByKafkajs.map((r) => r.value), ...byCli().map(([, v]) => v)];
      expect(all.sort()).toEqual(lines.map((l) => l.split(':')[1]).sort());
      expect(byCli().length).toBeGreaterThan(0);
      expect(seenByKafkajs.length).toBeGreaterThan(0);
      const cliParts = new Set(byCli().map(([p]) => p));
      expect(seenByKafkajs.filter((r) => cliParts.has(r.partition))).toEqual([]);
    } finally {
      await consumer.disconnect();
    }
  });
});
