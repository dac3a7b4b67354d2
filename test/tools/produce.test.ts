// `kiln produce` as kafka-console-producer users expect it: lines go out as they are typed or
// piped, a missing topic is auto-created when the broker allows it, and Kafka's flags work.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type RunningBroker } from '../helpers/broker-fixture.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';
import { Codec, iterateBatches } from '../../engine/index.js';
import {
  BUILD_TIMEOUT_MS,
  buildKiln,
  recordCount,
  spawnKiln,
  waitFor,
  type KilnProcess,
} from './console-helpers.js';
import { kiln } from './run-command.js';

let broker: RunningBroker;
let bs: string[];
let dir: string;

beforeAll(buildKiln, BUILD_TIMEOUT_MS);
beforeAll(async () => {
  broker = await startBroker();
  bs = ['--bootstrap-server', broker.bootstrap];
  dir = makeTempDir('kiln-produce-');
});
afterAll(async () => {
  await broker.stop();
  removeTempDir(dir);
});

function inputFile(name: string, lines: string[]): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

async function consumeJson(topic: string, count: number) {
  const consumed = await kiln(
    'consume',
    ...bs,
    '--topic',
    topic,
    '--from-beginning',
    '--max-messages',
    String(count),
    '--timeout-ms',
    '10000',
    '--formatter',
    'json',
  );
  expect(consumed.code).toBe(0);
  return consumed.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { partition: number; key: string | null; value: string });
}

/** The codecs of the batches partition 0 of `topic` holds on disk. */
function codecsOnDisk(topic: string): Codec[] {
  const log = fs.readFileSync(path.join(broker.dataDir, `${topic}-0`, '00000000000000000000.log'));
  return [...iterateBatches(log)].map((b) => b.codec);
}

/** Types (or pipes) lines one at a time; each must reach the broker before the next is written. */
async function sendLineByLine(producer: KilnProcess, topic: string, lines: string[]): Promise<void> {
  for (const [i, line] of lines.entries()) {
    producer.child.stdin.write(line + '\n');
    await waitFor(`line ${i + 1} in ${topic} (stderr: ${producer.stderr()})`, async () => {
      return (await recordCount(broker.bootstrap, topic).catch(() => 0)) === i + 1;
    });
  }
  producer.child.stdin.end();
  expect(await producer.exited).toBe(0);
  expect(producer.stderr()).toContain(`produced ${lines.length} record(s) to ${topic}`);
}

describe('kiln produce', () => {
  it('sends a line typed on a terminal before the next line is typed', async () => {
    await kiln('topics', ...bs, '--create', '--topic', 'typed');
    const producer = spawnKiln(['produce', ...bs, '--topic', 'typed'], { tty: true });
    await sendLineByLine(producer, 'typed', ['first', 'second', 'third']);
    expect((await consumeJson('typed', 3)).map((r) => r.value)).toEqual(['first', 'second', 'third']);
  });

  it('sends a line written to a pipe without waiting for the end of input', async () => {
    await kiln('topics', ...bs, '--create', '--topic', 'piped', '--partitions', '2');
    const producer = spawnKiln(['produce', ...bs, '--topic', 'piped', '--property', 'parse.key=true']);
    await sendLineByLine(producer, 'piped', ['k1\tone', 'k2\ttwo']);
    const records = await consumeJson('piped', 2);
    expect(records.map((r) => `${r.key}=${r.value}`).sort()).toEqual(['k1=one', 'k2=two']);
  });

  it('stops on Ctrl-C after sending what was read, and exits 0', async () => {
    await kiln('topics', ...bs, '--create', '--topic', 'interrupted');
    const producer = spawnKiln(['produce', ...bs, '--topic', 'interrupted']);
    producer.child.stdin.write('only\n');
    await waitFor('the line', async () => (await recordCount(broker.bootstrap, 'interrupted')) === 1);
    producer.child.kill('SIGINT');
    expect(await producer.exited).toBe(0);
    expect(producer.stderr()).toBe('produced 1 record(s) to interrupted\n');
  });

  it('creates a missing topic when the broker auto-creates topics', async () => {
    const produced = await kiln(
      'produce',
      ...bs,
      '--topic',
      'auto',
      '--file',
      inputFile('auto.txt', ['a', 'b']),
    );
    expect(produced).toMatchObject({ code: 0, stderr: 'produced 2 record(s) to auto\n' });
    expect((await consumeJson('auto', 2)).map((r) => r.value)).toEqual(['a', 'b']);
  });

  it('says the topic does not exist (exit 1) when the broker does not auto-create topics', async () => {
    const strict = await startBroker({ 'auto.create.topics.enable': 'false' });
    try {
      const produced = await kiln(
        'produce',
        '--bootstrap-server',
        strict.bootstrap,
        '--topic',
        'missing',
        '--file',
        inputFile('missing.txt', ['x']),
      );
      expect(produced.code).toBe(1);
      expect(produced.stdout).toBe('');
      expect(produced.stderr).toBe(
        'kiln produce: topic missing: UNKNOWN_TOPIC_OR_PARTITION (it does not exist and the broker did not ' +
          'create it (auto.create.topics.enable=false?); create it with kiln topics --create)\n',
      );
    } finally {
      await strict.stop();
    }
  });

  it("takes Kafka's flags: --broker-list, --property parse.key/key.separator, --compression-codec", async () => {
    await kiln('topics', ...bs, '--create', '--topic', 'kafka-flags');
    const produced = await kiln(
      'produce',
      '--broker-list',
      broker.bootstrap,
      '--topic',
      'kafka-flags',
      '--property',
      'parse.key=true',
      '--property',
      'key.separator=:',
      '--compression-codec',
      'zstd',
      '--request-required-acks',
      '1',
      '--file',
      inputFile('flags.txt', ['k1:v1', 'k2:v:2', 'no-key']),
    );
    expect(produced.code).toBe(0);
    expect((await consumeJson('kafka-flags', 3)).map((r) => [r.key, r.value])).toEqual([
      ['k1', 'v1'],
      ['k2', 'v:2'],
      [null, 'no-key'],
    ]);
    expect(codecsOnDisk('kafka-flags')).toEqual([Codec.Zstd]);
  });

  it('--compression-codec with no value means gzip, as in Kafka', async () => {
    await kiln('topics', ...bs, '--create', '--topic', 'bare-codec');
    const produced = await kiln(
      'produce',
      ...bs,
      '--topic',
      'bare-codec',
      '--compression-codec',
      '--file',
      inputFile('bare.txt', ['x', 'y']),
    );
    expect(produced.code).toBe(0);
    expect(codecsOnDisk('bare-codec')).toEqual([Codec.Gzip]);
  });

  it('takes acks and compression.type from --producer-property and warns about the rest', async () => {
    await kiln('topics', ...bs, '--create', '--topic', 'producer-props');
    const produced = await kiln(
      'produce',
      ...bs,
      '--topic',
      'producer-props',
      '--producer-property',
      'compression.type=lz4',
      '--producer-property',
      'acks=1',
      '--producer-property',
      'linger.ms=5',
      '--sync',
      '--file',
      inputFile('props.txt', ['p']),
    );
    expect(produced).toMatchObject({
      code: 0,
      stderr:
        'kiln produce: ignoring --producer-property linger.ms (kiln does not use it)\n' +
        'produced 1 record(s) to producer-props\n',
    });
    expect(codecsOnDisk('producer-props')).toEqual([Codec.Lz4]);
  });

  it('refuses an unknown --property and an unknown codec as usage errors', async () => {
    const badProperty = await kiln('produce', ...bs, '--topic', 't', '--property', 'parse.kee=true');
    expect(badProperty.code).toBe(2);
    expect(badProperty.stderr).toContain("unknown --property 'parse.kee'");
    const badCodec = await kiln('produce', ...bs, '--topic', 't', '--compression-codec', 'brotli');
    expect(badCodec.code).toBe(2);
    expect(badCodec.stderr).toContain("unknown compression codec 'brotli'");
  });
});
