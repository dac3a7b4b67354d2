// `kiln produce` and `kiln consume` against a real broker, cross-checked with kcat.
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type RunningBroker } from '../helpers/broker-fixture.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';
import { partitionForKey } from '../../tools/client/kafka-client.js';
import { BUILD_TIMEOUT_MS, buildKiln } from './console-helpers.js';
import { kiln } from './run-command.js';

const execFileAsync = promisify(execFile);

let broker: RunningBroker;
let bs: string[];
let dir: string;

beforeAll(buildKiln, BUILD_TIMEOUT_MS);
beforeAll(async () => {
  broker = await startBroker();
  bs = ['--bootstrap-server', broker.bootstrap];
  dir = makeTempDir('kiln-tools-');
});
afterAll(async () => {
  await broker.stop();
  removeTempDir(dir);
});

/** Writes lines to a file for --file (in-process runs cannot feed stdin). */
function inputFile(name: string, lines: string[]): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

describe('kiln produce and consume', () => {
  it('round-trips keys, values and headers, and kcat sees the same records', async () => {
    await kiln('topics', ...bs, '--create', '--topic', 'lines', '--partitions', '3');
    const lines = Array.from({ length: 50 }, (_, i) => `key-${i % 7}:value-${i}`);
    const produced = await kiln(
      'produce',
      ...bs,
      '--topic',
      'lines',
      '--key-separator',
      ':',
      '--header',
      'source=test',
      '--header',
      'n=1',
      '--compression',
      'lz4',
      '--file',
      inputFile('lines.txt', lines),
    );
    expect(produced.code).toBe(0);

    const consumed = await kiln(
      'consume',
      ...bs,
      '--topic',
      'lines',
      '--from-beginning',
      '--max-messages',
      '50',
      '--formatter',
      'json',
    );
    expect(consumed.code).toBe(0);
    const records = consumed.stdout
      .trim()
      .split('\n')
      .map(
        (l) =>
          JSON.parse(l) as { partition: number; key: string; value: string; headers: Record<string, string> },
      );
    expect(records).toHaveLength(50);
    expect(records.map((r) => `${r.key}:${r.value}`).sort()).toEqual([...lines].sort());
    for (const r of records) {
      expect(r.headers).toEqual({ source: 'test', n: '1' });
      // Keyed records land where Kafka's default partitioner (murmur2) puts them.
      expect(r.partition).toBe(partitionForKey(Buffer.from(r.key), 3));
    }

    const { stdout } = await execFileAsync(
      'kcat',
      ['-b', broker.bootstrap, '-C', '-t', 'lines', '-e', '-f', '%k|%s\n'],
      {
        timeout: 30_000,
      },
    );
    expect(stdout.trim().split('\n').sort()).toEqual(records.map((r) => `${r.key}|${r.value}`).sort());
  });

  it('picks the same partition for a key as librdkafka murmur2', async () => {
    await kiln('topics', ...bs, '--create', '--topic', 'hash', '--partitions', '7');
    const keys = ['a', 'ab', 'abc', 'abcd', 'user-17', 'ünïcode', 'x'.repeat(33)];
    const input = keys.map((k) => `${k}|v`).join('\n') + '\n';
    await new Promise<void>((resolve, reject) => {
      const child = spawn('kcat', [
        '-b',
        broker.bootstrap,
        '-P',
        '-t',
        'hash',
        '-K',
        '|',
        '-X',
        'partitioner=murmur2',
      ]);
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`kcat exited ${code}`))));
      child.stdin.end(input);
    });
    const consumed = await kiln(
      'consume',
      ...bs,
      '--topic',
      'hash',
      '--from-beginning',
      '--max-messages',
      String(keys.length),
      '--formatter',
      'json',
    );
    for (const line of consumed.stdout.trim().split('\n')) {
      const r = JSON.parse(line) as { partition: number; key: string };
      expect(r.partition).toBe(partitionForKey(Buffer.from(r.key), 7));
    }
  });

  it('reads one partition from an offset and prints keys', async () => {
    await kiln('topics', ...bs, '--create', '--topic', 'single', '--partitions', '2');
    await kiln(
      'produce',
      ...bs,
      '--topic',
      'single',
      '--partition',
      '1',
      '--acks',
      '1',
      '--file',
      inputFile('single.txt', ['k1\tone', 'k2\ttwo', 'k3\tthree']),
      '--key-separator',
      '\t',
    );
    const consumed = await kiln(
      'consume',
      ...bs,
      '--topic',
      'single',
      '--partition',
      '1',
      '--offset',
      '1',
      '--timeout-ms',
      '300',
      '--property',
      'print.key=true',
      '--property',
      'print.offset=true',
    );
    expect(consumed.stdout).toBe('Offset:1\tk2\ttwo\nOffset:2\tk3\tthree\n');
  });

  it('reads stdin through the real CLI binary', async () => {
    await kiln('topics', ...bs, '--create', '--topic', 'stdin');
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn('node', [
        'bin/kiln.js',
        'produce',
        ...bs,
        '--topic',
        'stdin',
        '--compression',
        'zstd',
      ]);
      child.on('close', resolve);
      child.stdin.end('first\nsecond\n');
    });
    expect(code).toBe(0);
    const consumed = await kiln(
      'consume',
      ...bs,
      '--topic',
      'stdin',
      '--from-beginning',
      '--timeout-ms',
      '300',
    );
    expect(consumed.stdout).toBe('first\nsecond\n');
    expect(consumed.stderr).toContain('Processed a total of 2 messages');
  });
});
